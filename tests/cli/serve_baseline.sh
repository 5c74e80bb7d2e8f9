#!/usr/bin/env bash
# Black-box: `maillage serve --baseline official` (docs/web.md, "Baseline"):
# without ?base= the API and the pages give the official DREES values, as
# read here from the DREES file itself; ?base=modele gives the model's;
# the commune page shows both values and the label; a scenario evaluated on
# the official baseline moves the official values by the model's change.
. "$(dirname "$0")/lib.bash"
db=$(test_database serve_baseline)

expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --database "$db" --baseline drees
expect_err '--baseline drees: expected model or official'

"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log off --baseline official --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
drees="$MG_SOURCE_DIR/data/demo/11-aude/apl_mg_2021.csv"

# get PATH: the body in $tmp/out, the status checked.
get() {
    local code
    code=$(curl -s -o "$tmp/out" -w '%{http_code}' "$base$1")
    [ "$code" = "${2:-200}" ] && ok || fail "$1: status $code, expected ${2:-200}"
}

get "/api/v1/communes?profession=mg"
python3 - "$tmp/out" "$drees" <<'PY' && ok || fail "communes on the official default"
import csv, json, sys
j = json.load(open(sys.argv[1]))
official = {r[0]: float(r[3]) for r in list(csv.reader(open(sys.argv[2], encoding="utf-8")))[1:]}
assert j["meta"]["baseline"] == "official", j["meta"]
assert len(j["communes"]) == 433
for c in j["communes"]:
    assert c["baseline"] == "official" and c["value_source"] == "official", c
    assert abs(c["value"] - official[c["code_insee"]]) < 1e-9, c
    assert c["under_served"] == (official[c["code_insee"]] < 2.5), c
PY
get "/api/v1/communes?profession=mg&base=modele"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["meta"]["baseline"] == "model"
assert all(c["value"] == c["apl"] and c["value_source"] == "model" for c in j["communes"])
' "$tmp/out" && ok || fail "communes on the model's baseline"
get "/api/v1/communes?profession=mg&base=drees" 400

# A scenario without saving it: two GPs more at Quillan. On the official
# baseline the values before are the file's and move by model_change.
code=$(curl -s -o "$tmp/out" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"profession":"mg","actions":[{"kind":"gp","commune":"11304","count":2}]}' \
    "$base/api/v1/evaluate")
[ "$code" = 200 ] && ok || fail "evaluate: status $code"
python3 - "$tmp/out" "$drees" <<'PY' && ok || fail "evaluation on the official baseline"
import csv, json, sys
j = json.load(open(sys.argv[1]))
official = {r[0]: float(r[3]) for r in list(csv.reader(open(sys.argv[2], encoding="utf-8")))[1:]}
assert j["baseline"] == "official" and j["baseline_label"] == "APL officielle + effet du scénario (modèle)"
assert len(j["communes"]) > 5
for c in j["communes"]:
    assert abs(c["apl_before"] - official[c["code_insee"]]) < 1e-9, c
    assert abs(c["apl_after"] - (official[c["code_insee"]] + c["model_change"])) < 1e-9, c
    assert c["source"] == "official+model_change" and not c["clamped"], c
PY

# The pages: the commune page with both values and the label; the
# territory map on the official values by default.
get "/commune/11304?profession=mg"
expect_out '<dt>APL \(maillage\)</dt><dd>[0-9]+,[0-9]{2}</dd>'
expect_out '<dt>APL officielle DREES</dt><dd>[0-9]+,[0-9]{2}</dd>'
expect_out 'Base « APL officielle \+ effet du scénario \(modèle\) »'
expect_out 'APL officielle des communes, commune sélectionnée entourée'
get "/territoire?profession=mg"
expect_out 'APL officielle \(DREES\)</strong>, base des scénarios'
get "/territoire?profession=mg&base=modele"
expect_out 'APL du modèle</strong> \(maillage\)'
finish
