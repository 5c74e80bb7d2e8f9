#!/usr/bin/env bash
# maillage funding: a window made with "windows add" (organisations named by
# their exact names), the demo's requests imported (data/demo/funding, one
# file per stage: the state each ends in checked, the telehealth request's
# grant fed into the contract action's budget lines), refused imports (a
# grant above what was asked, an unbalanced budget, cents where euros are
# expected, a step before its time, a SIRET not the applicant's, a payment
# dated before its decision) exit 3 naming the file, the request and
# the field, with the database unchanged (its dump compared before and
# after); a dry run writes nothing; the open data is parsed as CSV (one row
# per granted part, the amounts those granted in the files); the reminders
# counted against the due dates computed here from the files. On SQLite,
# then on PostgreSQL when MG_TEST_PG_URI is set.
set -u
: "${MAILLAGE:?}" "${MG_SOURCE_DIR:?}"
. "$(dirname "$0")/lib.bash" # tmp, fail, ok, expect_exit, pg_database
demo_dir="$MG_SOURCE_DIR/data/demo/funding"
contracts_dir="$MG_SOURCE_DIR/data/demo/contracts"

# setup DB: the organisations the demo makes, the Piège-Lauragais-Malepère
# contract with its telehealth action, the window and an operator account.
setup() {
    local db=$1 dep agglo plm cid
    dep=$("$MAILLAGE" organisation add --database "$db" --name "Département de l'Aude" --kind departement) || return 1
    agglo=$("$MAILLAGE" organisation add --database "$db" --name "Carcassonne Agglo" --kind epci) || return 1
    plm=$("$MAILLAGE" organisation add --database "$db" --name "CC Piège Lauragais Malepère" --kind epci) || return 1
    cid=$("$MAILLAGE" contracts create --database "$db" --lead "$dep" --signatory "$dep" \
        --signatory "$plm" --kind cps --territory epci:200035707 --status in_force --example \
        --title "Contrat pluriannuel des solidarités — CC Piège Lauragais Malepère" \
        --from 2024-01-01 --to 2027-12-31) || return 1
    "$MAILLAGE" contracts import --database "$db" --contract "$cid" \
        "$contracts_dir/piege-lauragais-malepere.csv" >/dev/null 2>&1 || return 1
    grep -v '^#' "$demo_dir/organisations.txt" | while IFS='|' read -r kind siret rna name; do
        "$MAILLAGE" organisation add --database "$db" --kind "$kind" --name "$name" \
            ${siret:+--siret "$siret"} ${rna:+--rna "$rna"} >/dev/null || exit 1
    done || return 1
    WINDOW=$("$MAILLAGE" funding windows add --database "$db" --lead "Carcassonne Agglo" \
        --title "Guichet unique des subventions santé du Carcassonnais (exemple)" \
        --funder "Département de l'Aude" --funder "ARS Occitanie" --funder "CPAM de l'Aude" \
        --funder "Carcassonne Agglo" --example) || return 1
    OPERATOR=$(printf 'un mot de passe de test assez long\n' | "$MAILLAGE" user add --database "$db" \
        --email "saisie.$$@guichet.invalid" --name "Saisie du guichet (exemple)" \
        --organisation "$agglo" --role manager --password-file -) || return 1
}

# A bad variant of a demo file: python3 edits the JSON (stdin: the code).
variant() { # SRC OUT CODE
    python3 -c "import json,sys
d=json.load(open(sys.argv[1]))
r=d['requests'][0]
$3
json.dump(d,open(sys.argv[2],'w'),ensure_ascii=False)" "$1" "$2"
}

# The expected figures, computed here from the demo files: granted parts
# (funder, euros), and the due days of the final reports not filed.
python3 - "$demo_dir" >"$tmp/expected.txt" <<'EOF'
import json, glob, sys, os
granted = []
due = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "0*.json"))):
    for r in json.load(open(f))["requests"]:
        steps = r.get("steps", [])
        g = [(s["funder"], s["amount"]) for s in steps
             if s.get("step") == "decision" and s.get("decision") == "grant"]
        granted += g
        if g and not any(s.get("step") == "report" and s.get("file", True) for s in steps):
            y, m, d = map(int, r["ends_on"].split("-"))
            m += 6
            y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
            last = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30,
                    31, 31, 30, 31, 30, 31][m - 1]
            due.append("%04d-%02d-%02d" % (y, m, min(d, last)))
