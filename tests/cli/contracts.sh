#!/usr/bin/env bash
# maillage contracts: create a contract (with a signatory, as an example),
# import the six actions of tests/data/contracts/plan.csv and of the XLSX
# made from it (contracts_csv2xlsx), the per-row report on stdout, a dry
# run and each malformed file refused on the line and column that
# expected-refusals.tsv names, exit 3 and the database unchanged (its
# dump compared before and after); then the web upload of the same files
# through the server (multipart/form-data, with an API token).
set -euo pipefail
: "${MAILLAGE:?}" "${MG_TEST_DATA:?}" "${MG_CSV2XLSX:?}" "${MG_SOURCE_DIR:?}"
. "$(dirname "$0")/lib.bash" # tmp, web_account, web_login
set -e
db="$tmp/m.db"
data="$MG_TEST_DATA/contracts"
fail() { echo "FAIL: $*" >&2; exit 1; }

dep=$("$MAILLAGE" organisation add --database "$db" --name "Département de l'Aude" --kind departement)
cc=$("$MAILLAGE" organisation add --database "$db" --name "CC Piège Lauragais Malepère" --kind epci --siret "20003570700005")
"$MAILLAGE" organisation add --database "$db" --name "Centre social intercommunal (exemple)" --kind association >/dev/null

"$MAILLAGE" contracts --help | grep -q "contracts import --database DB --contract ID" || fail "help"
set +e
"$MAILLAGE" contracts create --database "$db" --lead "$dep" --kind nope --title T >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "a bad kind exits $rc"
grep -q "kind" "$tmp/err" || fail "the bad kind is not named"

# An unknown signatory is refused before anything is created.
set +e
"$MAILLAGE" contracts create --database "$db" --lead "$dep" --kind cps --title "Jamais" \
    --signatory 999 >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "an unknown signatory exits $rc"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM contracts")" = 0 ] || fail "a contract was half created"

id=$("$MAILLAGE" contracts create --database "$db" --lead "$dep" --kind cps \
     --title "Contrat Piège-Lauragais-Malepère" --territory epci:200035707 \
     --from 01/01/2024 --to 2027-12-31 --status signed --signatory "$cc" --example)
[[ "$id" =~ ^[0-9]+$ ]] || fail "create printed \"$id\""
[ "$(sqlite3 "$db" "SELECT is_example || status || starts_on FROM contracts WHERE id = $id")" = "1signed2024-01-01" ] \
    || fail "the contract's fields"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM contract_signatories WHERE contract_id = $id AND organisation_id = $cc")" = 1 ] \
    || fail "the signatory"

dump() { sqlite3 "$db" .dump; }

# A dry run writes nothing.
before=$(dump)
"$MAILLAGE" contracts import --database "$db" --contract "$id" --dry-run "$data/plan.csv" >"$tmp/dry.csv" 2>/dev/null
[ "$(dump)" = "$before" ] || fail "the dry run wrote"
[ "$(grep -c ',checked,' "$tmp/dry.csv")" = 8 ] || fail "dry run report: $(cat "$tmp/dry.csv")"

"$MAILLAGE" contracts import --database "$db" --contract "$id" "$data/plan.csv" >"$tmp/report.csv"
head -1 "$tmp/report.csv" | grep -qx 'fichier,ligne,colonne,champ,statut,message' || fail "report header"
[ "$(grep -c '^plan.csv,[0-9]*,,,imported,' "$tmp/report.csv")" = 8 ] || fail "report: $(cat "$tmp/report.csv")"
q() { sqlite3 "$db" "$1"; }
[ "$(q "SELECT COUNT(*) FROM contract_actions WHERE contract_id = $id")" = 6 ] || fail "actions"
[ "$(q "SELECT COUNT(*) FROM contract_axes WHERE contract_id = $id")" = 6 ] || fail "axes"
# 188,000 € planned over 7 lines, added by hand from plan.csv.
[ "$(q "SELECT COUNT(*) || ' ' || SUM(planned_cents) FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id WHERE a.contract_id = $id")" = "7 18800000" ] \
    || fail "budget lines"

# The XLSX made from the same CSV, into a second contract.
"$MG_CSV2XLSX" "$data/plan.csv" "$tmp/plan.xlsx"
id2=$("$MAILLAGE" contracts create --database "$db" --lead "$dep" --kind cps --title "Second")
"$MAILLAGE" contracts import --database "$db" --contract "$id2" "$tmp/plan.xlsx" >/dev/null
[ "$(q "SELECT COUNT(*) || ' ' || SUM(planned_cents) || ' ' || SUM(paid_cents) FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id WHERE a.contract_id = $id2")" = "7 18800000 6300000" ] \
    || fail "XLSX budget lines"
