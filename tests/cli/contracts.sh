#!/usr/bin/env bash
# maillage contracts: create a contract (with a signatory, as an example),
# import the six actions of tests/data/contracts/plan.csv and of the XLSX
# made from it (contracts_csv2xlsx), the per-row report on stdout, a dry
# run and each malformed file refused on the line and column that
# expected-refusals.tsv names, exit 3 and the database unchanged (its
# dump compared before and after).
set -euo pipefail
: "${MAILLAGE:?}" "${MG_TEST_DATA:?}" "${MG_CSV2XLSX:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
    if grep -v '^fichier,' "$tmp/out.csv" | grep -qv ',refused,'; then fail "$file: a row not refused"; fi
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
echo "contracts: ok"
