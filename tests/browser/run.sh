#!/usr/bin/env bash
# Browser and accessibility tests: makes the first accounts with the command
# line in a temporary database, starts an SMTP sink (tests/unit/smtp_sink.py)
# and `maillage serve` on loopback delivering mail to it, runs
# tests/browser/pages.test.mjs under node's test runner (headless Debian
# Chromium through playwright-core, axe-core), stops the server and the sink
# and exits with the tests' status.
#
# The accounts (example organisations and role-like names, no real person):
#   - "Exploitation de la plateforme (exemple)", the operator, with its
#     platform administrator;
#   - "Département d'essai (exemple)" with a manager, a contributor and a
#     reader;
#   - "Intercommunalité d'essai (exemple)" with a manager;
#   - without accounts, the organisations tests/data/contracts/plan.csv
#     names ("Département de l'Aude", "CC Piège Lauragais Malepère",
#     "Centre social intercommunal (exemple)") for contracts.test.mjs, with
#     that plan as an XLSX made by MG_CSV2XLSX (the tests' libxlsxwriter
#     helper).
# They reach the tests as JSON in MG_ACCOUNTS: {"admin": {"email", "name",
# "password", "organisation"}, "manager": …, "contributor": …, "reader": …,
# "other_manager": …}; the sink's folder (msg-N.eml, one file a message) as
# MG_MAIL_DIR.
#
# Environment: MAILLAGE (the binary, default build/maillage), MG_SOURCE_DIR
# (the source tree, default this script's ../..), MG_SCREENSHOT_DIR (where
# screenshots go, default a new temporary folder, kept and printed),
# MG_CSV2XLSX (tests/data/contracts/csv2xlsx.c built), MG_BROWSER_ONLY
# (one file's name without .test.mjs, or several separated by spaces: those
# files alone).
# Needs /usr/bin/chromium, node >= 18 and npm (scripts/install-deps.sh test
# installs them); fails, rather than skips, when they are missing. Installs
# the locked npm packages (tests/browser/package-lock.json) with `npm ci`
# when node_modules is missing or out of date. Never downloads a browser.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${MG_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${MAILLAGE:-$src/build/maillage}
chromium=/usr/bin/chromium

die() { echo "browser tests: $*" >&2; exit 1; }

[ -x "$bin" ] || die "no maillage binary at $bin (set MAILLAGE)"
[ -x "$chromium" ] || die "$chromium is missing: run scripts/install-deps.sh test (Debian package chromium)"
command -v node >/dev/null 2>&1 || die "node is missing: run scripts/install-deps.sh test (Debian package nodejs)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "node $(node --version) is too old: 18 or later is needed"

