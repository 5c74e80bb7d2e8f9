#!/usr/bin/env bash
# maillage booking: the demo's example network of the Aude
# (data/demo/booking/reseau-aude-exemple.csv) imported over the demo
# directory; refused files (a structure the directory does not hold, an
# organisation unknown, opening hours wrong, a shifted column, an unknown
# instrument, a device on a site outside the network, a faulty row among
# right ones) exit 3 naming FILE:LINE:COLUMN and what was expected, with the
# database unchanged (its dump compared before and after); a dry run writes
# nothing; a file refused while writing (a rule the checks do not know: a
# trigger the test adds) leaves the dump unchanged too (one transaction); a second import of the same file changes rows, adds none; a
# booking of the first free slot, then the day's reminders list it with
# its phone number; usage's CSV counts it; the purge 93 days later removes
# its person, phone and code, and a second purge finds nothing. On SQLite, then on PostgreSQL
# when MG_TEST_PG_URI is set.
set -u
: "${MAILLAGE:?}" "${MG_SOURCE_DIR:?}"
. "$(dirname "$0")/lib.bash" # tmp, fail, ok, expect_exit, pg_database
net="$MG_SOURCE_DIR/data/demo/booking/reseau-aude-exemple.csv"

setup() {
    local db=$1
    DEP=$("$MAILLAGE" organisation add --database "$db" --name "Département de l'Aude" --kind departement) || return 1
    "$MAILLAGE" directory import --database "$db" "$MG_SOURCE_DIR/data/demo/directory/aude-exemple.json" >/dev/null || return 1
    grep -v '^#' "$MG_SOURCE_DIR/data/demo/booking/organisations.txt" | while IFS='|' read -r kind name; do
        "$MAILLAGE" organisation add --database "$db" --kind "$kind" --name "$name" >/dev/null || exit 1
    done || return 1
}

