#!/usr/bin/env bash
# Black-box: the spreadsheet downloads of `maillage serve` (docs/web.md,
# "Downloads"; docs/formats.md, "Workbook"): /telecharger/communes.xlsx read
# back with openpyxl (Debian's, /usr/bin/python3) and checked cell by cell
# against /telecharger/communes.csv of the same request — same rows, same
# values, numbers stored as numbers with their formats, French sheet names;
# its EPCI and key-figure sheets against figures computed here from the CSV
# (weighted means, communes and inhabitants below the threshold);
# /telecharger/communes-fr.csv parsed with ';' and the decimal comma to the
# CSV's values; ?perimetre= on every download: a scoped CSV is the full
# CSV's rows of that EPCI, a bad perimetre is a 400 naming it. For the whole
# Aude, for CC Piège-Lauragais-Malepère (epci:200035707, 38 communes), on
# both baselines, and for a scenario (before, after, difference).
. "$(dirname "$0")/lib.bash"
db=$(test_database xlsx)
web_account "$db" manager || { fail "no account made"; finish; exit 1; }
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log off --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
web_login "$base" || { fail "log-in"; finish; exit 1; }
S=(-b "$WEB_JAR" -H "X-CSRF-Token: $WEB_CSRF")
epci=200035707

# dl FILE PATH [STATUS [TYPE]]: downloads PATH into $tmp/FILE, checks the
# status and the content type's start.
dl() {
    local got
    got=$(curl -s "${S[@]}" -o "$tmp/$1" -D "$tmp/$1.headers" -w '%{http_code} %{content_type}' \
        "$base$2")
    if [[ "$got" == "${3:-200} ${4:-}"* ]]; then ok; else
        fail "$2: got '$got', expected '${3:-200} ${4:-}'"; fi
}
XLSX=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet

cat >"$tmp/check.py" <<'PY'
"""check.py CSV XLSX FRCSV MODE [SCOPE_LABEL]: the workbook and the French
CSV against the CSV. MODE: model (values: apl), official (apl_official, apl
where official_missing_model_shown), scenario-model (before apl, after
apl_scenario)."""
import csv, math, sys
import openpyxl

csv_path, xlsx_path, fr_path, mode = sys.argv[1:5]
label = sys.argv[5] if len(sys.argv) > 5 else None
head, *rows = list(csv.reader(open(csv_path, encoding="utf-8", newline="")))
assert rows, "empty CSV"
col = {h: k for k, h in enumerate(head)}
TEXT = {"code_insee", "nom", "departement", "epci_code", "epci_nom"}
FLAGS = {"under_served", "clamped_to_zero", "official_missing_model_shown",
         "under_served_official_baseline"}
THR = 2.5

def num(s):
    return None if s == "" else float(s)

def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(1.0, abs(b))

def isnum(c):
    return c.data_type == "n" and isinstance(c.value, (int, float)) and not isinstance(c.value, bool)

wb = openpyxl.load_workbook(xlsx_path)
assert wb.sheetnames == ["Communes", "EPCI", "Chiffres clés", "Sources et méthode"], wb.sheetnames

# --- The values the figures are on --------------------------------------------
def value(row, after=False):
    if mode in ("official", "scenario-official") and not after:
        # Today on the official baseline: the DREES value, the model's where
        # it has none (flagged).
        flag = row[col["official_missing_model_shown"]] == "1"
        return num(row[col["apl"]]) if flag else num(row[col["apl_official"]])
    if after:
        return num(row[col["apl_official_plus_change" if mode == "scenario-official" else "apl_scenario"]])
    return num(row[col["apl"]])

