#!/usr/bin/env bash
# Black-box: the "fiche territoire" PDF (docs/web.md, "Fiche territoire"),
# read back with poppler's tools and checked against the server's own CSV
# download: the fiche of Piège-Lauragais-Malepère is one A4 page that names
# the EPCI and lists every commune of the EPCI under the threshold with the
# CSV's inhabitants and values (filtered and compared here, in Python); its
# map area is not blank; the whole Aude runs over several pages with the
# table's header again on page 2; refused parameters are 400 in French.
. "$(dirname "$0")/lib.bash"
db=$(test_database fiche)

"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log off --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
epci=200035707

# get PATH FILE [STATUS]: the body in FILE, the headers in FILE.h, the
# status checked.
get() {
    local code
    code=$(curl -s -D "$2.h" -o "$2" -w '%{http_code}' "$base$1")
    [ "$code" = "${3:-200}" ] && ok || fail "$1: status $code, expected ${3:-200}"
}

# check_fiche PDF CSV PROFESSION: every under-served commune of the EPCI,
# from the CSV, is a row of the PDF's table with the CSV's figures.
check_fiche() {
    pdftotext -layout "$1" "$1.txt" || { fail "pdftotext $1"; return; }
    python3 - "$1.txt" "$2" "$epci" <<'PY' && ok || fail "fiche $1 against $2"
import csv, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
# French number formatting: thin or no-break spaces between thousands.
text = re.sub("[\u202f\u2009\u00a0]", " ", text)
rows = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))
        if r["epci_code"] == sys.argv[3]]
assert len(rows) == 38, len(rows)
name = rows[0]["epci_nom"]
assert name in text, name
def fr(v, decimals):
    s = f"{v:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return s
under = []
for r in rows:
    # The value on the CSV's baseline: the DREES's where the server shows
    # it (official_missing_model_shown 0), the model's otherwise.
    official_base = "official_missing_model_shown" in r
    if official_base and r["official_missing_model_shown"] == "0":
        v = float(r["apl_official"])
    else:
        v = float(r["apl"])
    if v < 2.5:
        under.append((v, r))
assert under, "no commune under the threshold: nothing to check"
m = re.search(r"Communes sous le seuil de 2,5 \((\d+)\)", text)
assert m and int(m.group(1)) == len(under), (m and m.group(0), len(under))
lines = text.splitlines()
order = []
for v, r in under:
    want = [r["nom"], r["code_insee"], fr(float(r["population"]), 0), fr(v, 3)]
    if r["apl_official"]:
        want.append(fr(float(r["apl_official"]), 3))
    hits = [k for k, l in enumerate(lines)
            if l.strip().startswith(r["nom"] + " ") and all(w in l for w in want)]
    assert len(hits) == 1, (want, [l for l in lines if r["nom"] in l])
    order.append((hits[0], v))
# Lowest first.
vals = [v for _, v in sorted(order)]
assert vals == sorted(vals), vals
print(f"{len(under)} communes under 2.5 found with their figures")
PY
}

# --- Piège-Lauragais-Malepère, GPs, the default baseline ----------------------
get "/telecharger/communes.csv?profession=mg" "$tmp/mg.csv"
get "/territoire/fiche.pdf?profession=mg&perimetre=epci:$epci" "$tmp/mg.pdf"
grep -qi '^Content-Type: application/pdf' "$tmp/mg.pdf.h" && ok || fail "content type"
grep -qi "^Content-Disposition: attachment; filename=\"fiche-territoire-epci-$epci-mg.pdf\"" \
    "$tmp/mg.pdf.h" && ok || fail "disposition: $(grep -i disposition "$tmp/mg.pdf.h")"
pdfinfo "$tmp/mg.pdf" >"$tmp/info" || fail "pdfinfo"
grep -Eq '^Pages: +1$' "$tmp/info" && ok || fail "pages: $(grep Pages "$tmp/info")"
grep -Eq '^Page size: +595\.28?[0-9]* x 841\.89 pts \(A4\)' "$tmp/info" && ok ||
    fail "size: $(grep 'Page size' "$tmp/info")"
grep -Eq '^Creator: +maillage$' "$tmp/info" && ok || fail "creator"
grep -q 'Fiche territoire' "$tmp/info" && ok || fail "title: $(grep Title "$tmp/info")"
check_fiche "$tmp/mg.pdf" "$tmp/mg.csv"