# variant OUT PYTHON: the demo file's rows as dicts in `rows` (csv.DictReader), edited by PYTHON.
variant() {
    python3 - "$net" "$1" "$2" <<'PY'
import csv, sys
src, out, code = sys.argv[1:4]
rd = csv.DictReader(open(src, encoding="utf-8", newline=""), delimiter=";")
rows = list(rd)
exec(code)
with open(out, "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, fieldnames=rd.fieldnames, delimiter=";", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
PY
}

count_rows() { # DB TABLE [WHERE]
    if [[ $1 == postgres* ]]; then psql -X -A -t "$1" -c "SELECT count(*) FROM $2 ${3:-}"
    else sqlite3 "$1" "SELECT count(*) FROM $2 ${3:-}"; fi
}

# sql DB STATEMENTS: runs STATEMENTS on the database (the test's own changes).
sql() {
    if [[ $1 == postgres* ]]; then psql -X -q -v ON_ERROR_STOP=1 "$1" -c "$2" >/dev/null
    else sqlite3 "$1" "$2"; fi
}

# A rule of the database that the import's checks do not know: it refuses the
# teleconsultant "Dermatologie (exemple)" (the file's last row written) when
# inserted. It stands for any refusal that only the write meets (a concurrent
# change between the checks and the write, a constraint the checks do not repeat).
refuse_trigger() { # DB create|drop
    if [[ $1 == postgres* ]]; then
        if [ "$2" = create ]; then
            sql "$1" "CREATE FUNCTION mg_test_refuse() RETURNS trigger LANGUAGE plpgsql AS \$\$
                BEGIN IF NEW.label = 'Dermatologie (exemple)' THEN
                RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation'; END IF;
                RETURN NEW; END \$\$;
                CREATE TRIGGER mg_test_refuse BEFORE INSERT ON booking_teleconsultants
                FOR EACH ROW EXECUTE FUNCTION mg_test_refuse();"
        else
            sql "$1" "DROP TRIGGER mg_test_refuse ON booking_teleconsultants;
                      DROP FUNCTION mg_test_refuse();"
        fi
    elif [ "$2" = create ]; then
        sql "$1" "CREATE TRIGGER mg_test_refuse BEFORE INSERT ON booking_teleconsultants
                  WHEN NEW.label = 'Dermatologie (exemple)'
                  BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: refused by the test'); END;"
    else
        sql "$1" "DROP TRIGGER mg_test_refuse;"
    fi
}

run_on() {
    local db=$1
    shift
    local dump=("$@")
    if ! setup "$db"; then fail "setup of $db"; return; fi
    ok
    # Refusals: each names the file, the line (header = line 1), the column and what was expected.
    variant "$tmp/nosite.csv" "rows[0]['site'] = 'mairie-99999'"
    variant "$tmp/noorg.csv" "rows[8]['organisation'] = 'Personne (exemple)'"
    variant "$tmp/hours.csv" "rows[6]['availability'] = 'mardi 9h-12h'"
    variant "$tmp/shifted.csv" "rows[3]['hours'] = rows[3]['name']; rows[3]['name'] = ''"
    variant "$tmp/instrument.csv" "rows[4]['instruments'] = 'stethoscope scanner'"
    variant "$tmp/outside.csv" "rows[5]['site'] = 'pharmacie-11049'"
    variant "$tmp/many.csv" "rows[1]['share_phone'] = 'peut-être'; rows[9]['kinds'] = 'specialist:33'"
    local before after f
    before=$("${dump[@]}")
    for f in nosite:'nosite\.csv:2:6: colonne « site » : aucune structure' \
             noorg:'noorg\.csv:10:[0-9]+: colonne « organisation » : aucune organisation' \
             hours:'hours\.csv:8:[0-9]+: colonne « availability » : horaires' \
             shifted:'shifted\.csv:5:[0-9]+: colonne « name » : obligatoire' \
             instrument:'instrument\.csv:6:[0-9]+: colonne « instruments » : instrument « scanner » inconnu' \
             outside:'outside\.csv:7:[0-9]+: colonne « site » : .* n.est pas un lieu du réseau'; do
        expect_exit 3 "$MAILLAGE" booking import --database "$db" --owner "$DEP" "$tmp/${f%%:*}.csv"
        expect_err "${f#*:}"
        expect_err "rien n'a été écrit"
    done
    # Every fault of a file at once.
    expect_exit 3 "$MAILLAGE" booking import --database "$db" --owner "$DEP" "$tmp/many.csv"
    expect_err 'many\.csv:3:[0-9]+: colonne « share_phone »'
    expect_err 'many\.csv:11:[0-9]+: colonne « kinds »'
    expect_exit 0 "$MAILLAGE" booking import --database "$db" --owner "$DEP" --dry-run "$net"
    after=$("${dump[@]}")
    if [ "$before" = "$after" ]; then ok; else fail "a refused import or the dry run changed $db"; fi

    # A file whose fault only the write meets: the whole file is one transaction, so
    # the nine rows written before the refused one (line 11) are rolled back with it,
    # audit entries included. (PostgreSQL's sequences move on with a rolled-back
    # insert, as sequences do: their setval lines are left out of that comparison.)
    refuse_trigger "$db" create || fail "cannot add the test's trigger to $db"
    before=$("${dump[@]}" | grep -v 'pg_catalog.setval')
    expect_exit 3 "$MAILLAGE" booking import --database "$db" --owner "$DEP" --example "$net"
    expect_err 'reseau-aude-exemple\.csv:11: .*refused by the test'
    expect_err "refusé à l'écriture, rien n'a été écrit"
    [ -s "$tmp/out" ] && fail "a refused import printed rows: $(cat "$tmp/out")" || ok
    after=$("${dump[@]}" | grep -v 'pg_catalog.setval')
    if [ "$before" = "$after" ]; then ok; else
        fail "an import refused while writing changed $db"
        diff <(echo "$before") <(echo "$after") | head -10 >&2
    fi
    [ "$(count_rows "$db" booking_sites)" = 0 ] && ok || fail "sites left by a refused import"
    refuse_trigger "$db" drop || fail "cannot drop the test's trigger from $db"

    # The demo's network: one output row per file row, all created.
    expect_exit 0 "$MAILLAGE" booking import --database "$db" --owner "Département de l'Aude" --example "$net"
    [ "$(grep -c ',created$' "$tmp/out")" = 10 ] && ok || fail "first import: $(cat "$tmp/out")"
    cp "$tmp/out" "$tmp/import.csv"
    local n_dev n_tc
    n_dev=$(count_rows "$db" booking_devices) n_tc=$(count_rows "$db" booking_teleconsultants)
    [ "$n_dev/$n_tc" = 3/2 ] && ok || fail "devices/teleconsultants: $n_dev/$n_tc, expected 3/2"
    # Again: the same rows changed, none added.
    expect_exit 0 "$MAILLAGE" booking import --database "$db" --owner "$DEP" --example "$net"
    [ "$(grep -c ',updated$' "$tmp/out")" = 10 ] && ok || fail "second import: $(cat "$tmp/out")"
    [ "$(count_rows "$db" booking_devices)/$(count_rows "$db" booking_teleconsultants)" = 3/2 ] && ok ||
        fail "the second import added rows"
    # A site of the network refused to another owner.
    local other
    other=$("$MAILLAGE" organisation add --database "$db" --name "Autre réseau (exemple)" --kind other)
    expect_exit 3 "$MAILLAGE" booking import --database "$db" --owner "$other" "$net"
    expect_err 'déjà un lieu du réseau'

    # A booking of the first free slot of the pharmacy's cart, then the day's reminders.
    local site
    site=$(grep '^3,site,' "$tmp/import.csv" | cut -d, -f3) # line 3 of the file: the pharmacy
    expect_exit 0 "$MAILLAGE" booking book --database "$db" --site "$site" --kind specialist \
        --person "A. B." --phone "06 39 98 00 01"
    local start code
    start=$(cut -d, -f2 "$tmp/out") code=$(cut -d, -f3 "$tmp/out")
    [[ $code =~ ^[0-9A-Z]{5}-[0-9A-Z]{5}$ ]] && ok || fail "book: $(cat "$tmp/out")"
    # Tuesday or Thursday, 09:00 to 11:30: the cart's, the assistant's and the dermatology's hours.
    python3 -c "import datetime,sys; t=datetime.datetime.fromisoformat(sys.argv[1]); sys.exit(0 if t.weekday() in (1,3) and datetime.time(9)<=t.time()<=datetime.time(11,30) else 1)" "$start" &&
        ok || fail "booked at $start, outside the hours"
    expect_exit 0 "$MAILLAGE" booking reminders --database "$db" --site "$site" --day "${start%T*}"
    [ "$(wc -l <"$tmp/out")" = 2 ] && ok || fail "reminders: $(cat "$tmp/out")"
    expect_out "^${start/T/ },.*,A\. B\.,\+33639980001,booked,non$"
    expect_exit 0 "$MAILLAGE" booking reminders --database "$db" --site "$site" --day 2020-01-01
    [ "$(wc -l <"$tmp/out")" = 1 ] && ok || fail "reminders of an empty day: $(cat "$tmp/out")"
    expect_exit 2 "$MAILLAGE" booking reminders --database "$db" --site "$site" --day 2026-02-30
    expect_exit 2 "$MAILLAGE" booking reminders --database "$db" --site 999999
    # Usage of the month: the booking counted once.
    local month=${start:0:7} last
    last=$(python3 -c "import calendar,sys; y,m=map(int,sys.argv[1].split('-')); print(f'{y:04d}-{m:02d}-{calendar.monthrange(y,m)[1]:02d}')" "$month")
    expect_exit 0 "$MAILLAGE" booking usage --database "$db" --owner "$DEP" --from "$month-01" --to "$last"
    [ "$(python3 -c "import csv,sys; print(sum(int(r['reservations']) for r in csv.DictReader(open(sys.argv[1]))))" "$tmp/out")" = 1 ] &&
        ok || fail "usage: $(cat "$tmp/out")"

    # The purge (cron, daily): nothing yet (the booking is to come), then 93 days after
    # it the person, the phone and the code are gone from the database; again: nothing.
    expect_exit 0 "$MAILLAGE" booking purge --database "$db"
    expect_out '^0 réservation anonymisée$'
    local later
    later=$(python3 -c "import datetime,sys; print((datetime.datetime.fromisoformat(sys.argv[1]) + datetime.timedelta(days=93)).strftime('%Y-%m-%dT%H:%M'))" "$start")
    [ "$(count_rows "$db" bookings "WHERE person IS NULL OR phone IS NULL OR code IS NULL")" = 0 ] &&
        ok || fail "a booking without its person before the purge"
    expect_exit 0 "$MAILLAGE" booking purge --database "$db" --now "$later"
    expect_out '^1 réservation anonymisée$'
    [ "$(count_rows "$db" bookings "WHERE person IS NULL AND phone IS NULL AND code IS NULL")/$(count_rows "$db" bookings)" = 1/1 ] &&
        ok || fail "the purge left the person, the phone or the code"
    expect_exit 0 "$MAILLAGE" booking purge --database "$db" --now "$later"
    expect_out '^0 réservation anonymisée$'
    expect_exit 2 "$MAILLAGE" booking purge --database "$db" --now 2026-13-01T00:00
    expect_exit 2 "$MAILLAGE" booking purge --database "$db" extra
}

pg_data() { pg_dump --no-owner --data-only "$1" 2>/dev/null | grep -Ev '^\\(un)?restrict '; }

db="$tmp/b.sqlite"
run_on "$db" sqlite3 "$db" .dump
if [ -n "${MG_TEST_PG_URI:-}" ]; then
    if pg=$(pg_database mg_test_cli_booking); then
        run_on "$pg" pg_data "$pg"
    else
        fail "PostgreSQL: cannot create the test database"
    fi
else
    echo "PostgreSQL: MG_TEST_PG_URI not set, its half of this test not run"
fi

# Usage errors.
expect_exit 2 "$MAILLAGE" booking
expect_exit 2 "$MAILLAGE" booking nope
expect_exit 2 "$MAILLAGE" booking import --database "$db" "$net"
expect_exit 3 "$MAILLAGE" booking import --database "$db" --owner 1 "$tmp/missing.csv"
expect_exit 2 "$MAILLAGE" booking import --database "$db" --owner "Personne (exemple)" "$net"
expect_err "aucune organisation"
finish