# --- Communes: cell by cell --------------------------------------------------
ws = wb["Communes"]
assert ws.freeze_panes == "A2", ws.freeze_panes
scen = mode.startswith("scenario")
ncols = len(head) + (3 if scen else 0)
assert ws.max_column == ncols, (ws.max_column, ncols)
assert ws.max_row == len(rows) + 1, (ws.max_row, len(rows))
assert ws.auto_filter.ref == "A1:%s%d" % (openpyxl.utils.get_column_letter(ncols), len(rows) + 1), ws.auto_filter.ref
xh = [c.value for c in ws[1]]
assert xh[:11] == ["Code INSEE", "Commune", "Département", "Code EPCI (SIREN)", "EPCI", "Habitants",
                   "Population standardisée", "Praticiens", "APL (maillage)",
                   "APL officielle (DREES)", "Sous le seuil"], xh
assert all(ws.cell(1, k + 1).font.b for k in range(ncols)), "header not bold"
cells = 0
# On the official baseline the table also flags the communes below the
# threshold on that baseline's values, as the pages count them.
if mode == "official":
    for row in rows:
        v = value(row)
        want = "" if v is None else ("1" if v < THR else "0")
        assert row[col["under_served_official_baseline"]] == want, (row[0], v, want)
for r, row in enumerate(rows, start=2):
    for k, name in enumerate(head):
        c = ws.cell(r, k + 1)
        if name in TEXT:
            assert c.data_type == "s" or c.value is None, (r, name, c.value)
            assert (c.value or "") == row[k], (r, name, c.value, row[k])
        elif name in FLAGS:
            assert (c.value or "") == {"1": "oui", "0": "non", "": ""}[row[k]], (r, name, c.value, row[k])
        else:
            v = num(row[k])
            if v is None:
                assert c.value is None, (r, name, c.value)
            else:
                assert isnum(c), (r, name, c.value, c.data_type)
                assert close(c.value, v, 1e-12), (r, name, c.value, v)
        cells += 1
    if scen:
        before, after = value(row), value(row, after=True)
        b, a, d = (ws.cell(r, len(head) + j + 1) for j in range(3))
        assert isnum(b) and isnum(a) and isnum(d), r
        assert close(b.value, before, 1e-12) and close(a.value, after, 1e-12), (r, b.value, a.value)
        assert close(d.value, after - before, 1e-9), (r, d.value, after - before)
        cells += 3
# Number formats: inhabitants without decimals, the APL with two.
assert ws.cell(2, col["population"] + 1).number_format == "#,##0", ws.cell(2, 6).number_format
assert ws.cell(2, col["apl"] + 1).number_format == "#,##0.00", ws.cell(2, 9).number_format

def figures(rs, after=False):
    pop = sum(num(r[col["population"]]) for r in rs)
    dem = sum(num(r[col["demand"]]) for r in rs)
    vs = [(value(r, after), num(r[col["demand"]]), num(r[col["population"]])) for r in rs]
    off = [(num(r[col["apl_official"]]), num(r[col["demand"]])) for r in rs if r[col["apl_official"]] != ""]
    below = [x for x in vs if x[0] < THR]
    return {
        "communes": len(rs), "population": pop, "demand": dem,
        "mean": sum(v * w for v, w, _ in vs) / dem,
        "min": min(v for v, _, _ in vs), "max": max(v for v, _, _ in vs),
        "official_mean": sum(v * w for v, w in off) / sum(w for _, w in off) if off else None,
        "below_communes": len(below), "below_population": sum(p for _, _, p in below),
        "below_share": 100 * sum(w for _, w, _ in below) / dem,
    }

groups = {}
for r in rows:
    groups.setdefault(r[col["epci_code"]], []).append(r)

