#!/usr/bin/env bash
# Black-box: an action's indicators on its page (docs/contracts.md,
# "Indicators"). A contract on the EPCI Piège-Lauragais-Malepère is made
# by bench_contracts_gen (with an API token); through the server, an
# engine indicator (inhabitants below the threshold) is added to an
# action, and the page shows the value `maillage access --scope
# epci:200035707` writes for the EPCI (read here from its JSON and
# written the French way), in a series « données 2021 », with the
# sentence that same-input values are not a measured change; showing the
# page again records no second value (read back through the JSON API). A
# typed indicator takes a value; bad numbers and dates come back 400 with
# the French message and what was typed, and a value typed on the engine
# indicator is refused; the server keeps serving.
. "$(dirname "$0")/lib.bash"
db=$(test_database indicators)
gen=${MG_BENCH_CONTRACTS_GEN:?the bench_contracts_gen program (tests/CMakeLists.txt)}

"$gen" "$db" 1 2 4 0 "$tmp/data.tsv" >"$tmp/gen.txt" 2>&1 && ok ||
    { fail "bench_contracts_gen: $(cat "$tmp/gen.txt")"; finish; exit 1; }
token=$(awk -F'\t' '$1 == "token" { print $2 }' "$tmp/data.tsv")
c=$(awk -F'\t' '$1 == "contract" { print $2; exit }' "$tmp/data.tsv")
a=$(awk -F'\t' '$1 == "action" { print $3; exit }' "$tmp/data.tsv")

# What the command line says of the EPCI.
"$MAILLAGE" access "${demo[@]}" --scope epci:200035707 --format json --out "$tmp/access.json" \
    --quiet && ok || fail "maillage access"
below=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["summary"]["territory"]["population_below"]))' \
    "$tmp/access.json")

"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log off --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
page="/contrats/$c/actions/$a"

# req METHOD PATH FILE STATUS [BODY]: with the generator's API token; the
# body in FILE, headers in FILE.h, the status checked.
req() {
    local code
    if [ -n "${5:-}" ]; then
        code=$(curl -s -X "$1" -H "Authorization: Bearer $token" --data "$5" -D "$3.h" \
            -o "$3" -w '%{http_code}' "$base$2")
    else
        code=$(curl -s -H "Authorization: Bearer $token" -D "$3.h" -o "$3" \
            -w '%{http_code}' "$base$2")
    fi
    [ "$code" = "$4" ] && ok || fail "$1 $2: status $code, expected $4"
}

# --- An engine indicator ----------------------------------------------------------------
req POST "$page/indicateurs" "$tmp/new" 303 \
    "title=Habitants+sous+le+seuil&unit=&direction=down&target=&target_on=&source=engine&measure=below_population&profession=mg"
ind=$(grep -i '^Location:' "$tmp/new.h" | grep -Eo 'indicateur-[0-9]+' | grep -Eo '[0-9]+')
[ -n "$ind" ] && ok || fail "no indicator id in $(grep -i '^Location:' "$tmp/new.h")"

req GET "$page" "$tmp/page1.html" 200
req GET "$page" "$tmp/page2.html" 200
python3 - "$tmp/page2.html" "$below" <<'PY' && ok || fail "the page's engine value against maillage access"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
text = re.sub(r"[\s\u202f\u2009\u00a0]+", " ", html)
below = int(sys.argv[2])
french = f"{below:,}".replace(",", " ")
assert "Habitants sous le seuil" in text
m = re.search(r"<caption>Valeurs de « Habitants sous le seuil » — série « (données 2021[^»]*) »</caption>", text)
assert m, "no series caption"
rows = re.findall(r"<tr><th scope=\"row\">(\d\d/\d\d/\d{4})</th><td class=\"num\">([^<]*)</td><td>données 2021", text)
assert len(rows) == 1, rows
assert rows[0][1] == french, (rows[0][1], french)
assert "ne mesurent pas un changement" in text
assert "Effet attendu sur l'accès" in text
PY
req GET "/api/v1/indicators/$ind" "$tmp/ind.json" 200
python3 - "$tmp/ind.json" "$below" <<'PY' && ok || fail "one engine value after two pages: $(head -c 400 "$tmp/ind.json")"
import json, sys
j = json.load(open(sys.argv[1]))
vals = j.get("values") or j.get("indicator", {}).get("values")
assert vals is not None and len(vals) == 1, vals
assert round(vals[0]["value"]) == int(sys.argv[2])
assert vals[0]["data_year"] == 2021
PY

# --- A typed indicator and its values ------------------------------------------------------
req POST "$page/indicateurs" "$tmp/new2" 303 \
    "title=T%C3%A9l%C3%A9consultations+(exemple)&unit=consultations&direction=up&target=1+200&target_on=31%2F12%2F2027&source=manual&measure=&profession="
man=$(grep -i '^Location:' "$tmp/new2.h" | grep -Eo 'indicateur-[0-9]+' | grep -Eo '[0-9]+')
[ -n "$man" ] && ok || fail "no id for the typed indicator"
req POST "$page/indicateurs/$man/valeurs" "$tmp/v1" 303 \
    "measured_on=30%2F06%2F2025&value=1+234%2C5&source_note=Rapport+(exemple)&comment="
req POST "$page/indicateurs/$man/valeurs" "$tmp/v2" 400 \
    "measured_on=30%2F06%2F2025&value=douze&source_note=&comment="
grep -q 'value="douze"' "$tmp/v2" && ok || fail "the refused value is not shown again"
grep -q 'Valeur' "$tmp/v2" && grep -q 'aria-invalid="true"' "$tmp/v2" && ok ||
    fail "no message beside the value"