# The locked packages, installed again whenever the lockfile changes.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp="$here/node_modules/.maillage-lock-sha256"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ] ||
   [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is missing: run scripts/install-deps.sh test (Debian package npm)"
    echo "browser tests: npm ci --prefix tests/browser" >&2
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2 ||
        die "npm ci failed (the npm registry must be reachable the first time)"
    echo "$want" >"$stamp"
fi

tmp=$(mktemp -d)
server_pid=
sink_pid=
stop_server() {
    local rc=0
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" || rc=$?
    fi
    server_pid=
    return "$rc"
}
cleanup() {
    stop_server || true
    if [ -n "$sink_pid" ]; then
        kill "$sink_pid" 2>/dev/null || true
        wait "$sink_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

shots=${MG_SCREENSHOT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/maillage-screenshots.XXXXXX")}
mkdir -p "$shots"

# MG_BROWSER_DATABASE=postgresql: the same walk on PostgreSQL, in a database
# made anew on the test server (MG_TEST_PG_URI); skipped (exit 77) without it.
database="$tmp/db.sqlite"
if [ "${MG_BROWSER_DATABASE:-sqlite}" = postgresql ]; then
    if [ -z "${MG_TEST_PG_URI:-}" ]; then
        echo "browser tests on PostgreSQL: MG_TEST_PG_URI not set, skipped" >&2
        exit 77
    fi
    psql -q -X "$MG_TEST_PG_URI" -c "DROP DATABASE IF EXISTS mg_test_browser" \
        -c "CREATE DATABASE mg_test_browser" >/dev/null 2>&1 || die "cannot create mg_test_browser"
    database=$(python3 -c 'import re,sys; print(re.sub(r"(://[^/]*/)[^?]*", r"\g<1>mg_test_browser", sys.argv[1], count=1))' "$MG_TEST_PG_URI")
fi

# The first accounts, as an operator makes them: organisations and accounts
# by the command line (ids printed, passwords on standard input).
organisation() { # NAME KIND [--operator]: prints the new organisation's id
    "$bin" organisation add --database "$database" --name "$1" --kind "$2" "${@:3}" ||
        die "maillage organisation add --name '$1' failed"
}
account() { # EMAIL NAME ORGANISATION ROLE PASSWORD
    printf '%s\n' "$5" | "$bin" user add --database "$database" --email "$1" --name "$2" \
        --organisation "$3" --role "$4" --password-file - >/dev/null ||
        die "maillage user add --email $1 failed"
}
operator_org=$(organisation "Exploitation de la plateforme (exemple)" other --operator)
departement_org=$(organisation "Département d'essai (exemple)" departement)
epci_org=$(organisation "Intercommunalité d'essai (exemple)" epci)
accounts=
add_account() { # KEY EMAIL NAME ORGANISATION ROLE: the password is made here
    local password="mot de passe d'essai du compte $1"
    account "$2" "$3" "$4" "$5" "$password"
    accounts="$accounts${accounts:+,}\"$1\":{\"email\":\"$2\",\"name\":\"$3\",\"password\":\"$password\",\"organisation\":$4}"
}
add_account admin administration@exploitation.invalid "Administration (exemple)" "$operator_org" administrator
add_account manager gestion@departement.invalid "Gestion (exemple)" "$departement_org" manager
add_account contributor contribution@departement.invalid "Contribution (exemple)" "$departement_org" contributor
add_account reader lecture@departement.invalid "Lecture (exemple)" "$departement_org" reader
add_account other_manager gestion@intercommunalite.invalid "Gestion de l'intercommunalité (exemple)" \
    "$epci_org" manager
# The single window (issue 16), walked by funding.test.mjs: an association
# (its applicant), a city that leads the window and co-funds (its instructor;
# its manager makes the contract whose action the grants feed: an instructor
# may not create a contract nor see one), an ARS and a Département that
# co-fund (an instructor each). All "(exemple)"; SIRET and RNA of the
# association are made-up numbers with a valid check key.
funding_association_org=$(organisation "Association Santé partagée du Razès (exemple)" association \
    --siret 81234567600009 --rna W112016016)
funding_city_org=$(organisation "Ville d'essai du guichet (exemple)" commune)
funding_ars_org=$(organisation "Agence régionale de santé d'essai (exemple)" ars)
funding_departement_org=$(organisation "Conseil départemental d'essai du guichet (exemple)" departement)
add_account funding_applicant demande@association-razes.invalid "Présidence de l'association (exemple)" \
    "$funding_association_org" applicant
add_account funding_lead guichet@ville-essai.invalid "Coordination du guichet de la ville (exemple)" \
    "$funding_city_org" instructor
add_account funding_contract_manager cls@ville-essai.invalid "Gestion du contrat local de santé (exemple)" \
    "$funding_city_org" manager
add_account funding_ars instruction@ars-essai.invalid "Instruction de l'ARS (exemple)" \
    "$funding_ars_org" instructor
add_account funding_departement instruction@departement-guichet.invalid \
    "Instruction du Département (exemple)" "$funding_departement_org" instructor
export MG_ACCOUNTS="{$accounts}"

# The directory the finder's test reads (finder.test.mjs), imported as an
# operator does: the demo's example directory of the Aude, and a few
# structures "(exemple)" of the test whose hours make an open one certain
# at any hour. A failed import fails finder.test.mjs (MG_FINDER_IMPORT says
# why), not the other files.
export MG_FINDER_IMPORT=ok
for f in "$src/data/demo/directory/aude-exemple.json" "$here/finder-structures.json"; do
    if ! "$bin" directory import --database "$database" "$f" >"$tmp/import.log" 2>&1; then
        MG_FINDER_IMPORT="maillage directory import $f failed: $(tail -5 "$tmp/import.log")"
        echo "browser tests: $MG_FINDER_IMPORT" >&2
        break
    fi
done

# --- network.test.mjs: the structures its contract manager finds ---------
# Two structures "(exemple)" of the local social network, imported like the
# finder's: the test searches the directory for them from an action's page
# and adds them as pilot and partner. A failed import fails
# network.test.mjs only (MG_NETWORK_IMPORT says why).
export MG_NETWORK_IMPORT=ok
cat >"$tmp/network-structures.json" <<'EOF'
{
  "structures": [
    {
      "source": "essai-reseau",
      "id": "centre-social-lauragais",
      "nom": "Centre social intercommunal du Lauragais (exemple)",
      "date_maj": "2026-11-01",
      "adresse": "5 rue du Marché (exemple)",
      "code_postal": "11150",
      "code_insee": "11049",
      "commune": "Bram",
      "maillage_categorie": "social"
    },
    {
      "source": "essai-reseau",
      "id": "point-accueil-fanjeaux",
      "nom": "Point d'accueil solidarité de Fanjeaux (exemple)",
      "date_maj": "2026-11-01",
      "adresse": "1 place de la Mairie (exemple)",
      "code_postal": "11270",
      "code_insee": "11136",
      "commune": "Fanjeaux",
      "maillage_categorie": "social"
    }
  ]
}
EOF
if ! "$bin" directory import --database "$database" "$tmp/network-structures.json" \
        >"$tmp/network-import.log" 2>&1; then
    MG_NETWORK_IMPORT="maillage directory import failed: $(tail -5 "$tmp/network-import.log")"
    echo "browser tests: $MG_NETWORK_IMPORT" >&2
fi
# --- end of network.test.mjs's setup -------------------------------------

# --- contracts.test.mjs: the plan its contract manager imports -----------
# The organisations tests/data/contracts/plan.csv names (pilots, partners,
# funders), and that plan as an XLSX made by the tests' libxlsxwriter
# helper (MG_CSV2XLSX). A failure fails contracts.test.mjs only
# (MG_CONTRACTS_SETUP says why).
export MG_CONTRACTS_SETUP=ok MG_CONTRACT_PLAN_XLSX="$tmp/plan.xlsx"
if ! { organisation "Département de l'Aude" departement >/dev/null &&
       organisation "CC Piège Lauragais Malepère" epci --siret 20003570700005 >/dev/null &&
       organisation "Centre social intercommunal (exemple)" association >/dev/null &&
       [ -x "${MG_CSV2XLSX:-}" ] &&
       "$MG_CSV2XLSX" "$src/tests/data/contracts/plan.csv" "$MG_CONTRACT_PLAN_XLSX"; } \
        >"$tmp/contracts-setup.log" 2>&1; then
    MG_CONTRACTS_SETUP="setup failed (MG_CSV2XLSX=${MG_CSV2XLSX:-unset}): $(tail -5 "$tmp/contracts-setup.log")"
    echo "browser tests: $MG_CONTRACTS_SETUP" >&2
fi
# --- end of contracts.test.mjs's setup -----------------------------------

# --- booking.test.mjs: a network of telehealth equipment (issue 17) ------
# An owner (a Département "(exemple)"); two structures "(exemple)" of the
# directory open at any hour, the town halls of Bram and Fanjeaux (the
# demo's Aude; town halls, which the finder's pharmacies never meet), made
# sites of its network by `maillage booking import`: a cabin at Bram, a
# cart at Fanjeaux, neither sharing the phone with teleconsultants; two
# teleconsultant organisations "(exemple)", the first for general practice,
# the second for specialists, both serving both sites at any hour. Accounts
# (added to MG_ACCOUNTS): "booking_host" (host of the Bram site),
# "booking_teleconsultant" (of the first teleconsultant's organisation),
# "booking_network" (manager of the owner). The ids reach the test as
# MG_BOOKING (JSON: owner, site_a, site_b, tc1, tc2); the binary and the
# database as MG_BOOKING_MAILLAGE and MG_BOOKING_DATABASE, for the bookings
# the test makes by the command line and the figures it reads back. A
# failure fails booking.test.mjs only (MG_BOOKING_SETUP says why).
# (The binary's path made absolute: the tests run in tests/browser.)
export MG_BOOKING_SETUP=ok MG_BOOKING= MG_BOOKING_DATABASE="$database"
MG_BOOKING_MAILLAGE="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export MG_BOOKING_MAILLAGE
booking_setup() {
    local site_a_name="Mairie de Bram, salle de téléconsultation (exemple)"
    local site_b_name="Mairie de Fanjeaux, salle du Razès (exemple)"
    local tc1_label="Médecins généralistes du réseau d'essai (exemple)"
    local tc2_label="Dermatologie du réseau d'essai (exemple)"
    local owner tc1_org tc2_org site_a site_b tc1 tc2
    owner=$(organisation "Département d'essai des équipements (exemple)" departement) || return 1
    tc1_org=$(organisation "Téléconsultation généraliste d'essai (exemple)" other) || return 1
    tc2_org=$(organisation "Téléconsultation spécialisée d'essai (exemple)" other) || return 1
    python3 -c 'import json,sys; a=sys.argv[1:]; print(json.dumps({"structures": [
        {"source": "essai-reservation", "id": "essai-resa-bram", "nom": a[0],
         "date_maj": "2026-11-01", "adresse": "1 place de la Mairie (exemple)",
         "code_postal": "11150", "code_insee": "11049", "commune": "Bram",
         "horaires_accueil": "24/7", "maillage_categorie": "town_hall"},
        {"source": "essai-reservation", "id": "essai-resa-fanjeaux", "nom": a[1],
         "date_maj": "2026-11-01", "adresse": "1 place de la Mairie (exemple)",
         "code_postal": "11270", "code_insee": "11136", "commune": "Fanjeaux",
         "horaires_accueil": "24/7", "maillage_categorie": "town_hall"}]},
        ensure_ascii=False, indent=1))' "$site_a_name" "$site_b_name" \
        >"$tmp/booking-structures.json" || return 1
    "$bin" directory import --database "$database" "$tmp/booking-structures.json" || return 1
    {
        echo "type;site;ask;share_phone;kind;name;instruments;hours;assisted;step;organisation;label;availability;kinds;sites"
        echo "site;essai-resa-bram;initials;non;;;;;;;;;;;"
        echo "site;essai-resa-fanjeaux;initials;non;;;;;;;;;;;"
        echo "device;essai-resa-bram;;;cabin;Cabine de la mairie de Bram (exemple);stethoscope otoscope;;non;;;;;;"
        echo "device;essai-resa-fanjeaux;;;cart;Chariot de la mairie de Fanjeaux (exemple);stethoscope;;non;;;;;;"
        echo "teleconsultant;;;;;;;;;;$tc1_org;$tc1_label;24/7;gp:20;essai-resa-bram essai-resa-fanjeaux"
        echo "teleconsultant;;;;;;;;;;$tc2_org;$tc2_label;24/7;specialist:30;essai-resa-bram essai-resa-fanjeaux"
    } >"$tmp/booking-network.csv"
    "$bin" booking import --database "$database" --owner "$owner" --example \
        "$tmp/booking-network.csv" >"$tmp/booking-import.csv" || return 1
    # line,type,id,action: the sites are lines 2 and 3, the teleconsultants 6 and 7.
    site_a=$(awk -F, '$1 == 2 && $2 == "site" {print $3}' "$tmp/booking-import.csv")
    site_b=$(awk -F, '$1 == 3 && $2 == "site" {print $3}' "$tmp/booking-import.csv")
    tc1=$(awk -F, '$1 == 6 && $2 == "teleconsultant" {print $3}' "$tmp/booking-import.csv")
    tc2=$(awk -F, '$1 == 7 && $2 == "teleconsultant" {print $3}' "$tmp/booking-import.csv")
    [[ "$site_a" =~ ^[0-9]+$ && "$site_b" =~ ^[0-9]+$ && "$tc1" =~ ^[0-9]+$ && "$tc2" =~ ^[0-9]+$ ]] ||
        { echo "unexpected import output: $(cat "$tmp/booking-import.csv")"; return 1; }
    add_account booking_host accueil@mairie-bram.invalid "Accueil de la mairie (exemple)" "$site_a" host
    add_account booking_teleconsultant generalistes@teleconsultation-essai.invalid \
        "Secrétariat des généralistes (exemple)" "$tc1_org" teleconsultant
    add_account booking_network equipements@departement-essai.invalid \
        "Gestion des équipements (exemple)" "$owner" manager
    MG_BOOKING=$(python3 -c 'import json,sys; a=sys.argv[1:]; print(json.dumps({
        "owner": int(a[0]), "site_a": {"id": int(a[1]), "name": a[2], "commune": "Bram"},
        "site_b": {"id": int(a[3]), "name": a[4], "commune": "Fanjeaux"},
        "tc1": {"id": int(a[5]), "label": a[6]}, "tc2": {"id": int(a[7]), "label": a[8]}},
        ensure_ascii=False))' "$owner" "$site_a" "$site_a_name" "$site_b" "$site_b_name" \
        "$tc1" "$tc1_label" "$tc2" "$tc2_label")
}
# Not in a subshell: the accounts and MG_BOOKING are this shell's.
if ! booking_setup >"$tmp/booking-setup.log" 2>&1; then
    MG_BOOKING_SETUP="setup failed: $(tail -5 "$tmp/booking-setup.log")"
    echo "browser tests: $MG_BOOKING_SETUP" >&2