# --- EPCI ---------------------------------------------------------------------
ws = wb["EPCI"]
assert ws.freeze_panes == "A2"
eh = [c.value for c in ws[1]]
assert ws.max_row == len(groups) + 1, (ws.max_row, len(groups))
seen = set()
for r in range(2, ws.max_row + 1):
    code = ws.cell(r, 1).value
    seen.add(code)
    f = figures(groups[code])
    got = {h: ws.cell(r, k + 1) for k, h in enumerate(eh)}
    assert got["EPCI"].value == groups[code][0][col["epci_nom"]]
    for h in eh[2:]:
        assert isnum(got[h]) or got[h].value is None, (code, h, got[h].value)
    def chk(h, want, rel=1e-9):
        assert close(got[h].value, want, rel), (code, h, got[h].value, want)
    chk("Communes", f["communes"]); chk("Habitants", f["population"])
    chk("Population standardisée", f["demand"])
    if scen:
        g = figures(groups[code], after=True)
        chk("APL moyenne avant (pondérée)", f["mean"]); chk("APL moyenne après (pondérée)", g["mean"])
        chk("Écart de l'APL moyenne", g["mean"] - f["mean"], 1e-6)
        chk("Communes sous le seuil avant", f["below_communes"])
        chk("Communes sous le seuil après", g["below_communes"])
        chk("Habitants sous le seuil avant", f["below_population"])
        chk("Habitants sous le seuil après", g["below_population"])
        chk("Écart des habitants sous le seuil", g["below_population"] - f["below_population"])
    else:
        chk("APL moyenne (pondérée)", f["mean"])
        chk("Minimum", f["min"]); chk("Maximum", f["max"])
        chk("APL officielle moyenne (DREES, pondérée)", f["official_mean"])
        chk("Communes sous le seuil", f["below_communes"])
        chk("Habitants sous le seuil", f["below_population"])
        chk("Part de la population standardisée sous le seuil (%)", f["below_share"])
    cells += len(eh)
assert seen == set(groups), (seen, set(groups))

# --- Chiffres clés ---------------------------------------------------------------
ws = wb["Chiffres clés"]
key = {ws.cell(r, 1).value: [ws.cell(r, k).value for k in range(2, ws.max_column + 1)]
       for r in range(2, ws.max_row + 1)}
f = figures(rows)
if label:
    assert key["Périmètre"][0] == label, key["Périmètre"]
assert key["Communes"][0] == f["communes"] and key["Habitants"][0] == f["population"], key
assert close(key["Population standardisée"][0], f["demand"])
mean_key = [k for k in key if k.startswith("APL moyenne")][0]
assert close(key[mean_key][0], f["mean"]), (key[mean_key], f["mean"])
assert key["Communes sous le seuil"][0] == f["below_communes"], key["Communes sous le seuil"]
assert key["Habitants sous le seuil"][0] == f["below_population"]
assert close(key["Seuil de sous-dotation"][0], THR)
if scen:
    g = figures(rows, after=True)
    assert close(key[mean_key][1], g["mean"]) and close(key[mean_key][2], g["mean"] - f["mean"], 1e-6)
    assert key["Communes sous le seuil"][1] == g["below_communes"], key["Communes sous le seuil"]
    assert key["Communes sous le seuil"][2] == g["below_communes"] - f["below_communes"]
    assert key["Habitants sous le seuil"][1] == g["below_population"]

# --- Sources et méthode --------------------------------------------------------
ws = wb["Sources et méthode"]
src = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
for k in ("Document", "Périmètre", "Date d'extraction", "Données", "Méthode", "Paramètres du modèle"):
    assert src.get(k), ("Sources et méthode", k)
assert "DREES" in src["Données"] and "BPE" in src["Données"], src["Données"]
if label:
    assert src["Périmètre"] == label