req POST "$page/indicateurs/$man/valeurs" "$tmp/v3" 400 \
    "measured_on=31%2F02%2F2025&value=3&source_note=&comment="
grep -q 'value="31/02/2025"' "$tmp/v3" && ok || fail "the refused date is not shown again"
req POST "$page/indicateurs/$ind/valeurs" "$tmp/v4" 400 \
    "measured_on=30%2F06%2F2025&value=3&source_note=&comment="
grep -q 'calculées par maillage' "$tmp/v4" && ok || fail "a typed value on an engine indicator"
req POST "$page/indicateurs/999999/valeurs" "$tmp/v5" 404 \
    "measured_on=30%2F06%2F2025&value=3&source_note=&comment="
req POST "$page/indicateurs" "$tmp/new3" 400 \
    "title=X&unit=&direction=up&target=&target_on=&source=engine&measure=apl_mean&profession="
grep -q 'Profession' "$tmp/new3" && ok || fail "an engine indicator without profession"

req GET "$page" "$tmp/page3.html" 200
python3 - "$tmp/page3.html" <<'PY' && ok || fail "the typed value on the page"
import re, sys
text = re.sub(r"[\s\u202f\u2009\u00a0]+", " ", open(sys.argv[1], encoding="utf-8").read())
assert re.search(r"<th scope=\"row\">30/06/2025</th><td class=\"num\">1 234,5\d?</td><td>—</td><td>Rapport \(exemple\)</td>", text), "row"
assert "1 200 au 31/12/2027" in text
PY
# --- The expected effect of an action modelled by a scenario -----------------------------
# Three GPs more at Fanjeaux (11136), saved through the API; a new action
# on the EPCI names it and has a budget line of 50 000 € (exemple).
code=$(curl -s -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data '{"name": "Trois médecins à Fanjeaux (exemple)", "profession": "mg", "actions": [{"kind": "gp", "commune": "11136", "count": 3}]}' \
    -o "$tmp/scen.json" -w '%{http_code}' "$base/api/v1/scenarios")
[ "$code" = 201 ] || [ "$code" = 200 ] && ok || fail "POST /api/v1/scenarios: $code $(head -c 300 "$tmp/scen.json")"
sid=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j.get("id") or j["scenario"]["id"])' "$tmp/scen.json")
req POST "/contrats/$c/actions" "$tmp/act" 303 \
    "title=Maison+de+sant%C3%A9+(exemple)&description=&status=in_progress&starts_on=&due_on=&axis=&objectives=&contact_role=&target_publics=&target_communes=epci%3A200035707&priority=2&scenario=$sid"
a2=$(grep -i '^Location:' "$tmp/act.h" | grep -Eo '/actions/[0-9]+' | grep -Eo '[0-9]+')
[ -n "$a2" ] && ok || fail "no id for the modelled action: $(grep -i '^Location:' "$tmp/act.h")"
req GET "/contrats/$c/actions/$a2" "$tmp/page-a2.html" 200
funder=$(python3 -c 'import re,sys; t=open(sys.argv[1],encoding="utf-8").read(); s=re.search(r"<select[^>]*name=\"funder\".*?</select>",t,re.S).group(0); print(re.findall(r"<option value=\"(\d+)\"",s)[0])' "$tmp/page-a2.html")
req POST "/contrats/$c/actions/$a2/budget" "$tmp/line" 303 \
    "funder=$funder&year=2026&nature=investment&planned=50+000&committed=&paid="
req POST "/contrats/$c/actions/$a2/indicateurs" "$tmp/new4" 303 \
    "title=Communes+sous+le+seuil&unit=&direction=down&target=&target_on=&source=engine&measure=below_communes&profession=mg"
req GET "/api/v1/scenarios/$sid/evaluation?base=model" "$tmp/eval.json" 200
req GET "/contrats/$c/actions/$a2" "$tmp/page4.html" 200
python3 - "$tmp/page4.html" "$tmp/eval.json" "$tmp/access.json" <<'PY' && ok || fail "the expected effect against the scenario's evaluation"
import json, re, sys
text = re.sub(r"[\s\u202f\u2009\u00a0]+", " ", open(sys.argv[1], encoding="utf-8").read())
ev = json.load(open(sys.argv[2]))
acc = json.load(open(sys.argv[3]))
def epci(summary):
    rows = summary.get("epci") or summary.get("epcis")
    return next(r for r in rows if r["code"] == "200035707")
before = round(acc["summary"]["territory"]["population_below"])
after = round(epci(ev["after"])["population_below"])
assert round(epci(ev["before"])["population_below"]) == before
fr = lambda v: f"{v:,}".replace(",", " ")
m = re.search(r"<th scope=\"row\">Habitants sous le seuil de 2,5</th><td class=\"num\">([^<]*)</td><td class=\"num\">([^<]*)</td>", text)
assert m, "no row of inhabitants below"
assert m.group(1) == fr(before) and m.group(2) == fr(after), (m.groups(), before, after)
lifted = before - after
assert lifted > 0
assert f"<dt>Personnes passées au-dessus du seuil</dt><dd>{fr(lifted)}</dd>" in text
assert "<dd>50 000 €</dd>" in text
per = 50000 / lifted
want = (f"{per:,.2f}" if per < 100 else f"{per:,.0f}").replace(",", " ").replace(".", ",")
assert f"<dd>{want} €</dd>" in text, want
assert "Après réalisation" in text and "Communes sous le seuil" in text
PY

kill -0 $pid 2>/dev/null && ok || fail "the server stopped"
finish
