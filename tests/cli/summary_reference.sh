#!/usr/bin/env bash
# Golden figures: the summary of `maillage access` (territory, each EPCI,
# agreement) recomputed from the written table by the independent Python
# reference (tests/reference/stats_reference.py), to 1e-9 relative.
. "$(dirname "$0")/lib.bash"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --format json --out "$tmp/a.json"
PYTHONPATH="$MG_SOURCE_DIR/tests/reference" python3 - "$tmp/a.json" <<'PY' && ok || fail "summary differs from the reference"
import json, math, sys
import stats_reference as ref

doc = json.load(open(sys.argv[1]))
rows, s = doc["communes"], doc["summary"]
bad = []

def close(name, got, want, tol=1e-9):
    if got is None or want is None:
        if got is not want:
            bad.append((name, got, want))
        return
    if abs(got - want) > tol * max(1.0, abs(want)):
        bad.append((name, got, want))

def check_area(label, a, sel):
    x = [r["apl"] for r in sel]
    w = [r["demand"] for r in sel]
    z = s["threshold"]
    close(label + " mean", a["mean"], ref.mean(x, w))
    close(label + " gini", a["gini"], ref.gini(x, w))
    close(label + " theil", a["theil"], ref.theil(x, w)[0])
    try:
        d = ref.d9d1(x, w)
    except ValueError:
        d = None
    close(label + " d9_d1", a["d9_d1"], d)
    close(label + " palma", a["palma"], ref.palma(x, w))
    close(label + " share_below", a["share_below"], ref.fgt(x, w, z, 0))
    close(label + " fgt1", a["fgt1"], ref.fgt(x, w, z, 1))
    close(label + " population_below", a["population_below"],
          math.fsum(r["population"] for r in sel if r["apl"] < z))
    close(label + " population", a["population"], math.fsum(r["population"] for r in sel))
    if a["communes"] != len(sel):
        bad.append((label + " communes", a["communes"], len(sel)))

check_area("territory", s["territory"], rows)
for e in s["epci"]:
    check_area("EPCI " + e["code"], e, [r for r in rows if r["epci_code"] == e["code"]])
total, between, within = ref.theil([r["apl"] for r in rows], [r["demand"] for r in rows],
                                   [r["epci_code"] for r in rows])
close("theil between", s["theil_between_epci"], between)
close("theil within", s["theil_within_epci"], within)

ours = [r["apl"] for r in rows]
off = [r["apl_official"] if r["apl_official"] is not None else float("nan") for r in rows]
ag = s["agreement"]
close("spearman", ag["spearman"], ref.spearman(ours, off))
close("pearson", ag["pearson"], ref.pearson(ours, off))
close("mae", ag["mean_absolute_error"], ref.mae(ours, off))
c = ref.confusion(ours, off, s["threshold"])
for k_ours, k_ref in (("below_both", "both_below"), ("below_ours_only", "only_a_below"),
                      ("below_official_only", "only_b_below"), ("above_both", "both_above")):
    if ag[k_ours] != c[k_ref]:
        bad.append((k_ours, ag[k_ours], c[k_ref]))
if bad:
    for b in bad[:20]:
        print("mismatch %s: program %r, reference %r" % b)
    sys.exit(1)
print("summary: %d EPCI and the territory agree with the reference" % len(s["epci"]))
PY
finish
