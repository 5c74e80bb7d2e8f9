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
WEB_ORG=$crawl_org WEB_EMAIL=$crawl_email WEB_PASSWORD=$crawl_password
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" --quiet \
    >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"

web_login "$base" || { fail "log-in"; finish; exit 1; }
cookie=$(awk -F'\t' 'NF >= 7 && $6 ~ /^mg_/ {printf "%s%s=%s", sep, $6, $7; sep="; "}' "$WEB_JAR")
python3 "$crawler" --base "$base" --counts "$tmp/counts" --cookie "$cookie" --csrf="$WEB_CSRF" \
    --funding "$tmp/funding.json"
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
