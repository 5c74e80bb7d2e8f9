#!/usr/bin/env bash
# Black-box: --scope epci:SIREN on access and compare (issue 13, section 1).
# The scoped table is the full table's rows of that EPCI, values unchanged
# (computed with every neighbour); the scoped figures equal the full run's
# figures for that EPCI and a computation on its rows alone; compare's
# agreement is the one of those rows. Then the refusals.
. "$(dirname "$0")/lib.bash"
M=$MAILLAGE
epci=200035707 # CC Piège Lauragais Malepère
expect_exit 0 "$M" access "${demo[@]}" --quiet --out "$tmp/full.csv" --summary "$tmp/full.json"
expect_exit 0 "$M" access "${demo[@]}" --quiet --scope "epci:$epci" --out "$tmp/s.csv" \
    --summary "$tmp/s.json"
expect_exit 0 "$M" compare "${demo[@]}" --quiet --scope "epci:$epci" --format json
cp "$tmp/out" "$tmp/cmp.json"
python3 - "$tmp/full.csv" "$tmp/full.json" "$tmp/s.csv" "$tmp/s.json" "$tmp/cmp.json" "$epci" <<'PY' && ok || fail "the EPCI's scope"
import csv, json, sys
full, fullsum, scoped, ssum, cmp, epci = sys.argv[1:7]
rows = [r for r in csv.DictReader(open(full, encoding="utf-8")) if r["epci_code"] == epci]
srows = list(csv.DictReader(open(scoped, encoding="utf-8")))
assert len(rows) == 38 and srows == rows, (len(rows), len(srows))
t = json.load(open(ssum))["territory"]
e = [x for x in json.load(open(fullsum))["epci"] if x["code"] == epci][0]
for k in ("communes", "population", "demand", "mean", "official_mean", "population_below",
          "fgt1", "gini"):
    assert abs(t[k] - e[k]) <= 1e-9 * max(1.0, abs(e[k])), (k, t[k], e[k])
# From the rows alone: weighted mean and population below 2.5.
w = [float(r["demand"]) for r in rows]
a = [float(r["apl"]) for r in rows]
mean = sum(x * y for x, y in zip(a, w)) / sum(w)
below = sum(float(r["population"]) for r in rows if float(r["apl"]) < 2.5)
assert abs(t["mean"] - mean) <= 1e-9 * mean, (t["mean"], mean)
assert abs(t["population_below"] - below) <= 1e-6, (t["population_below"], below)
# Spearman of the rows alone (mean ranks for ties).
def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r
pairs = [(float(r["apl"]), float(r["apl_official"])) for r in rows if r["apl_official"]]
ra, rb = ranks([p[0] for p in pairs]), ranks([p[1] for p in pairs])
n = len(pairs)
ma, mb = sum(ra) / n, sum(rb) / n
cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
rho = cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
c = json.load(open(cmp))
assert c["communes"] == n and abs(c["spearman"] - rho) <= 1e-9, (c["communes"], n, c["spearman"], rho)
PY
# The same communes as a list (communes:FILE, codes one per line, a
# comment, a blank line): the same table.
{ echo "# Piège Lauragais Malepère"; echo; python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    print(r["code_insee"])' "$tmp/s.csv"; } >"$tmp/list.txt"
expect_exit 0 "$M" access "${demo[@]}" --quiet --scope "communes:$tmp/list.txt" --out "$tmp/l.csv"
cmp -s "$tmp/l.csv" "$tmp/s.csv" && ok || fail "communes:FILE gives another table than epci:SIREN"
printf '11069\n1106X\n' >"$tmp/bad.txt"
expect_exit 3 "$M" access "${demo[@]}" --scope "communes:$tmp/bad.txt" --out "$tmp/no.csv"
expect_err 'bad.txt:2'
printf '11069\n34172\n' >"$tmp/far.txt"
expect_exit 3 "$M" compare "${demo[@]}" --scope "communes:$tmp/far.txt"
expect_err 'commune 34172 \(Montpellier\) is not in the study territory'
expect_exit 3 "$M" access "${demo[@]}" --scope "communes:$tmp/none.txt" --out "$tmp/no.csv"
[ ! -e "$tmp/no.csv" ] && ok || fail "a refused list wrote a table"

# Planning within the scope: every site in the EPCI, and the population
# below 2.5 before the plan is the EPCI's on the official baseline (the
# default), from the scoped table's official values alone.
expect_exit 0 "$M" plan "${demo[@]}" --resource telemedicine_cabin=1 \
    --resource teleconsultation_cart=2 --scope "epci:$epci" --format json --out "$tmp/plan.json"
expect_err '^38 candidate communes, 38 communes in the objective'
python3 - "$tmp/plan.json" "$tmp/s.csv" <<'PY' && ok || fail "the plan's scope"
import csv, json, sys
plan = json.load(open(sys.argv[1]))["recommended"]
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
codes = {r["code_insee"] for r in rows}
assert plan["sites"] and all(s["code"] in codes for s in plan["sites"]), plan["sites"]
below = sum(float(r["demand"]) for r in rows if float(r["apl_official"]) < 2.5)
got = plan["totals"]["below_before"]
assert abs(got - below) <= 1e-6 * below, (got, below)
PY

# Refusals: exit 2, nothing written.
expect_exit 2 "$M" access "${demo[@]}" --scope epci:999 --out "$tmp/no.csv"
expect_err 'no EPCI with the SIREN "999"'
[ ! -e "$tmp/no.csv" ] && ok || fail "a refused scope wrote a table"
expect_exit 2 "$M" access "${demo[@]}" --scope "commune:11069"
expect_err 'expected epci:SIREN'
expect_exit 2 "$M" compare --table "$tmp/full.csv" --scope "epci:$epci"
expect_err 'do not give --bundle, --france or --scope'
finish
