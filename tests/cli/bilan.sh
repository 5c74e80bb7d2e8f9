#!/usr/bin/env bash
# Black-box: the evaluation report (bilan) of a contract and of a
# dispositif (docs/contracts.md, "The evaluation report"). The contracts,
# their budget lines for four funders and their indicator values are made
# through the stores by bench_contracts_gen, which also writes down every
# amount it stored; the server's PDF is read back with poppler's tools (a
# PDF, A4, made by maillage; each action's title and the totals by funder
# and in all, summed here from the generator's record and written the
# French way, are in its text; no action of another contract is), the
# XLSX is opened as the ZIP it is (three sheets; the Budget sheet's
# amounts add up to the same total), the page names every action, the
# dispositif finds the actions it should, and refusals are 400/404 in
# French while the server keeps serving.
. "$(dirname "$0")/lib.bash"
db=$(test_database bilan)
gen=${MG_BENCH_CONTRACTS_GEN:?the bench_contracts_gen program (tests/CMakeLists.txt)}

"$gen" "$db" 2 7 40 15 "$tmp/data.tsv" >"$tmp/gen.txt" 2>&1 && ok ||
    { fail "bench_contracts_gen: $(cat "$tmp/gen.txt")"; finish; exit 1; }
token=$(awk -F'\t' '$1 == "token" { print $2 }' "$tmp/data.tsv")
c1=$(awk -F'\t' '$1 == "contract" { print $2; exit }' "$tmp/data.tsv")
c2=$(awk -F'\t' '$1 == "contract" { n++; if (n == 2) print $2 }' "$tmp/data.tsv")

"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log off --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"

# get PATH FILE [STATUS]: signed in with the generator's API token; the
# body in FILE, the headers in FILE.h, the status checked.
get() {
    local code
    code=$(curl -s -H "Authorization: Bearer $token" -D "$2.h" -o "$2" -w '%{http_code}' \
        "$base$1")
    [ "$code" = "${3:-200}" ] && ok || fail "$1: status $code, expected ${3:-200}"
}

# --- The contract's PDF ---------------------------------------------------------------
get "/contrats/$c1/bilan.pdf" "$tmp/c1.pdf"
grep -qi '^Content-Type: application/pdf' "$tmp/c1.pdf.h" && ok || fail "PDF content type"
grep -qi "^Content-Disposition: attachment; filename=\"bilan-contrat-$c1.pdf\"" "$tmp/c1.pdf.h" &&
    ok || fail "PDF disposition: $(grep -i disposition "$tmp/c1.pdf.h")"
pdfinfo "$tmp/c1.pdf" >"$tmp/info" && ok || fail "pdfinfo"
grep -Eq '^Page size: +595\.28?[0-9]* x 841\.89 pts \(A4\)' "$tmp/info" && ok ||
    fail "size: $(grep 'Page size' "$tmp/info")"
grep -Eq '^Creator: +maillage$' "$tmp/info" && ok || fail "creator"
grep -Eq '^Title: +Bilan — Contrat' "$tmp/info" && ok || fail "title: $(grep Title "$tmp/info")"
pdftotext "$tmp/c1.pdf" "$tmp/c1.txt" && pdftotext -layout "$tmp/c1.pdf" "$tmp/c1.layout" && ok ||
    fail "pdftotext"

# check_pdf PDF CONTRACT: the titles of CONTRACT's actions (in PDF's text,
# PDF.txt) and its totals by funder and in all (each a row of the layout,
# PDF.layout), from the generator's record, are there; the other
# contract's actions are not.
check_pdf() {
    python3 - "$1" "$tmp/data.tsv" "$2" <<'PY' && ok || fail "the bilan's text against the data ($1)"
import re, sys
# one kind of space: French figures hold narrow no-break spaces, and
# pdftotext cuts long titles over lines (joined) and spaces table columns
# (a row stays one line in the layout)
space = r"[ \t\u202f\u2009\u00a0]+"
text = re.sub(space, " ", open(sys.argv[1] + ".txt", encoding="utf-8").read().replace("\n", " "))
layout = [re.sub(space, " ", l).strip()
          for l in open(sys.argv[1] + ".layout", encoding="utf-8")]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
contract = sys.argv[3]
def euros(cents):
    """A French amount as budget.h writes it: "1 234,56 €", whole euros bare."""
    e, c = divmod(cents, 100)
    s = f"{e:,}".replace(",", " ")
    return (s if c == 0 else f"{s},{c:02d}") + " €"
titles = [r[3] for r in rows if r[0] == "action" and r[1] == contract]
others = [r[3] for r in rows if r[0] == "action" and r[1] != contract]
assert titles, "no action in the data"
for t in titles:
    assert t in text, ("missing title", t)
for t in others:
    assert t not in text, ("another contract's action", t)
lines = [r for r in rows if r[0] == "line" and r[1] == contract]
assert lines, "no budget line in the data"
total = [sum(int(r[k]) for r in lines) for k in (5, 6, 7)]
want = "Total " + " ".join(euros(v) for v in total)
assert want in layout, ("total row", want)
funders = sorted({r[3] for r in lines})
for f in funders:
    sums = [sum(int(r[k]) for r in lines if r[3] == f) for k in (5, 6, 7)]
    row = f + " " + " ".join(euros(v) for v in sums)
    assert row in layout, ("funder row", row)
print(f"{len(titles)} titles, {len(funders)} funders and the total {want!r} found")
PY
}
check_pdf "$tmp/c1" "$c1"