# --- The French CSV -------------------------------------------------------------
raw = open(fr_path, "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no byte order mark"
fh, *frows = list(csv.reader(raw[3:].decode("utf-8").splitlines(), delimiter=";"))
assert fh[:11] == xh[:11], fh
assert len(fh) == len(head) and len(frows) == len(rows), (len(fh), len(frows))
for row, frow in zip(rows, frows):
    for k, name in enumerate(head):
        if name in TEXT or name in FLAGS:
            assert frow[k] == row[k], (name, frow[k], row[k])
        else:
            assert "." not in frow[k], frow[k]
            assert num(frow[k].replace(",", ".")) == num(row[k]), (name, frow[k], row[k])
print(cells)
PY

check() {  # check NAME MODE [LABEL]: $tmp/NAME.csv, .xlsx and -fr.csv
    if /usr/bin/python3 "$tmp/check.py" "$tmp/$1.csv" "$tmp/$1.xlsx" "$tmp/$1-fr.csv" "${@:2}" \
        >"$tmp/check.out" 2>&1; then ok; echo "$1: $(cat "$tmp/check.out") cells checked"; else
        fail "$1 ($2): $(tail -3 "$tmp/check.out")"; fi
}

# The three downloads of one request: NAME QUERY
three() {
    dl "$1.csv" "/telecharger/communes.csv?$2" 200 "text/csv; charset=utf-8"
    dl "$1.xlsx" "/telecharger/communes.xlsx?$2" 200 "$XLSX"
    dl "$1-fr.csv" "/telecharger/communes-fr.csv?$2" 200 "text/csv; charset=utf-8"
}

# The whole Aude, on the model's baseline and on the official one.
three full "profession=mg&base=modele"
check full model
grep -q 'filename="maillage-mg-apl.xlsx"' "$tmp/full.xlsx.headers" && ok || fail "workbook file name"
grep -q 'filename="maillage-mg-apl-fr.csv"' "$tmp/full-fr.csv.headers" && ok || fail "French CSV file name"
[ "$(wc -l <"$tmp/full.csv")" = 434 ] && ok || fail "full CSV: $(wc -l <"$tmp/full.csv") lines"
three official "profession=mg&base=officielle"
check official official

# A profession without a threshold (its CSV's under_served column is empty):
# the workbook says so and has no under-threshold figures.
dl cd.csv "/telecharger/communes.csv?profession=cd&base=modele" 200
dl cd.xlsx "/telecharger/communes.xlsx?profession=cd&base=modele" 200 "$XLSX"
/usr/bin/python3 - "$tmp/cd.csv" "$tmp/cd.xlsx" <<'PY' && ok || fail "dentists' workbook and the threshold"
import csv, openpyxl, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert rows and all(r["under_served"] == "" for r in rows)
wb = openpyxl.load_workbook(sys.argv[2])
key = {r[0]: r[1] for r in wb["Chiffres clés"].iter_rows(values_only=True)}
assert key["Seuil de sous-dotation"] == "non défini pour cette profession", key
assert not any("sous le seuil" in k for k in key), key
assert not any("sous le seuil" in (c.value or "") for c in wb["EPCI"][1])
assert all(wb["Communes"].cell(r, 11).value is None for r in range(2, len(rows) + 2))
PY

# Piège-Lauragais-Malepère: the full CSV's rows of that EPCI, unchanged.
three scoped "profession=mg&base=modele&perimetre=epci:$epci"
check scoped model "CC Piège Lauragais Malepère"
{ head -1 "$tmp/full.csv"; awk -F, -v e="$epci" '$4 == e' "$tmp/full.csv"; } >"$tmp/expected.csv"
[ "$(grep -c "^11" "$tmp/expected.csv")" = 38 ] && ok || fail "the full CSV has not 38 rows of $epci"
cmp -s "$tmp/expected.csv" "$tmp/scoped.csv" && ok || fail "scoped CSV differs from the full CSV's rows"
grep -q 'filename="maillage-mg-apl-cc-piege-lauragais-malepere.csv"' "$tmp/scoped.csv.headers" &&
    ok || fail "scoped file name: $(grep -i disposition "$tmp/scoped.csv.headers")"
# The scoped workbook's EPCI row is the full workbook's row of that EPCI.
/usr/bin/python3 - "$tmp/full.xlsx" "$tmp/scoped.xlsx" "$epci" <<'PY' && ok || fail "scoped EPCI row differs"
import openpyxl, sys
rows = {}
for path in sys.argv[1:3]:
    ws = openpyxl.load_workbook(path)["EPCI"]
    rows[path] = [[c.value for c in r] for r in ws.iter_rows(min_row=2) if r[0].value == sys.argv[3]]
a, b = rows[sys.argv[1]], rows[sys.argv[2]]
assert len(a) == 1 and a == b, (a, b)
PY
# The other downloads take the scope too.
dl scoped.geojson "/telecharger/communes.geojson?profession=mg&perimetre=epci:$epci" 200 "application/geo+json"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["features"]) == 38' \
    "$tmp/scoped.geojson" && ok || fail "scoped GeoJSON: not 38 features"
