#!/usr/bin/env bash
# Black-box: `maillage serve` on loopback, spoken to with curl: status
# codes, content types, French error pages, JSON errors, limits, security
# headers, the server still serving after bad requests, and the access log
# (one line per request, query values left out, the request id shared with
# the X-Request-Id header and the error page).
. "$(dirname "$0")/lib.bash"
db=$(test_database serve_http)
web_account "$db" manager || { fail "no account made"; finish; exit 1; }
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log "$tmp/access.log" --quiet &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
web_login "$base" || { fail "log-in"; finish; exit 1; }
# A session's requests: its cookies, and its form token with writes.
S=(-b "$WEB_JAR")

# get EXPECTED_STATUS EXPECTED_TYPE PATH [curl args…]
get() {
    local want=$1 type=$2 path=$3; shift 3
    local got
    got=$(curl -s -o "$tmp/out" -D "$tmp/headers" -w '%{http_code} %{content_type}' "$@" "$base$path")
    if [[ "$got" == "$want $type"* ]]; then ok; else fail "$path: got '$got', expected '$want $type'"; fi
}

get 200 "text/html; charset=utf-8" /
expect_out '<html lang="fr">'
grep -qi '^content-security-policy: default-src .self.' "$tmp/headers" && ok || fail "no CSP header"
grep -qi '^x-content-type-options: nosniff' "$tmp/headers" && ok || fail "no nosniff header"
grep -qi '^x-frame-options: DENY' "$tmp/headers" && ok || fail "no X-Frame-Options"
get 200 "text/html; charset=utf-8" "/territoire?profession=cd&mesure=nearest"

# The access log: the line of that request, without the query's values.
sleep 0.2
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z [0-9a-f]{8}-[0-9a-f]{6} 127\.0\.0\.1 GET /territoire\?profession=&mesure= 200 [0-9.]+ms account=-$' "$tmp/access.log" &&
    ok || { fail "no access-log line for /territoire"; tail -3 "$tmp/access.log" >&2; }
grep -q 'nearest' "$tmp/access.log" && fail "a query value reached the access log" || ok
# The request id: in the header, on the error page and in the log line.
curl -s -o "$tmp/out" -D "$tmp/headers" "$base/commune/99999?profession=mg"
rid=$(tr -d '\r' <"$tmp/headers" | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
[[ "$rid" =~ ^[0-9a-f]{8}-[0-9a-f]{6}$ ]] && ok || fail "no X-Request-Id header: '$rid'"
grep -q "Référence de la demande : <code>$rid</code>" "$tmp/out" && ok || fail "the error page does not show $rid"
sleep 0.2
grep -q " $rid 127.0.0.1 GET /commune/99999?profession= 404 " "$tmp/access.log" && ok ||
    fail "no access-log line with the request id $rid"
get 200 "text/html; charset=utf-8" /commune/11304
get 200 "text/css" /static/style.css
get 200 "application/json" "/api/v1/communes?profession=mk"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["communes"])==433' "$tmp/out" && ok || fail "communes JSON"
get 200 "image/svg+xml" "/carte.svg?profession=inf"
xmllint --noout "$tmp/out" && ok || fail "SVG map is not well-formed XML"
get 200 "image/png" "/carte.png?profession=mg"
get 200 "text/csv" "/telecharger/communes.csv?profession=mg"

# gzip: a visitor's page and download compressed for a client that asks,
# the same bytes once inflated; not without asking, nor with q=0; never a
# page holding a form token (the log-in page) or a signed-in account's.
curl -s -o "$tmp/plain" "$base/territoire"
get 200 "text/html; charset=utf-8" /territoire -H 'Accept-Encoding: gzip'
grep -qi '^content-encoding: gzip' "$tmp/headers" && ok || fail "/territoire not gzipped"
grep -qi '^vary: accept-encoding' "$tmp/headers" && ok || fail "no Vary with a compressible page"
gzip -dc <"$tmp/out" | cmp -s - "$tmp/plain" && ok || fail "the gzipped page differs once inflated"
[ "$(stat -c %s "$tmp/out")" -lt "$(( $(stat -c %s "$tmp/plain") / 4 ))" ] && ok ||
    fail "the gzipped page is not 4 times smaller"