# The map area: between the paragraph above the map (ending "contours.")
# and the table's heading; rendered with pdftoppm, it must hold the
# colours of the communes, not white paper.
pdftotext -bbox "$tmp/mg.pdf" "$tmp/mg.bbox.html" || fail "pdftotext -bbox"
pdftoppm -r 50 -singlefile "$tmp/mg.pdf" "$tmp/mg-page" || fail "pdftoppm"
python3 - "$tmp/mg.bbox.html" "$tmp/mg-page.ppm" <<'PY' && ok || fail "the map area is blank"
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]
top = max(w[3] for w in words if w[4] == "contours.")
bottom = min(w[1] for w in words if w[4] == "Communes" and w[1] > top)
assert bottom - top > 100, (top, bottom)
data = open(sys.argv[2], "rb").read()
m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
w, h = int(m.group(1)), int(m.group(2))
px = data[m.end():]
scale = 50 / 72
y0, y1 = int((top + 12) * scale), int((bottom - 12) * scale)
x0, x1 = int(48 * scale), int((595.276 - 48) * scale)
inked, colours = 0, set()
for y in range(y0, y1):
    for x in range(x0, x1):
        r, g, b = px[3 * (y * w + x): 3 * (y * w + x) + 3]
        if min(r, g, b) < 235:
            inked += 1
        if max(r, g, b) - min(r, g, b) > 60:
            colours.add((r // 32, g // 32, b // 32))
area = (y1 - y0) * (x1 - x0)
print(f"map area {x1 - x0}x{y1 - y0} px: {100 * inked / area:.0f} % inked, {len(colours)} colours")
assert inked > 0.25 * area, inked / area
assert len(colours) >= 4, colours
PY

# The model's baseline and the nurses: the same checks on their CSV.
get "/telecharger/communes.csv?profession=mg&base=modele" "$tmp/mgm.csv"
get "/territoire/fiche.pdf?profession=mg&perimetre=epci:$epci&base=modele" "$tmp/mgm.pdf"
check_fiche "$tmp/mgm.pdf" "$tmp/mgm.csv"
grep -qi "filename=\"fiche-territoire-epci-$epci-mg-modele.pdf\"" "$tmp/mgm.pdf.h" && ok ||
    fail "model's filename"

# --- The whole Aude: several pages, the table's header again on page 2 ----------
get "/territoire/fiche.pdf" "$tmp/aude.pdf"
pages=$(pdfinfo "$tmp/aude.pdf" | sed -n 's/^Pages: *//p')
[ "${pages:-0}" -gt 1 ] && ok || fail "the Aude's fiche has $pages page(s)"
pdftotext -f 2 -l 2 -layout "$tmp/aude.pdf" "$tmp/aude2.txt"
grep -Eq '^Commune +Code INSEE +Habitants' "$tmp/aude2.txt" && ok ||
    fail "no table header on page 2: $(head -5 "$tmp/aude2.txt")"
grep -q "page 2 / $pages" "$tmp/aude2.txt" && ok || fail "page 2's footer"
grep -qi 'filename="fiche-territoire-territoire-mg.pdf"' "$tmp/aude.pdf.h" && ok ||
    fail "the Aude's filename"

# Nurses: no threshold is published, and the fiche says so instead of a table.
get "/territoire/fiche.pdf?profession=inf&perimetre=epci:$epci" "$tmp/inf.pdf"
pdftotext "$tmp/inf.pdf" - | tr '\n' ' ' | grep -q "Aucun seuil de sous-dotation n'est défini pour les infirmiers" &&
    ok || fail "the nurses' fiche does not say there is no threshold"
pdftotext "$tmp/inf.pdf" - | grep -q 'Code INSEE' && fail "a table on the nurses' fiche" || ok

# A list of communes is a scope too.
get "/territoire/fiche.pdf?perimetre=communes:11069,11076&profession=inf" "$tmp/list.pdf"
pdftotext "$tmp/list.pdf" - | grep -q 'Fiche territoire — 2 communes' && ok || fail "list scope"

# --- Refusals: 400 with a French message, and the server keeps serving ----------
get "/territoire/fiche.pdf?perimetre=epci:123" "$tmp/bad" 400
grep -q '« epci:123 »' "$tmp/bad" && grep -q 'Périmètre non reconnu' "$tmp/bad" && ok ||
    fail "bad perimetre's message: $(head -c 300 "$tmp/bad")"
get "/territoire/fiche.pdf?perimetre=region:76" "$tmp/bad" 400
get "/territoire/fiche.pdf?profession=chirurgien" "$tmp/bad" 400
grep -qi 'profession' "$tmp/bad" && ok || fail "bad profession's message"
get "/territoire/fiche.pdf?base=drees" "$tmp/bad" 400
get "/territoire/fiche.pdf?perimetre=epci:$epci" "$tmp/again.pdf"
finish