[ "$(q "SELECT starts_on FROM contract_actions WHERE contract_id = $id2 AND title LIKE 'Aller-vers%'")" = 2025-09-01 ] \
    || fail "XLSX date"

# Each malformed file: exit 3, its refusal reported, nothing changed.
head -c 2000 "$tmp/plan.xlsx" >"$tmp/bad.xlsx"
printf 'bad.xlsx\t0\t\t\n' >"$tmp/expected.tsv"
grep -v '^#' "$data/expected-refusals.tsv" >>"$tmp/expected.tsv"
n=0
while IFS=$'\t' read -r file line col field; do
    path="$data/$file"
    [ "$file" = bad.xlsx ] && path="$tmp/bad.xlsx"
    before=$(dump)
    set +e
    "$MAILLAGE" contracts import --database "$db" --contract "$id2" "$path" >"$tmp/out.csv" 2>"$tmp/err"
    rc=$?
    set -e
    [ "$rc" = 3 ] || fail "$file exits $rc"
    grep -q "^$file,$line,$col,$field,refused," "$tmp/out.csv" || fail "$file: $(cat "$tmp/out.csv")"
    if grep -q ',imported,' "$tmp/out.csv"; then fail "$file: a row said imported"; fi
    grep -q "nothing imported" "$tmp/err" || fail "$file: stderr $(cat "$tmp/err")"
    [ "$(dump)" = "$before" ] || fail "$file changed the database"
    n=$((n + 1))
done <"$tmp/expected.tsv"
[ "$n" = 6 ] || fail "$n malformed files"

# No such contract.
set +e
"$MAILLAGE" contracts import --database "$db" --contract 999 "$data/plan.csv" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 3 ] || fail "unknown contract exits $rc"
# --- Through the server: the upload form's POST (multipart/form-data) ------------------
# A contract and an API token from the contracts' bench generator; the
# same organisations added; a refused file answers 400 with its report and
# changes nothing, a dry run 200, an import 303 to the contract whose page
# says what was created.
gen=${MG_BENCH_CONTRACTS_GEN:?the bench_contracts_gen program (tests/CMakeLists.txt)}
wdb="$tmp/web.db"
"$gen" "$wdb" 1 2 0 0 "$tmp/gen.tsv" >/dev/null 2>&1 || fail "bench_contracts_gen"
token=$(awk -F'\t' '$1 == "token" { print $2 }' "$tmp/gen.tsv")
wc_id=$(awk -F'\t' '$1 == "contract" { print $2; exit }' "$tmp/gen.tsv")
"$MAILLAGE" organisation add --database "$wdb" --name "Département de l'Aude" --kind departement >/dev/null
"$MAILLAGE" organisation add --database "$wdb" --name "CC Piège Lauragais Malepère" --kind epci --siret "20003570700005" >/dev/null
"$MAILLAGE" organisation add --database "$wdb" --name "Centre social intercommunal (exemple)" --kind association >/dev/null
"$MAILLAGE" serve --bundle "$MG_SOURCE_DIR/data/demo/11-aude" --france "$MG_SOURCE_DIR/data/demo/france" \
    --port 0 --port-file "$tmp/port" --database "$wdb" --access-log off --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || fail "the server did not start"
base="http://127.0.0.1:$(cat "$tmp/port")"
wdump() { sqlite3 "$wdb" "SELECT COUNT(*) FROM contract_actions; SELECT COUNT(*) FROM budget_lines; SELECT COUNT(*) FROM audit_entries; SELECT COUNT(*) FROM contract_axes"; }
upload() { # upload FILE OUT [essai]
    curl -s -H "Authorization: Bearer $token" -F "fichier=@$1" ${3:+-F essai=1} -D "$2.h" -o "$2" \
        -w '%{http_code}' "$base/contrats/$wc_id/import"
}
# The template: public, a CSV whose header is the layout's.
code=$(curl -s -D "$tmp/tpl.h" -o "$tmp/tpl.csv" -w '%{http_code}' "$base/contrats/modele-import.csv")
[ "$code" = 200 ] || fail "the template answered $code"
grep -qi '^Content-Type: text/csv' "$tmp/tpl.h" || fail "the template's type"
head -1 "$tmp/tpl.csv" | grep -q '^.*axe;sous_axe;action;description;objectifs;pilote;contact;partenaires;statut;debut;fin;communes;publics;priorite;financeur;annee;nature;prevu;engage;verse;exemple' \
    || fail "the template's header: $(head -1 "$tmp/tpl.csv")"

