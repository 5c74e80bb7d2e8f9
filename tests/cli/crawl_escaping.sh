#!/usr/bin/env bash
# Black-box escaping crawl (issue 10): `maillage serve` on the demo territory,
# on loopback; crawl_escaping.py stores <script>"'& and its variants
# ("><img src=x onerror=…>, ' onmouseover=', </title><script>, javascript:)
# in every field the forms and the JSON API accept (a file input gets a
# small valid file, the value in its name or its content), then crawls every page,
# download and API answer that may show them and checks each is escaped for
# its context (HTML, JSON, CSV, SVG) and carries the right Content-Type.
# The checker is first fed crafted good and bad answers (--self-test), so
# that a checker that sees nothing cannot pass. The single window's writes
# are made in the sessions of an association, of the window's lead (the
# crawl's manager) and of a co-funder's instructor (crawl_escaping.py, --funding).
# The telehealth equipment (issue 17): a network imported by `maillage
# booking import`, crawled as the public, the site's host, the teleconsultant
# and the owner's manager (--booking); the server trusts 127.0.0.1 as its
# proxy, so that each public booking attempt comes from an X-Forwarded-For
# address of its own (they are throttled per address). The rounds of mobile
# services (issue 18): the crawl's manager runs a service by the API and by
# its pages' forms, then its pages, public timetable, posters (PDF), feed
# (iCalendar escaping of , ; \ and newlines) and the finder are crawled
# (--rounds).
. "$(dirname "$0")/lib.bash"
crawler="$(dirname "$0")/crawl_escaping.py"
start=$(date +%s)

# 1. The checker flags broken escaping.
if python3 "$crawler" --self-test --counts "$tmp/self"; then ok; else
    fail "self-test: the checker misjudged a crafted answer"; fi

# 2. The application, crawled by the manager of an organisation (so that
# the forms that write scenarios are there to be filled).
db=$(test_database crawl)
web_account "$db" manager || { fail "no account"; finish; exit 1; }
crawl_org=$WEB_ORG crawl_email=$WEB_EMAIL crawl_password=$WEB_PASSWORD
# The single window (issue 16): a window led by the crawl's organisation,
# an association that files (its manager; SIRET and RNA of the test
# series 99999…, W0…) and a co-funder whose instructor instructs, decides
# and pays (its second factor enrolled by the crawler).
app_org=$("$MAILLAGE" organisation add --database "$db" --kind association --siret 99999005400010 \
    --rna W000000005 --name "Association d'essai du guichet $$ (exemple)") &&
    printf 'mot de passe du demandeur\n' | "$MAILLAGE" user add --database "$db" \
        --email "demandeur.$$@essai.invalid" --name "Présidence de l'association (exemple)" \
        --organisation "$app_org" --role manager --password-file - >/dev/null &&
    web_account "$db" instructor ars &&
    window=$("$MAILLAGE" funding windows add --database "$db" --lead "$crawl_org" \
        --title "Guichet d'essai $$ (exemple)" --funder "$WEB_ORG" --example) ||
    { fail "no single window"; finish; exit 1; }
cat >"$tmp/funding.json" <<EOF
{"window": $window, "siret": "99999005400010", "rna": "W000000005",
 "applicant": {"org": $app_org, "email": "demandeur.$$@essai.invalid",
               "password": "mot de passe du demandeur"},
 "funder": {"org": $WEB_ORG, "email": "$WEB_EMAIL", "password": "$WEB_PASSWORD"}}