get 200 "text/csv" "/telecharger/communes.csv?profession=mg" -H 'Accept-Encoding: br, gzip;q=0.5'
grep -qi '^content-encoding: gzip' "$tmp/headers" && ok || fail "the CSV is not gzipped"
for args in "/territoire -H Accept-Encoding:gzip;q=0" "/territoire" "/connexion -H Accept-Encoding:gzip"; do
    # shellcheck disable=SC2086
    get 200 "text/html; charset=utf-8" $args
    grep -qi '^content-encoding' "$tmp/headers" && fail "compressed: $args" || ok
done
get 200 "text/html; charset=utf-8" /territoire -H 'Accept-Encoding: gzip' "${S[@]}"
grep -qi '^content-encoding' "$tmp/headers" && fail "a signed-in page was compressed" || ok

# Bad requests: 4xx with a French page (or JSON under /api), no detail leaked.
get 400 "text/html" "/territoire?profession=xx"
expect_out 'Profession inconnue'
get 400 "text/html" "/territoire?profession=%C3%28"
get 404 "text/html" /commune/99999
expect_out 'Page introuvable'
get 404 "application/json" /api/v1/scenarios/424242
expect_out '"status": *404'
get 400 "application/json" /api/v1/evaluate -X POST -H 'Content-Type: application/json' --data '{"profession":"mg","actions":[{"kind":"gp"}]}'
expect_out 'action 1'
get 400 "application/json" /api/v1/evaluate -X POST -H 'Content-Type: application/json' --data '{nope'
get 405 "text/html" /territoire -X PUT
grep -qi '^allow: GET, HEAD' "$tmp/headers" && ok || fail "405 without Allow"
head -c 2000000 /dev/zero | tr '\0' a >"$tmp/big"
get 413 "application/json" /api/v1/evaluate -X POST -H 'Content-Type: application/json' --data-binary @"$tmp/big"
get 404 "text/html" "/static/../CMakeLists.txt" --path-as-is
if grep -Eq 'sqlite|/work/|\.c:[0-9]' "$tmp/out"; then fail "internal detail leaked"; else ok; fi

