#!/usr/bin/env bash
# maillage access --zones, black box: the example of tests/data/zones (the
# unit test's, computed by hand there) against its expected table, every
# measure and figure against the independent Python reference
# (tests/reference/zones_reference.py) on the example and on 400 random
# zones, to 1e-9 relative; then bad inputs refused with the file, line and
# column, the right exit code, and no output file left behind.
. "$(dirname "$0")/lib.bash"
D="$MG_SOURCE_DIR/tests/data/zones"
REF="$MG_SOURCE_DIR/tests/reference/zones_reference.py"
Z=(access --zones "$D/zones.csv" --supply doctors --demand population --matrix "$D/matrix.csv")

# compare TABLE.csv SUMMARY.json REFERENCE.json: every value and figure.
compare() {
    python3 - "$@" <<'PY'
import csv, json, math, sys
table, summary, want = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
bad = []
def close(name, got, exp, tol=1e-9):
    if got is None or exp is None:
        if not (got is None and exp is None):
            bad.append((name, got, exp))
    elif abs(got - exp) > tol * max(1.0, abs(exp)):
        bad.append((name, got, exp))
rows = list(csv.DictReader(open(table)))
if [r["id"] for r in rows] != list(want["zones"]):
    bad.append(("ids", len(rows), len(want["zones"])))
for r in rows:
    for k, v in want["zones"][r["id"]].items():
        close(r["id"] + " " + k, float(r[k]) if r[k] != "" else None, v)
s = json.load(open(summary))
for m, f in want["figures"].items():
    for k, v in f.items():
        close(m + " " + k, s["measures"][m][k], v)
for b in bad[:10]:
    print("  differs: %s: got %r, expected %r" % b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# The example, with groups and a poverty line.
expect_exit 0 "$MAILLAGE" "${Z[@]}" --group district --poverty-line 0.04 \
    --out "$tmp/z.csv" --summary "$tmp/z.json"
cmp -s "$tmp/z.csv" "$D/expected.csv" && ok || fail "the example's table differs from $D/expected.csv"
expect_err "^5 zones, 14 pairs within 20 minutes"
python3 "$REF" compute "$D/zones.csv" "$D/matrix.csv" --supply doctors --demand population \
    --group district --poverty-line 0.04 >"$tmp/ref.json"
compare "$tmp/z.csv" "$tmp/z.json" "$tmp/ref.json" && ok || fail "example differs from the reference"

# Weighted by another column, another catchment and profile.
expect_exit 0 "$MAILLAGE" "${Z[@]}" --weight households --catchment 15 --steps 5:1,15:0.5 \
    --poverty-line 0.05 --quiet --out "$tmp/w.csv" --summary "$tmp/w.json"
python3 "$REF" compute "$D/zones.csv" "$D/matrix.csv" --supply doctors --demand population \
    --weight households --catchment 15 --steps 5:1,15:0.5 --poverty-line 0.05 >"$tmp/wref.json"
compare "$tmp/w.csv" "$tmp/w.json" "$tmp/wref.json" && ok || fail "--weight/--catchment/--steps differ"
[ ! -s "$tmp/err" ] && ok || fail "--quiet printed something"

# Another gravity decay (--beta), and a bad one refused.
expect_exit 0 "$MAILLAGE" "${Z[@]}" --beta 0.05 --quiet --out "$tmp/b.csv" --summary "$tmp/b.json"
python3 "$REF" compute "$D/zones.csv" "$D/matrix.csv" --supply doctors --demand population \
    --beta 0.05 >"$tmp/bref.json"
compare "$tmp/b.csv" "$tmp/b.json" "$tmp/bref.json" && ok || fail "--beta 0.05 differs from the reference"
cmp -s "$tmp/b.csv" "$D/expected.csv" && fail "--beta changed nothing" || ok
expect_exit 2 "$MAILLAGE" "${Z[@]}" --beta -1 --out "$tmp/nb.csv"
expect_err 'beta -1: expected a number from 0 to 9.999'
[ ! -e "$tmp/nb.csv" ] && ok || fail "a refused --beta wrote a table"
expect_exit 2 "$MAILLAGE" "${Z[@]}" --time-spread 0.2
expect_err 'time-spread belongs to the commune mode'

# 400 random zones (IPEA's layout: id,population,jobs,…).
python3 "$REF" generate 400 7 "$tmp"
expect_exit 0 "$MAILLAGE" access --zones "$tmp/zones.csv" --supply jobs --demand population \
    --matrix "$tmp/matrix.csv" --group group --poverty-line 0.002 --quiet \
    --out "$tmp/r.csv" --summary "$tmp/r.json"
python3 "$REF" compute "$tmp/zones.csv" "$tmp/matrix.csv" --supply jobs --demand population \
    --group group --poverty-line 0.002 >"$tmp/rref.json"
compare "$tmp/r.csv" "$tmp/r.json" "$tmp/rref.json" && ok || fail "random zones differ from the reference"

# The matrix as IPEA's accessibility and r5r write it (from_id,to_id,
# travel_time) and as INSEE Metric does (idSrc,idDst,duree): the same table.
for h in from_id,to_id,travel_time idSrc,idDst,duree; do
    { echo "$h"; tail -n +2 "$D/matrix.csv"; } >"$tmp/m-$h.csv"
    expect_exit 0 "$MAILLAGE" access --zones "$D/zones.csv" --supply doctors --demand population \
        --matrix "$tmp/m-$h.csv" --quiet --out "$tmp/h.csv"
    cmp -s "$tmp/h.csv" "$D/expected.csv" && ok || fail "matrix header $h: table differs"
done

# JSON table and a chosen measure list, in the order given.
expect_exit 0 "$MAILLAGE" "${Z[@]}" --measure nearest,2sfca --format json --quiet
python3 - "$tmp/out" <<'PY' && ok || fail "JSON table"
import json, sys
d = json.load(open(sys.argv[1]))
z = d["zones"]
assert list(z[0]) == ["id", "nearest", "2sfca"], list(z[0])
assert z[4]["id"] == "E" and z[4]["nearest"] is None and z[4]["2sfca"] == 0
assert abs(z[2]["2sfca"] - (1 / 35 + 0.025)) < 1e-12
PY
expect_exit 0 "$MAILLAGE" "${Z[@]}" --measure cumulative --quiet
[ "$(head -1 "$tmp/out")" = "id,cumulative" ] && ok || fail "--measure cumulative header"

# Bad inputs: exit 3 (input) or 2 (usage), a message naming the place, and
# neither the table nor the summary written.
bad_input() { # EXIT REGEX ARGS…
    local want=$1 re=$2; shift 2
    rm -f "$tmp/o.csv" "$tmp/o.json"
    expect_exit "$want" "$MAILLAGE" "$@" --out "$tmp/o.csv" --summary "$tmp/o.json"
    expect_err "$re"
    [ ! -e "$tmp/o.csv" ] && [ ! -e "$tmp/o.json" ] && ok || fail "output left after: $re"
    ls "$tmp" | grep -q '\.tmp-' && fail "temporary file left after: $re" || ok
}
printf 'id,population,doctors\nA,1,0\nB,2,1\nA,3,0\n' >"$tmp/dup.csv"
printf 'id,population,doctors\nA,1,0\nB,x,1\n' >"$tmp/num.csv"
printf 'id,pop,doctors\nA,1,0\n' >"$tmp/col.csv"
printf 'from,to,minutes\nA,B,3\nB,Q,4\n' >"$tmp/unk.csv"
printf 'from,to,minutes\nA,B,3\nA,B,4\n' >"$tmp/twice.csv"
printf 'from,to,time\nA,B,3\n' >"$tmp/mcol.csv"
M=(access --supply doctors --demand population)
bad_input 3 'dup.csv:4: zone id "A" given twice \(first on line 2\)' \
    "${M[@]}" --zones "$tmp/dup.csv" --matrix "$D/matrix.csv"
bad_input 3 'num.csv:3:3: column "population": expected a number' \
    "${M[@]}" --zones "$tmp/num.csv" --matrix "$D/matrix.csv"
bad_input 3 'col.csv:1: missing column "population"' \
    "${M[@]}" --zones "$tmp/col.csv" --matrix "$D/matrix.csv"
bad_input 3 'unk.csv:3:3: column "to": "Q" is not the id of a zone' \
    "${M[@]}" --zones "$D/zones.csv" --matrix "$tmp/unk.csv"
bad_input 3 'twice.csv:3: the pair from "A" to "B" is given twice \(first on line 2\)' \
    "${M[@]}" --zones "$D/zones.csv" --matrix "$tmp/twice.csv"
bad_input 3 'mcol.csv:1: no column of travel times in minutes' \
    "${M[@]}" --zones "$D/zones.csv" --matrix "$tmp/mcol.csv"
bad_input 3 'zones.csv:1: missing column "nope"' \
    "${Z[@]}" --group nope
bad_input 3 'no-such.csv' "${M[@]}" --zones "$tmp/no-such.csv" --matrix "$D/matrix.csv"
bad_input 2 '--bundle belongs to the commune mode' "${Z[@]}" --bundle x
bad_input 2 'required with --zones' access --zones "$D/zones.csv" --matrix "$D/matrix.csv"
bad_input 2 'unknown measure "apl"' "${Z[@]}" --measure 2sfca,apl
bad_input 2 'reaches 30 minutes, beyond the catchment of 20' "${Z[@]}" --steps 10:1,30:0.5
bad_input 2 '--format geojson: expected csv or json' "${Z[@]}" --format geojson
bad_input 2 '--poverty-line -1: expected a number from 0' "${Z[@]}" --poverty-line -1
bad_input 2 '--poverty-line 0: expected a number above 0' "${Z[@]}" --poverty-line 0

finish