EOF
# The telehealth equipment (issue 17): an owner (a Département) whose network
# has one site, the town hall of Bram (a structure "(exemple)" imported into
# the directory, open at any hour; it asks the person's name, up to 100
# characters, where initials are up to 10) with a cabin and two carts, and
# three teams of teleconsultants (so that the walk-ins, nine slots in the
# next two hours, find free ones), of one teleconsultant
# organisation serving it at any hour; by `maillage booking import`. Accounts:
# the site's host, the teleconsultant's and the owner's manager.
booking_setup() {
    local owner tc_org site tc device
    owner=$("$MAILLAGE" organisation add --database "$db" --kind departement \
        --name "Département d'essai des équipements $$ (exemple)") || return 1
    tc_org=$("$MAILLAGE" organisation add --database "$db" --kind other \
        --name "Téléconsultation d'essai $$ (exemple)") || return 1
    printf '%s\n' '{"structures": [{"source": "essai-crawl", "id": "essai-crawl-bram",
        "nom": "Mairie de Bram, salle de téléconsultation (exemple)", "date_maj": "2026-11-01",
        "adresse": "1 place de la Mairie (exemple)", "code_postal": "11150", "code_insee": "11049",
        "commune": "Bram", "horaires_accueil": "24/7", "maillage_categorie": "town_hall"}]}' \
        >"$tmp/booking-structures.json"
    "$MAILLAGE" directory import --database "$db" "$tmp/booking-structures.json" >/dev/null || return 1
    {
        echo "type;site;ask;share_phone;kind;name;instruments;hours;assisted;step;organisation;label;availability;kinds;sites"
        echo "site;essai-crawl-bram;name;oui;;;;;;;;;;;"
        echo "device;essai-crawl-bram;;;cabin;Cabine de la mairie de Bram (exemple);stethoscope otoscope;;non;;;;;;"
        echo "device;essai-crawl-bram;;;cart;Chariot de la mairie de Bram (exemple);stethoscope;;non;;;;;;"
        echo "device;essai-crawl-bram;;;cart;Second chariot de la mairie de Bram (exemple);stethoscope;;non;;;;;;"
        for t in "Médecins généralistes d'essai" "Seconde équipe de généralistes d'essai" \
            "Troisième équipe de généralistes d'essai"; do
            echo "teleconsultant;;;;;;;;;;$tc_org;$t (exemple);24/7;gp:20 followup:15;essai-crawl-bram"
        done
    } >"$tmp/booking-network.csv"
    "$MAILLAGE" booking import --database "$db" --owner "$owner" --example \
        "$tmp/booking-network.csv" >"$tmp/booking-import.csv" || return 1
    # line,type,id,action
    site=$(awk -F, '$1 == 2 && $2 == "site" {print $3}' "$tmp/booking-import.csv")
    device=$(awk -F, '$1 == 3 && $2 == "device" {print $3}' "$tmp/booking-import.csv")
    tc=$(awk -F, '$1 == 6 && $2 == "teleconsultant" {print $3}' "$tmp/booking-import.csv")
    [[ "$site" =~ ^[0-9]+$ && "$device" =~ ^[0-9]+$ && "$tc" =~ ^[0-9]+$ ]] ||
        { echo "unexpected import output: $(cat "$tmp/booking-import.csv")" >&2; return 1; }
    local role org accounts=
    for role in host teleconsultant manager; do
        case $role in host) org=$site ;; teleconsultant) org=$tc_org ;; manager) org=$owner ;; esac
        printf 'mot de passe %s\n' "$role" | "$MAILLAGE" user add --database "$db" \
            --email "equipements.$role.$$@essai.invalid" --name "Compte $role d'essai (exemple)" \
            --organisation "$org" --role "$role" --password-file - >/dev/null || return 1
        accounts="$accounts${accounts:+, }\"$role\": {\"email\": \"equipements.$role.$$@essai.invalid\", \"password\": \"mot de passe $role\"}"
    done
    printf '{"owner": %d, "tc_org": %d, "site": %d, "device": %d, "tc": %d, %s}\n' \
        "$owner" "$tc_org" "$site" "$device" "$tc" "$accounts" >"$tmp/booking.json"
}
booking_setup || { fail "no telehealth network"; finish; exit 1; }
# The mobile services' rounds (issue 18): the crawl's manager runs them in
# its organisation (crawl_escaping.py, --rounds): a service of two communes
# made by the API and its page forms, its vehicles, stops, plans,
# publication and cancellations, then its pages, public timetable, posters,
# feed and the finder's next stops.
# A town hall of Fanjeaux with its point (the directory's stops form takes
# structures with a position in the service's territory).
printf '%s\n' '{"structures": [{"source": "essai-crawl", "id": "essai-crawl-fanjeaux",
    "nom": "Mairie de Fanjeaux (exemple)", "date_maj": "2026-11-01", "adresse": "Place de la Mairie (exemple)",
    "code_postal": "11270", "code_insee": "11136", "commune": "Fanjeaux", "latitude": 43.1867,
    "longitude": 2.0317, "maillage_categorie": "town_hall"}]}' >"$tmp/rounds-structures.json"
"$MAILLAGE" directory import --database "$db" "$tmp/rounds-structures.json" >/dev/null ||
    { fail "no town hall for the rounds"; finish; exit 1; }
printf '{"org": %d}\n' "$crawl_org" >"$tmp/rounds.json"
WEB_ORG=$crawl_org WEB_EMAIL=$crawl_email WEB_PASSWORD=$crawl_password
# --trusted-proxy: the crawler gives each public booking attempt its own
# X-Forwarded-For address (the attempts are throttled per address).
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" --quiet \
    --trusted-proxy 127.0.0.1 \
    >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"

web_login "$base" || { fail "log-in"; finish; exit 1; }
cookie=$(awk -F'\t' 'NF >= 7 && $6 ~ /^mg_/ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$WEB_JAR")
python3 "$crawler" --base "$base" --counts "$tmp/counts" --cookie "$cookie" --csrf="$WEB_CSRF" \
    --funding "$tmp/funding.json" --booking "$tmp/booking.json" --rounds "$tmp/rounds.json"
rc=$?
if [ -s "$tmp/counts" ]; then
    read -r c f <"$tmp/counts"
    checks=$((checks + c)); fails=$((fails + f))
    [ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || fail "crawler exited $rc"
else
    fail "crawler stopped before the end (exit $rc)"
fi
if kill -0 $pid 2>/dev/null; then ok; else
    fail "server died during the crawl"; tail -5 "$tmp/server.log" | sed 's/^/  server: /' >&2; fi
echo "crawl_escaping: $(($(date +%s) - start)) s"
finish