# A scenario through the forms, as the manager of an organisation.
get 303 "" /scenarios -X POST "${S[@]}" --data "nom=Essai&profession=mg&organisation=$WEB_ORG&csrf=$WEB_CSRF"
loc=$(grep -i '^location:' "$tmp/headers" | tr -d '\r' | cut -d' ' -f2)
[[ "$loc" == /scenarios/* ]] && ok || fail "no redirect to the scenario ($loc)"
get 303 "" "$loc/actions" -X POST "${S[@]}" --data "kind=mobile_consultation&commune=11021&days_per_month=4&csrf=$WEB_CSRF"
get 200 "text/html" "$loc" "${S[@]}"
expect_out 'consultation itinérante'
get 200 "application/json" "/api/v1$loc/evaluation" "${S[@]}"
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
ch={c["code_insee"]:c["change"] for c in d["communes"]}
assert ch["11021"]>0 and d["after"]["territory"]["mean"]>d["before"]["territory"]["mean"]' "$tmp/out" && ok || fail "scenario evaluation"

# Still serving after all that.
get 200 "text/html" /methode
# Requests from elsewhere (issue 11): a Host the server does not answer to
# (DNS rebinding) is 421; a write sent by a page of another site (Origin,
# or Referer without Origin) is 403 and changes nothing; the same write from
# this site, or from no page at all (a script), goes through.
port=$(cat "$tmp/port")
get 421 "text/html; charset=utf-8" / -H "Host: evil.example:$port"
get 421 "application/json" /api/v1/scenarios -H "Host: evil.example"
get 200 "text/html; charset=utf-8" / -H "Host: localhost:$port"
forge="nom=Forge&profession=mg&organisation=$WEB_ORG&csrf=$WEB_CSRF"
get 403 "text/html; charset=utf-8" /scenarios -X POST "${S[@]}" --data "$forge" \
    -H "Origin: http://evil.example"
get 403 "text/html; charset=utf-8" /scenarios -X POST "${S[@]}" --data "$forge" \
    -H "Referer: http://evil.example/page.html"
get 403 "application/json" /api/v1/scenarios -X POST "${S[@]}" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $WEB_CSRF" --data '{"name":"Forge","profession":"mg","actions":[]}' -H "Origin: null"
get 403 "text/html; charset=utf-8" /scenarios -X POST "${S[@]}" --data "$forge" \
    -H "Origin: http://127.0.0.1:1"
# A form of this site without its token (what another site's form would
# send with the session's cookie if it got past the Origin check), or with
# a wrong one, is refused.
get 403 "text/html; charset=utf-8" /scenarios -X POST "${S[@]}" \
    --data "nom=Forge&profession=mg&organisation=$WEB_ORG"
expect_out 'Le formulaire a expiré ou ne vient pas de ce site'
get 403 "text/html; charset=utf-8" /scenarios -X POST "${S[@]}" \
    --data "nom=Forge&profession=mg&organisation=$WEB_ORG&csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
# A plain HTML form can post text/plain to the API: no form token can ride
# with it (403); with the token in its header, it must still say JSON.
get 403 "application/json" /api/v1/scenarios -X POST "${S[@]}" -H 'Content-Type: text/plain' \
    --data '{"name":"Forge","profession":"mg","actions":[]}'
get 415 "application/json" /api/v1/scenarios -X POST "${S[@]}" -H 'Content-Type: text/plain' \
    -H "X-CSRF-Token: $WEB_CSRF" --data '{"name":"Forge","profession":"mg","actions":[]}'
get 415 "application/json" /api/v1/evaluate -X POST \
    --data '{"profession":"mg","actions":[]}'
curl -s "${S[@]}" "$base/api/v1/scenarios?limit=200" | grep -q '"Forge"' && fail "a forged write changed something" || ok
# Without an account, no scenario is written: 401.
get 401 "text/html; charset=utf-8" /scenarios -X POST --data 'nom=Anonyme&profession=mg'
get 303 "" /scenarios -X POST "${S[@]}" -H "Origin: $base" \
    --data "nom=Du+site&profession=mg&organisation=$WEB_ORG&csrf=$WEB_CSRF"
get 200 "text/html; charset=utf-8" / -H "Origin: http://evil.example"
# --public-url: the names people use are answered, others are not.
expect_exit 2 "$MAILLAGE" serve "${demo[@]}" --public-url sante.example.fr
expect_err 'public-url sante.example.fr: expected http'
web_account "$tmp/p2.sqlite" contributor || fail "no account on the second server"
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port2" --database "$tmp/p2.sqlite" \
    --public-url https://sante.example.fr --access-log off --quiet &
pid2=$!
for _ in $(seq 1 600); do [ -s "$tmp/port2" ] && break; sleep 0.1; done
b2="http://127.0.0.1:$(cat "$tmp/port2")"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -H 'Host: sante.example.fr' "$b2/")" = 200 ] && ok || fail "public URL's host not answered"
[ "$(code -H 'Host: SANTE.example.fr:443' "$b2/")" = 200 ] && ok || fail "host with port and capitals not answered"
[ "$(code "$b2/")" = 200 ] && ok || fail "the listening address itself not answered"
[ "$(code -H 'Host: evil.example' "$b2/")" = 421 ] && ok || fail "another host answered"
# Served over HTTPS (the public URL says so): cookies are Secure.
curl -s -o /dev/null -D "$tmp/h2" -H 'Host: sante.example.fr' "$b2/connexion"
grep -qi '^set-cookie: mg_pre=[A-Za-z0-9_-]*; Path=/; HttpOnly; SameSite=Lax; Secure' "$tmp/h2" && ok ||
    fail "pre-session cookie not Secure behind an https public URL: $(grep -i set-cookie "$tmp/h2")"
web_login "$b2" "$tmp/jar2" 2>/dev/null  # curl keeps Secure cookies off plain http: no session
[ "$(code -b "$tmp/jar2" -X POST --data "nom=A&profession=mg&organisation=$WEB_ORG" -H 'Host: sante.example.fr' \
    -H 'Origin: https://sante.example.fr' "$b2/scenarios")" = 401 ] && ok || fail "a write without session was not refused"
kill "$pid2"; wait "$pid2" 2>/dev/null
finish