# --- The XLSX: three sheets; the Budget sheet adds up ------------------------------------
get "/contrats/$c1/bilan.xlsx" "$tmp/c1.xlsx"
grep -qi '^Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
    "$tmp/c1.xlsx.h" && ok || fail "XLSX content type"
grep -qi "filename=\"bilan-contrat-$c1.xlsx\"" "$tmp/c1.xlsx.h" && ok || fail "XLSX disposition"
python3 - "$tmp/c1.xlsx" "$tmp/data.tsv" "$c1" <<'PY' && ok || fail "the XLSX against the data"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
wb = z.read("xl/workbook.xml").decode()
names = re.findall(r'<sheet name="([^"]+)"', wb)
assert names == ["Actions", "Budget", "Indicateurs"], names
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
lines = [r for r in rows if r[0] == "line" and r[1] == sys.argv[3]]
sheet = z.read("xl/worksheets/sheet2.xml").decode()
planned = {}
for ref, v in re.findall(r'<c r="D(\d+)"[^>]*><v>([^<]*)</v>', sheet):
    planned[int(ref)] = float(v)
last = max(planned)  # the Total row
body = sum(v for k, v in planned.items() if k != last)
want = sum(int(r[5]) for r in lines) / 100
assert abs(body - want) < 0.005 and abs(planned[last] - want) < 0.005, (body, planned[last], want)
actions = z.read("xl/worksheets/sheet1.xml").decode()
n = len(re.findall(r"<row ", actions)) - 1
assert n == len([r for r in rows if r[0] == "action" and r[1] == sys.argv[3]]), n
print(f"XLSX: {n} actions, planned {want:.2f} € in the Budget sheet")
PY

# --- The page -----------------------------------------------------------------------------
get "/contrats/$c1/bilan" "$tmp/c1.html"
python3 - "$tmp/c1.html" "$tmp/data.tsv" "$c1" <<'PY' && ok || fail "the page names every action"
import html, sys
page = html.unescape(open(sys.argv[1], encoding="utf-8").read())
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
for r in rows:
    if r[0] == "action" and r[1] == sys.argv[3]:
        assert r[3] in page, r[3]
for h in ("Budget par financeur", "Budget par année", "Budget par axe", "<caption>"):
    assert h in page, h
PY
get "/contrats/$c1" "$tmp/contract.html"
grep -q "href=\"/contrats/$c1/bilan.pdf\"" "$tmp/contract.html" && ok ||
    fail "no « Bilan PDF » link on the contract page"

# --- A dispositif across both contracts -------------------------------------------------------
get "/contrats/dispositif?q=t%C3%A9l%C3%A9m%C3%A9decine" "$tmp/dispo.html"
want=$(awk -F'\t' '$1 == "action" && tolower($4) ~ /télémédecine/' "$tmp/data.tsv" | wc -l)
[ "$want" -gt 0 ] || fail "no telemedicine action in the data: nothing to check"
grep -q "<p>$want action" "$tmp/dispo.html" && ok ||
    fail "dispositif: $want actions expected, page says $(grep -o '<p>[0-9]* action[^<]*' "$tmp/dispo.html")"
get "/contrats/dispositif.pdf?q=t%C3%A9l%C3%A9m%C3%A9decine" "$tmp/dispo.pdf"
pdfinfo "$tmp/dispo.pdf" | grep -Eq '^Creator: +maillage$' && ok || fail "dispositif PDF"
pdftotext "$tmp/dispo.pdf" - | tr -s ' \n' '  ' | grep -q 'Budget par contrat' && ok ||
    fail "dispositif PDF without its totals by contract"
get "/contrats/dispositif.xlsx?q=aller-vers" "$tmp/dispo.xlsx"
unzip -l "$tmp/dispo.xlsx" | grep -q 'xl/worksheets/sheet3.xml' && ok || fail "dispositif XLSX"

# --- Refusals and rights ---------------------------------------------------------------------
get "/contrats/dispositif?q=a" "$tmp/bad" 400
grep -q 'deux lettres' "$tmp/bad" && ok || fail "short query's message"
grep -q 'value="a"' "$tmp/bad" && ok || fail "the refused query is not kept in the form"
get "/contrats/dispositif.pdf" "$tmp/bad" 400
get "/contrats/999999/bilan.pdf" "$tmp/bad" 404
grep -Eq "Ce contrat n(&#39;|')existe pas" "$tmp/bad" && ok || fail "404's message"
get "/contrats/abc/bilan" "$tmp/bad" 404
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/contrats/$c1/bilan.pdf")
[ "$code" != 200 ] && ok || fail "an anonymous visitor got the bilan"
get "/contrats/$c2/bilan.pdf" "$tmp/c2.pdf"
pdftotext "$tmp/c2.pdf" "$tmp/c2.txt" && pdftotext -layout "$tmp/c2.pdf" "$tmp/c2.layout"
check_pdf "$tmp/c2" "$c2"
finish