dl scoped.svg "/carte.svg?profession=mg&perimetre=epci:$epci" 200 "image/svg+xml"
grep -q 'CC Piège Lauragais Malepère' "$tmp/scoped.svg" && ok || fail "scoped map title"
grep -q 'filename="maillage-mg-apl-officielle-cc-piege-lauragais-malepere.svg"\|filename="maillage-mg-apl-cc-piege-lauragais-malepere.svg"' \
    "$tmp/scoped.svg.headers" && ok || fail "scoped map file name"
# Framed on the EPCI: every other commune of the full CSV greyed.
out=$(( $(wc -l <"$tmp/full.csv") - 1 - 38 ))
[ "$(grep -o 'class="mg-out"' "$tmp/scoped.svg" | wc -l)" = "$out" ] && ok ||
    fail "scoped map: $(grep -o 'class="mg-out"' "$tmp/scoped.svg" | wc -l) greyed communes, expected $out"
grep -q 'class="mg-scope-outline"' "$tmp/scoped.svg" && ok || fail "scoped map: no outline"
grep -q 'class="mg-source"' "$tmp/scoped.svg" && grep -q 'class="mg-scale"' "$tmp/scoped.svg" &&
    ok || fail "map download: no source line or scale bar"
dl scoped.png "/carte.png?profession=mg&perimetre=epci:$epci" 200 "image/png"
# The command line's French CSV is the web's, byte for byte, whole and scoped.
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --format csv-fr --out "$tmp/cli-fr.csv"
cmp -s "$tmp/cli-fr.csv" "$tmp/full-fr.csv" && ok || fail "access --format csv-fr differs from the web's"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --format csv-fr --scope "epci:$epci" --out "$tmp/cli-fr.csv"
cmp -s "$tmp/cli-fr.csv" "$tmp/scoped-fr.csv" && ok || fail "access --format csv-fr --scope differs from the web's"
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --format csv-fr2
expect_err 'expected csv, csv-fr, json or geojson'
# The command line's workbook (--workbook, beside the table): checked
# against its own CSV, then its sheets equal to the web's for the same
# scope; written 0644 under umask 022.
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --scope "epci:$epci" --out "$tmp/cli.csv" \
    --workbook "$tmp/cli.xlsx"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --format csv-fr --scope "epci:$epci" --out "$tmp/cli-fr.csv"
check cli model "CC Piège Lauragais Malepère"
# A workbook that cannot be written: exit 4, nothing left behind.
expect_exit 4 "$MAILLAGE" access "${demo[@]}" --out "$tmp/t.csv" --workbook "$tmp/nowhere/w.xlsx"
[ ! -e "$tmp/nowhere" ] && ok || fail "--workbook into a missing folder left something"
[ "$(stat -c %a "$tmp/cli.xlsx")" = 644 ] && ok || fail "access --format xlsx: mode $(stat -c %a "$tmp/cli.xlsx")"
/usr/bin/python3 - "$tmp/cli.xlsx" "$tmp/scoped.xlsx" <<'PY' && ok || fail "the command line's workbook differs from the web's"
import openpyxl, sys
a, b = (openpyxl.load_workbook(p) for p in sys.argv[1:3])
for name in ("Communes", "EPCI"):
    ra = list(a[name].iter_rows(values_only=True))
    rb = list(b[name].iter_rows(values_only=True))
    assert ra == rb, (name, [x for x in zip(ra, rb) if x[0] != x[1]][:2])
