#!/usr/bin/env bash
# maillage plan on the Aude, black box: the recommended sites, the exact
# answer and the user's proposal in every format; the same answer twice;
# bad configurations give exit 2 (command line) or 3 (input) with a clear
# message.
. "$(dirname "$0")/lib.bash"
M=$MAILLAGE
res=(--resource telemedicine_cabin=1 --resource teleconsultation_cart=2)

# The Aude's question: one cabin and two carts, heuristic and CBC.
expect_exit 0 "$M" plan "${demo[@]}" "${res[@]}" --method both --time-limit 30 --propose 11069,11206:teleconsultation_cart
expect_out '^set,rank,code,name,kind,capacity,cost,gain_at_pick,marginal_gain,communes_reached'
[ "$(grep -c '^recommended,' "$tmp/out")" -eq 3 ] && ok || fail "3 recommended sites expected"
[ "$(grep -c '^exact,' "$tmp/out")" -eq 3 ] && ok || fail "3 exact sites expected"
[ "$(grep -c '^proposed,' "$tmp/out")" -eq 2 ] && ok || fail "2 proposed sites expected"
expect_out '^recommended,1,[0-9]{5},[^,]+,telemedicine_cabin,1974,80000,'
expect_out '^proposed,2,11206,Limoux,teleconsultation_cart,'
expect_err 'CBC: optimal'
expect_err 'gap of the greedy answer to CBC.s bound: 0\.[0-9]+ %'
expect_err 'EUR per inhabitant lifted'
expect_err 'communes below 2\.50 [0-9]+ -> [0-9]+, inhabitants below'
cp "$tmp/out" "$tmp/first.csv"

# Reproducible: the same input gives the same answer.
expect_exit 0 "$M" plan "${demo[@]}" "${res[@]}" --method both --time-limit 30 --propose 11069,11206:teleconsultation_cart --quiet
cmp -s "$tmp/out" "$tmp/first.csv" && ok || fail "two runs differ"

# JSON and GeoJSON, and every objective with its constraints.
expect_exit 0 "$M" plan "${demo[@]}" "${res[@]}" --format json --out "$tmp/p.json" --quiet
python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))
r=j["recommended"]
assert j["objective"]=="deficit" and len(r["sites"])==3, j
t=r["totals"]
assert t["objective_gain"]>0 and t["deficit_after"]<t["deficit_before"], t
assert abs(sum(s["cost"] for s in r["sites"])-t["cost"])<1e-6
# Marginal gains (in the order chosen) add up to the gain of the plan, the
# inhabitants each site lifts to those the plan lifts; standalone gains
# are each site alone (the first equals its marginal gain).
assert abs(sum(s["marginal_gain"] for s in r["sites"])-t["objective_gain"])<=1e-9*t["objective_gain"], t
assert abs(sum(s["inhabitants_lifted"] for s in r["sites"])-t["inhabitants_lifted"])<=1e-6, t
assert abs(r["sites"][0]["standalone_gain"]-r["sites"][0]["marginal_gain"])<=1e-9*t["objective_gain"]
assert t["inhabitants_below_before"]-t["inhabitants_below_after"]==t["inhabitants_lifted"]
assert t["communes_below_before"]>=t["communes_below_after"]
' "$tmp/p.json" && ok || fail "JSON output"
expect_exit 0 "$M" plan "${demo[@]}" --resource health_centre=2 --objective lifted --format geojson --out "$tmp/p.geojson" --quiet
python3 -c '
import json,sys
j=json.load(open(sys.argv[1]))
assert j["type"]=="FeatureCollection" and len(j["features"])==2
for f in j["features"]:
    assert f["geometry"]["type"]=="Point" and f["properties"]["kind"]=="health_centre"