fi
export MG_BOOKING MG_ACCOUNTS="{$accounts}"
# --- end of booking.test.mjs's setup -------------------------------------

# --- rounds.test.mjs: mobile services' rounds (issue 18) -----------------
# Nothing to import: the Département's manager above (MG_ACCOUNTS.manager)
# creates the service, its vehicle, its stops (the chefs-lieux of the demo's
# Aude) and its plan through the pages, publishes it, and the visitor finds
# it from the finder. No INSEE population file is loaded, so the service
# targets all inhabitants (the page says so, the test checks it).
# --- end of rounds.test.mjs's setup --------------------------------------

# The SMTP sink: it prints its port on its first line, writes each message
# to $tmp/mail/msg-N.eml, and ends with this script at the latest.
mkdir -p "$tmp/mail"
python3 -B "$src/tests/unit/smtp_sink.py" "$tmp/mail" >"$tmp/sink.log" 2>&1 &
sink_pid=$!
sink_port=
for _ in $(seq 1 50); do
    # The sink's log may not exist yet (the child opens it): not an error
    # here, under set -e.
    sink_port=$(head -n 1 "$tmp/sink.log" 2>/dev/null || true)
    [[ "$sink_port" =~ ^[0-9]+$ ]] && break
    kill -0 "$sink_pid" 2>/dev/null || break
    sleep 0.1
