#!/usr/bin/env bash
# Black-box: `maillage calibrate` (docs/cli.md) on two départements of the
# bundled national file, the Aude and the Pyrénées-Orientales, with the
# activity and the centres held: the fit improves on its start, writes a
# parameter file that --params reads back to the same figures, is the same
# on one thread as on two, and with cross-validation reports each
# département on the fit without it. Then the refusals: settings the
# calibration cannot use, too few départements, a damaged parameter file
# (file:line:column, exit 2, nothing written).
. "$(dirname "$0")/lib.bash"
M=$MAILLAGE
national=(--bundle "$MG_SOURCE_DIR/data/demo/france/drees-apl-2021"
          --france "$MG_SOURCE_DIR/data/demo/france")
cal=("$M" calibrate "${national[@]}" --departements 11,66 --fixed activity,centres --uncalibrated)

expect_exit 0 "${cal[@]}" --threads 2 --out "$tmp/p2.txt" --report "$tmp/r2.csv"
expect_err '^maillage calibrate: 659 communes compared in 2 départements'
expect_err '^fit: speed'
expect_exit 0 "${cal[@]}" --threads 1 --no-cv --out "$tmp/p1.txt" --quiet
# (the comment lines differ: one run had the cross-validation)
cmp -s <(grep -v '^#' "$tmp/p1.txt") <(grep -v '^#' "$tmp/p2.txt") && ok ||
    fail "one thread and two threads fitted differently"
[ ! -s "$tmp/err" ] && ok || fail "--quiet printed something"
python3 - "$tmp/p2.txt" "$tmp/r2.csv" <<'PY' && ok || fail "parameter file or report"
import csv, sys
keys = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        k, v = (x.strip() for x in line.split("="))
        keys[k] = float(v)
assert set(keys) == {"speed_kmh", "detour", "access_minutes", "time_spread",
                     "activity_exponent", "activity_reference", "centre_practitioners"}, keys
assert keys["activity_exponent"] == 0 and keys["centre_practitioners"] == 0, keys  # --fixed
assert 30 <= keys["speed_kmh"] <= 80 and 0 <= keys["time_spread"] <= 0.35, keys
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
assert [r["departement"] for r in rows] == ["11", "66"], rows
mean = lambda k: sum(float(r[k]) for r in rows) / len(rows)
assert mean("spearman") > mean("start_spearman") + 0.05, (mean("spearman"), mean("start_spearman"))
for r in rows:
    assert r["cv_spearman"] != "" and int(r["communes"]) > 200, r
    assert sum(int(r[k]) for k in ("below_both", "below_ours_only", "below_official_only",
                                   "above_both")) == int(r["communes"]), r
PY
# --params gives the Aude the fit's figure.
expect_exit 0 "$M" compare "${demo[@]}" --params "$tmp/p2.txt" --format json --quiet
python3 - "$tmp/out" "$tmp/r2.csv" <<'PY' && ok || fail "compare --params differs from the report"
import csv, json, sys
got = json.load(open(sys.argv[1]))["spearman"]
aude = [r for r in csv.DictReader(open(sys.argv[2])) if r["departement"] == "11"][0]
# The calibration's table keeps the communes within two reaches of the
# compared ones, all that their values depend on: the same figure (to the
# 12 digits compare reads values with).
assert abs(got - float(aude["spearman"])) < 1e-3, (got, aude["spearman"])
PY

# Refusals.
expect_exit 2 "$M" calibrate "${demo[@]}" --out "$tmp/one.txt"
expect_err 'at least two départements'
[ ! -e "$tmp/one.txt" ] && ok || fail "a refused calibration wrote a file"
expect_exit 2 "${cal[@]}" --matrix "$tmp/m.csv"
expect_err 'the calibration fits the crow-fly model'
expect_exit 2 "${cal[@]}" --fixed speed,altitude
expect_err '"altitude": expected speed, access, spread, activity or centres'
expect_exit 2 "${cal[@]}" --flags-weight lots
expect_err 'flags-weight lots: expected a number'
printf 'speed_kmh = 50\ntime_spread = 2\n' >"$tmp/bad.txt"
expect_exit 2 "$M" access "${demo[@]}" --params "$tmp/bad.txt" --out "$tmp/bad.csv"
expect_err 'bad.txt:2:15: time_spread = 2: expected 0 to 1'
[ ! -e "$tmp/bad.csv" ] && ok || fail "a refused parameter file let a table be written"
printf 'speed_kmh = 50\nspeed = 40\n' >"$tmp/bad2.txt"
expect_exit 2 "$M" access "${demo[@]}" --params "$tmp/bad2.txt" --out "$tmp/bad.csv"
expect_err 'bad2.txt:2:1: unknown key "speed"'
expect_exit 2 "$M" access "${demo[@]}" --params "$tmp/none.txt"
expect_err 'none.txt'
# A negative activity exponent (allowed: the box goes down to -1) runs
# (it used to crash: the weights were computed for positive ones only),
# and moves a commune's value the other way from a positive one.
expect_exit 0 "$M" access "${demo[@]}" --quiet --activity-exponent -0.2 --out "$tmp/neg.csv"
expect_exit 0 "$M" access "${demo[@]}" --quiet --activity-exponent 0 --out "$tmp/zero.csv"
expect_exit 0 "$M" access "${demo[@]}" --quiet --activity-exponent 0.2 --out "$tmp/pos.csv"
python3 - "$tmp/neg.csv" "$tmp/zero.csv" "$tmp/pos.csv" <<'PY' && ok || fail "negative activity exponent"
import csv, sys
n, z, p = ({r["code_insee"]: float(r["apl"]) for r in csv.DictReader(open(f))} for f in sys.argv[1:4])
c = "11069"  # Carcassonne: the most demand within reach of its practices
assert (n[c] - z[c]) * (p[c] - z[c]) < 0, (n[c], z[c], p[c])
PY
finish