' "$tmp/p.geojson" && ok || fail "GeoJSON output"
expect_exit 0 "$M" plan "${demo[@]}" --resource mobile_consultation=4 --objective coverage --coverage-minutes 8 --min-distance 15 --method both --time-limit 30
expect_err 'CBC: optimal'
python3 - "$tmp/out" <<'PY' && ok || fail "min distance not respected"
import csv, math, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["set"] == "recommended"]
def km(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"])))
    h = math.sin((la2-la1)/2)**2 + math.cos(la1)*math.cos(la2)*math.sin((lo2-lo1)/2)**2
    return 2*6371.0088*math.asin(math.sqrt(h))
assert len(rows) >= 2
assert all(km(a, b) >= 15 for i, a in enumerate(rows) for b in rows[i+1:])
PY
expect_exit 0 "$M" plan "${demo[@]}" --resource gp=3 --objective pmedian --budget 100000 --exclude 11069 --candidates pharmacy
[ "$(grep -c '^recommended,' "$tmp/out")" -eq 2 ] && ok || fail "the budget pays for 2 GPs"
grep -q '^recommended,[0-9],11069,' "$tmp/out" && fail "an excluded commune was chosen" || ok

# Numbers as the French write them: the same answer.
expect_exit 0 "$M" plan "${demo[@]}" --resource gp=3 --objective pmedian --budget "100 000" --threshold 2,5 --exclude 11069 --candidates pharmacy --quiet --out "$tmp/fr.csv"
expect_exit 0 "$M" plan "${demo[@]}" --resource gp=3 --objective pmedian --budget 100000 --threshold 2.5 --exclude 11069 --candidates pharmacy --quiet --out "$tmp/en.csv"
cmp -s "$tmp/fr.csv" "$tmp/en.csv" && ok || fail "French and plain numbers give different plans"
[ "$(grep -c '^recommended,' "$tmp/fr.csv")" -eq 2 ] && ok || fail "the budget of 100 000 pays for 2 GPs"

# Candidates from a file.
printf 'code\n11069\n11206\n11304\n' >"$tmp/cands.csv"
expect_exit 0 "$M" plan "${demo[@]}" --resource telemedicine_cabin=1 --candidates "$tmp/cands.csv" --quiet
expect_out '^recommended,1,(11069|11206|11304),'

# Bad configurations.
expect_exit 2 "$M" plan "${demo[@]}"
expect_err 'nothing to place'
expect_exit 2 "$M" plan "${demo[@]}" --resource spaceship=1
expect_err 'unknown resource kind'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp=-1
expect_err 'resource gp=-1: expected a whole number of sites from 0 to 1000'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp=1,5
expect_err 'resource gp=1,5: expected a whole number of sites'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --budget "80 00"
expect_err 'budget 80 00: expected a number from 0 to .*grouped by threes'
expect_exit 2 "$M" plan "${demo[@]}" --resource telemedicine_cabin --budget "1 000"
expect_err 'infeasible budget: 1000 EUR does not pay for one site'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --capacity gp=-4265
expect_err 'gp: capacity -4265: expected a non-negative capacity'
expect_exit 2 "$M" plan "${demo[@]}" --resource telemedicine_cabin --budget 1000
expect_err 'infeasible budget: 1000 EUR does not pay for one site'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --exclude 99999
expect_err 'unknown commune "99999"'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --propose 11069,00000
expect_err 'unknown commune "00000"'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --objective fairness
expect_err 'expected deficit, lifted, coverage or pmedian'
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --method magic
expect_exit 2 "$M" plan "${demo[@]}" --profession inf --resource telemedicine_cabin
expect_err 'médecins généralistes'
printf '11069\n1106X\n' >"$tmp/bad.csv"
expect_exit 3 "$M" plan "${demo[@]}" --resource gp --candidates "$tmp/bad.csv"
expect_err 'bad.csv:2:1: unknown commune "1106X"'
expect_exit 3 "$M" plan "${demo[@]}" --resource gp --candidates "$tmp/missing.csv"
# The official baseline (docs/methodology.md, "Official baseline"): the APL
# before is the DREES value, so the deficit and the population below 2.5
# before the plan are the official file's, computed here from it alone;
# the model's baseline gives other figures, and the same sites add the
# same gain on either (a site only adds capacity: nothing is clamped).
expect_exit 0 "$M" plan "${demo[@]}" "${res[@]}" --format json --out "$tmp/official.json"
expect_err 'baseline official' # the default
expect_exit 0 "$M" plan "${demo[@]}" "${res[@]}" --baseline model --format json --out "$tmp/model.json" --quiet
python3 - "$tmp/official.json" "$tmp/model.json" "$MG_SOURCE_DIR/data/demo/11-aude/apl_mg_2021.csv" <<'PY' && ok || fail "official baseline of the plan"
import csv, json, sys
o, m = (json.load(open(p)) for p in sys.argv[1:3])
assert o["baseline"] == "official" and m["baseline"] == "model", (o["baseline"], m["baseline"])
rows = list(csv.reader(open(sys.argv[3], encoding="utf-8")))[1:]
apl = [(float(r[3]), float(r[6])) for r in rows]   # official APL, standardised population
below = sum(p for a, p in apl if a < 2.5)
deficit = sum(p * (2.5 - a) for a, p in apl if a < 2.5)
t, tm = o["recommended"]["totals"], m["recommended"]["totals"]
assert abs(t["below_before"] - below) <= 1e-6 * below, (t["below_before"], below)
assert abs(t["deficit_before"] - deficit) <= 1e-6 * deficit, (t["deficit_before"], deficit)
assert abs(tm["below_before"] - below) > 1, "the model's baseline should differ"
assert t["objective_gain"] > 0 and t["deficit_after"] < t["deficit_before"], t
PY
# A scope: the figures of the EPCI and of the whole territory. The
# territory's communes below 2.5 before the plan are the official file's
# (the default baseline), counted here from it alone.
expect_exit 0 "$M" plan "${demo[@]}" "${res[@]}" --scope epci:200035707 --format json --out "$tmp/scoped.json"
expect_err 'whole territory: communes below 2\.50'
python3 - "$tmp/scoped.json" "$MG_SOURCE_DIR/data/demo/11-aude/apl_mg_2021.csv" <<'PY' && ok || fail "the scoped plan's whole-territory figures"
import csv, json, sys
r = json.load(open(sys.argv[1]))["recommended"]
rows = list(csv.reader(open(sys.argv[2], encoding="utf-8")))[1:]
below = sum(1 for x in rows if float(x[3]) < 2.5)
t, a = r["totals"], r["territory_totals"]
assert a["communes_below_before"] == below, (a["communes_below_before"], below)
assert t["communes_below_before"] < a["communes_below_before"], (t, a)
assert a["communes_below_before"] - a["communes_below_after"] >= t["communes_below_before"] - t["communes_below_after"]
PY
expect_exit 2 "$M" plan "${demo[@]}" --resource gp --baseline officielle
expect_err '--baseline officielle: expected model or official'

expect_exit 0 "$M" plan --help
expect_out 'Usage: maillage plan'
expect_out '--baseline B'
finish