done
[[ "$sink_port" =~ ^[0-9]+$ ]] || die "the SMTP sink did not start: $(cat "$tmp/sink.log")"
export MG_MAIL_DIR="$tmp/mail"

"$bin" serve --bundle "$src/data/demo/11-aude" --france "$src/data/demo/france" \
    --port 0 --port-file "$tmp/port" --database "$database" --quiet \
    --smtp-relay "smtp://127.0.0.1:$sink_port" --mail-from "maillage@essai.invalid" \
    --mail-interval 1 >"$tmp/server.log" 2>&1 &
server_pid=$!
# About 3 s in a normal build; far longer under AddressSanitizer.
for _ in $(seq 1 1200); do
    grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        sed 's/^/  server: /' "$tmp/server.log" >&2
        server_pid=
        die "the server stopped before listening"
    fi
    sleep 0.1
done
grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null || die "the server did not write its port within 120 s"
base="http://127.0.0.1:$(cat "$tmp/port")"
echo "browser tests: server at $base, screenshots in $shots" >&2

set +e
# Every *.test.mjs file: pages.test.mjs and one file per feature (the map,
# the fiche, the health officer's task…), run one after the other.
# A loop rather than node's own concurrency option, which Node 18 lacks;
# the first failing file's status is kept, the others still run.
rc=0
for f in "$here"/*.test.mjs; do
    # MG_BROWSER_ONLY="name …" runs those name.test.mjs alone (while writing
    # one; the PostgreSQL pass's stories).
    case " ${MG_BROWSER_ONLY:-$(basename "$f" .test.mjs)} " in
    *" $(basename "$f" .test.mjs) "*) ;;
    *) continue ;;
    esac
    (cd "$here" && MG_BASE_URL="$base" MG_SCREENSHOT_DIR="$shots" node --test "$(basename "$f")")
    r=$?
    [ "$rc" -ne 0 ] || rc=$r
done
set -e

# A server that ends badly (a sanitizer report, a crash) fails the run too.
server_rc=0
stop_server || server_rc=$?
if [ "$server_rc" -ne 0 ]; then
    echo "browser tests: the server exited with status $server_rc" >&2
    [ "$rc" -ne 0 ] || rc=1
fi
if [ "$rc" -ne 0 ] || [ "$server_rc" -ne 0 ]; then
    sed 's/^/  server: /' "$tmp/server.log" | tail -50 >&2
fi
echo "browser tests: screenshots:" >&2
ls -1 "$shots"/*.png 2>/dev/null | sed 's/^/  /' >&2 || true
exit "$rc"