print(len(granted))
print(sum(round(float(a) * 100) for _, a in granted))
print(" ".join(sorted(due)))
EOF
n_granted=$(sed -n 1p "$tmp/expected.txt")
sum_granted=$(sed -n 2p "$tmp/expected.txt")
read -r -a due_days <<<"$(sed -n 3p "$tmp/expected.txt")"

# The states each demo file ends in (the file's name says the stage).
declare -A want_state=(
    [01-brouillon.json]=draft [02-deposee.json]=filed [03-orientee.json]=filed
    [04-question.json]=to_complete [05-accordee-en-partie.json]=granted_part
    [06-accordee-versee-compte-rendu.json]=granted_full [07-refusee.json]=refused
    [08-telesante.json]=granted_full)

# run_on DB DUMP_CMD...: the whole test on one database.
run_on() {
    local db=$1
    shift
    local dump=("$@")
    if ! setup "$db"; then fail "setup of $db"; return; fi
    ok

    # Refusals first, each on a file that would otherwise import: nothing written.
    local src="$demo_dir/05-accordee-en-partie.json"
    local absol="[s.update(path=sys.argv[1].rsplit('/',1)[0]+'/'+s['path']) for s in r['steps'] if 'path' in s]"
    variant "$src" "$tmp/above.json" "$absol
[s.update(amount='8000.01') for s in r['steps'] if s.get('decision')=='grant' and s['funder']=='Carcassonne Agglo']"
    variant "$src" "$tmp/unbalanced.json" "$absol
r['lines'][0]['amount']='2000.01'"
    variant "$src" "$tmp/cents.json" "$absol
r['lines'][0]['amount_cents']=200000"
    variant "$src" "$tmp/early.json" "$absol
r['steps']=[s for s in r['steps'] if s.get('step')!='route']"
    variant "$src" "$tmp/siret.json" "$absol
r['siret']='99999001300016'"
    variant "$src" "$tmp/paidpast.json" "$absol
[s.update(paid_on='2020-01-02') for s in r['steps'] if s.get('step')=='payment']"
    # An answer that changes the request (the form as filed, a new description),
    # and one whose changes name another co-funder (refused).
    local answer="form={k:v for k,v in r.items() if k not in ('steps','is_example','window','organisation')}
form['description']='Description complétée (exemple).'"
    variant "$src" "$tmp/answer.json" "$absol
$answer
[s.update(changes=form) for s in r['steps'] if s.get('step')=='answer']"
    variant "$src" "$tmp/newfunder.json" "$absol
$answer
form['lines']=[dict(l, funder='CPAM de l\\'Aude') if l.get('funder')=='Carcassonne Agglo' else l for l in form['lines']]
[s.update(changes=form) for s in r['steps'] if s.get('step')=='answer']"
    variant "$src" "$tmp/two.json" "$absol
d['requests'].insert(0, json.loads(json.dumps(r)))
d['requests'][1]['lines'][0]['amount']='1,2,3'"
    local before after f
    before=$("${dump[@]}")
    for f in above:'request 1: steps\[[0-9]+\]\.amount' unbalanced:'request 1: budget' \
             cents:'request 1: lines\[0\]\.amount_cents' early:'request 1: steps\[[0-9]+\]\.funder' \
             siret:'request 1: siret' paidpast:'request 1: steps\[[0-9]+\]\.paid_on' \
             newfunder:'request 1: steps\[[0-9]+\]\.changes\.budget' \
             two:'request 2: lines\[0\]\.amount'; do
        expect_exit 3 "$MAILLAGE" funding import --database "$db" --as "$OPERATOR" "$tmp/${f%%:*}.json"
        expect_err "${f%%:*}\.json: ${f#*:}"
        expect_err "nothing imported"
    done
    expect_exit 3 "$MAILLAGE" funding import --database "$db" "$src"
    expect_err "request 1: steps\[[0-9]+\]: .*--as"
    expect_exit 0 "$MAILLAGE" funding import --database "$db" --as "$OPERATOR" --dry-run "$src"
    after=$("${dump[@]}")
    if [ "$before" = "$after" ]; then ok; else fail "a refused import or the dry run changed $db"; fi

    # The demo files, one stage each.
    local file state
    for f in "$demo_dir"/0*.json; do
        file=$(basename "$f")
        expect_exit 0 "$MAILLAGE" funding import --database "$db" --as "$OPERATOR" "$f"
        state=$(sed -n '2p' "$tmp/out" | cut -d, -f3)
        [ "$state" = "${want_state[$file]}" ] && ok || fail "$file ends in \"$state\", expected ${want_state[$file]}"
    done

    # The open data: one row per granted part, the amounts granted in the files.
    expect_exit 0 "$MAILLAGE" funding open-data --database "$db" --examples -o "$tmp/od.csv"
    local got
    got=$(python3 - "$tmp/od.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"),
                           delimiter=";" if ";" in open(sys.argv[1], encoding="utf-8").readline() else ","))
print(len(rows), sum(round(float(r["montant"].replace(",", ".")) * 100) for r in rows))
EOF
)
    [ "$got" = "$n_granted $sum_granted" ] && ok || fail "open data: \"$got\", expected \"$n_granted $sum_granted\""
    # Without --examples the demo's rows (all examples) are left out: the header only.
    expect_exit 0 "$MAILLAGE" funding open-data --database "$db"
    [ "$(wc -l <"$tmp/out")" = 1 ] && ok || fail "open data without examples: $(wc -l <"$tmp/out") lines"

    # Reminders: on the day before the first due day, every report due within
    # 30 days gets one; a second run the same day sends none.
    local day=${due_days[0]} expect=0 d
    for d in "${due_days[@]}"; do
        if [ "$(python3 -c "import datetime,sys; a=datetime.date.fromisoformat(sys.argv[1]); b=datetime.date.fromisoformat(sys.argv[2]); print(1 if (b-a).days<=30 else 0)" "$day" "$d")" = 1 ]; then
            expect=$((expect + 1))
        fi
    done
    expect_exit 0 "$MAILLAGE" funding remind --database "$db" --today "$day"
    [ "$(cat "$tmp/out")" = "$expect" ] && ok || fail "remind on $day: $(cat "$tmp/out"), expected $expect"
    expect_exit 0 "$MAILLAGE" funding remind --database "$db" --today "$day"
    [ "$(cat "$tmp/out")" = 0 ] && ok || fail "remind twice: $(cat "$tmp/out")"
    expect_exit 2 "$MAILLAGE" funding remind --database "$db" --today 2026-02-30

    # The answer's changes are kept as a new version of the request.
    expect_exit 0 "$MAILLAGE" funding import --database "$db" --as "$OPERATOR" "$tmp/answer.json"
    [ "$(sed -n '2p' "$tmp/out" | cut -d, -f3)" = granted_part ] && ok || fail "answer.json: $(cat "$tmp/out")"
}