ka = {r[0]: r[1:] for r in a["Chiffres clés"].iter_rows(values_only=True)}
kb = {r[0]: r[1:] for r in b["Chiffres clés"].iter_rows(values_only=True)}
del ka["Mesure"], kb["Mesure"]
assert ka == kb, [(k, ka[k], kb.get(k)) for k in ka if ka[k] != kb.get(k)]
PY
# A list of communes as scope: the rows of those communes.
dl list.csv "/telecharger/communes.csv?profession=mg&base=modele&perimetre=communes:11069,11304" 200
[ "$(cut -d, -f1 "$tmp/list.csv" | tail -n +2 | tr '\n' ' ')" = "11069 11304 " ] && ok ||
    fail "communes scope: $(cut -d, -f1 "$tmp/list.csv" | tr '\n' ' ')"

# A bad perimetre: 400 naming it, on every download.
for path in /telecharger/communes.csv /telecharger/communes-fr.csv /telecharger/communes.xlsx \
    /telecharger/communes.geojson /carte.svg /carte.png; do
    dl bad "$path?profession=mg&perimetre=epci:999999999" 400 "text/html"
    grep -q 'epci:999999999' "$tmp/bad" && ok || fail "$path: the 400 does not name the perimetre"
done
dl bad "/telecharger/communes.xlsx?profession=mg&perimetre=canton:12" 400
dl bad "/telecharger/communes.xlsx?profession=xx" 400

# A scenario: two GPs more in a commune of the EPCI, on the model's baseline.
commune=$(awk -F, 'NR == 2 { print $1 }' "$tmp/scoped.csv")
code=$(curl -s -o "$tmp/created" -w '%{http_code}' -X POST "${S[@]}" -H 'Content-Type: application/json' \
    --data "{\"name\":\"Deux médecins\",\"profession\":\"mg\",\"actions\":[{\"kind\":\"gp\",\"commune\":\"$commune\",\"count\":2}]}" \
    "$base/api/v1/scenarios")
[ "$code" = 201 ] && ok || fail "scenario creation: $code $(cat "$tmp/created")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/created")
three scen "scenario=$id&base=modele"
check scen scenario-model
three scenscoped "scenario=$id&base=modele&perimetre=epci:$epci"
check scenscoped scenario-model "CC Piège Lauragais Malepère"
three scenofficial "scenario=$id&base=officielle"
check scenofficial scenario-official
# The scenario changes the EPCI's figures (else before/after prove nothing).
/usr/bin/python3 - "$tmp/scenscoped.csv" <<'PY' && ok || fail "the scenario changes nothing in the EPCI"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert len(rows) == 38
assert any(float(r["apl_scenario"]) != float(r["apl"]) for r in rows)
PY
grep -q "filename=\"maillage-scenario-$id-cc-piege-lauragais-malepere.xlsx\"" "$tmp/scenscoped.xlsx.headers" &&
    ok || fail "scenario file name: $(grep -i disposition "$tmp/scenscoped.xlsx.headers")"
# Its map marks and names the site.
dl scen.svg "/carte.svg?scenario=$id&base=modele&perimetre=epci:$epci" 200 "image/svg+xml"
name=$(awk -F, 'NR == 2 { print $2 }' "$tmp/scoped.csv")
python3 -c '
import html, re, sys
svg, name = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
labels = [html.unescape(t) for t in re.findall(r"<text class=\"mg-site-label\"[^>]*>([^<]*)</text>", svg)]
assert labels == [name], labels
' "$tmp/scen.svg" "$name" && ok || fail "scenario map: no site named $name"
# Anonymous: the scenario is not public.
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/telecharger/communes.xlsx?scenario=$id")
[ "$code" = 303 ] && ok || fail "anonymous scenario workbook: $code"
finish