before=$(wdump)
[ "$(upload "$data/bad-date.csv" "$tmp/w1")" = 400 ] || fail "a bad date is not a 400"
grep -q '<td>4</td><td>G (debut)</td><td>refusée</td>' "$tmp/w1" || fail "the 400 page's report"
grep -q 'enctype="multipart/form-data"' "$tmp/w1" || fail "the form again"
[ "$(wdump)" = "$before" ] || fail "the refused upload changed the database"
[ "$(upload "$data/plan.csv" "$tmp/w2" 1)" = 200 ] || fail "a dry run is not a 200"
grep -q 'créerait 6 actions' "$tmp/w2" || fail "the dry run's page"
[ "$(wdump)" = "$before" ] || fail "the dry run changed the database"
[ "$(upload "$data/plan.csv" "$tmp/w3")" = 303 ] || fail "the import is not a 303"
loc=$(grep -i '^Location:' "$tmp/w3.h" | tr -d '\r' | cut -d' ' -f2)
[ "$loc" = "/contrats/$wc_id?importe=6-6-12-7#import" ] || fail "Location $loc"
curl -s -H "Authorization: Bearer $token" -o "$tmp/w4" "$base${loc%%#*}"
grep -q 'Plan importé : 6 actions' "$tmp/w4" || fail "the contract's notice"
[ "$(sqlite3 "$wdb" "SELECT SUM(planned_cents) FROM budget_lines l JOIN contract_actions a ON a.id = l.action_id WHERE a.contract_id = $wc_id AND l.is_example = 1")" = 18800000 ] \
    || fail "the uploaded plan's budget"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -F "x=1" "$base/contrats/$wc_id/import")" = 400 ] \
    || fail "a form without file is not a 400"

# Body limits through the server: a multipart upload may pass 1 MiB (an 11 MiB
# file reaches the import, which refuses more than 10 MiB: 400), not 12 MiB
# (413); an urlencoded body keeps its 1 MiB (413).
head -c $((11 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$tmp/big.csv"
[ "$(upload "$tmp/big.csv" "$tmp/w5")" = 400 ] || fail "an 11 MiB upload is not a 400"
grep -q 'dépasse 10 Mio' "$tmp/w5" || fail "the 11 MiB upload's message"
head -c $((13 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$tmp/huge.csv"
[ "$(upload "$tmp/huge.csv" "$tmp/w6")" = 413 ] || fail "a 13 MiB upload is not a 413"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$tmp/form.txt"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
    --data-binary "@$tmp/form.txt" -H 'Content-Type: application/x-www-form-urlencoded' \
    "$base/contrats/$wc_id/import")
[ "$code" = 413 ] || fail "a 2 MiB urlencoded body answered $code"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/contrats/$wc_id")" = 200 ] \
    || fail "the server stopped answering"

# Signed in with a session: the CSRF token travels inside the multipart form.
web_account "$wdb" manager || fail "web_account"
sc=$("$MAILLAGE" contracts create --database "$wdb" --lead "$WEB_ORG" --kind cls --title "Contrat de session")
web_login "$base" || fail "web_login"
code=$(curl -s -b "$WEB_JAR" -F "fichier=@$data/plan.csv" -o "$tmp/s1" -w '%{http_code}' \
    "$base/contrats/$sc/import")
[ "$code" = 403 ] || fail "an upload without its form token answered $code"
code=$(curl -s -b "$WEB_JAR" -F "csrf=$WEB_CSRF" -F "fichier=@$data/plan.csv" -o "$tmp/s2" \
    -w '%{http_code}' "$base/contrats/$sc/import")
[ "$code" = 303 ] || fail "an upload with its form token answered $code"
[ "$(sqlite3 "$wdb" "SELECT COUNT(*) FROM contract_actions WHERE contract_id = $sc")" = 6 ] \
    || fail "the session's import"
curl -s -b "$WEB_JAR" -o "$tmp/s3" "$base/contrats/$sc"
grep -q 'enctype="multipart/form-data"' "$tmp/s3" || fail "the contract page's import form"
grep -q 'name="csrf"' "$tmp/s3" || fail "the import form's token"
echo "contracts: ok"