# A PostgreSQL database's data, without pg_dump's random \restrict key.
pg_data() { pg_dump --no-owner --data-only "$1" 2>/dev/null | grep -Ev '^\\(un)?restrict '; }

if [ "${#due_days[@]}" -lt 1 ]; then fail "the demo has no report to remind"; fi
db="$tmp/f.sqlite"
run_on "$db" sqlite3 "$db" .dump
if [ -n "$(sqlite3 "$db" "SELECT 1 FROM budget_lines WHERE subsidy_request_id IS NOT NULL LIMIT 1")" ]; then ok; else
    fail "the telehealth grant fed no budget line"; fi

if [ -n "${MG_TEST_PG_URI:-}" ]; then
    if pg=$(pg_database mg_test_cli_funding); then
        run_on "$pg" pg_data "$pg"
    else
        fail "PostgreSQL: cannot create the test database"
    fi
else
    echo "PostgreSQL: MG_TEST_PG_URI not set, its half of this test not run"
fi

# Usage errors.
expect_exit 2 "$MAILLAGE" funding
expect_exit 2 "$MAILLAGE" funding nope
expect_exit 2 "$MAILLAGE" funding windows add --database "$db" --title T
expect_exit 3 "$MAILLAGE" funding windows add --database "$db" --lead "Personne (exemple)" --title T
expect_err "aucune organisation"
expect_exit 3 "$MAILLAGE" funding import --database "$db" "$tmp/missing.json"
finish
