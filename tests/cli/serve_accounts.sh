#!/usr/bin/env bash
# Black-box: accounts and organisations in `maillage serve`. The first
# organisations and accounts are made with the command line on a fresh
# SQLite database (the flow ages a session by rewriting its times with
# sqlite3); the server sends its mail to a local SMTP sink every second and
# trusts X-Forwarded-For from 127.0.0.1, so that each scenario of
# accounts_flow.py speaks from its own client address (the slow-down of
# failures is per address). accounts_flow.py drives the pages and counts
# its own assertions; this script checks what only it can see: the
# server's log and its clean stop.
. "$(dirname "$0")/lib.bash"
db="$tmp/accounts.sqlite"

# The operator (the deploying Département) and its administrator; an
# intercommunalité with its administrator and a manager.
pw_operator="mot de passe de l'administrateur"
pw_org_admin="mot de passe du président"
pw_manager="mot de passe de la gestionnaire"
make_accounts() {
    "$MAILLAGE" organisation add --database "$db" --name "Conseil départemental de l'Aude" \
        --kind departement --operator >"$tmp/org1" || return 1
    "$MAILLAGE" organisation add --database "$db" --name "Communauté de communes du Limouxin" \
        --kind epci --siret "200 043 776 00018" >"$tmp/org2" || return 1
    org1=$(grep -Eo '[0-9]+' "$tmp/org1" | head -n 1)
    org2=$(grep -Eo '[0-9]+' "$tmp/org2" | head -n 1)
    printf '%s\n' "$pw_operator" | "$MAILLAGE" user add --database "$db" \
        --email admin@aude.example --name "Anne Administratrice" --organisation "$org1" \
        --role administrator --password-file - >/dev/null || return 1
    printf '%s\n' "$pw_org_admin" | "$MAILLAGE" user add --database "$db" \
        --email president@limouxin.example --name "Paul Président" --organisation "$org2" \
        --role administrator --password-file - >/dev/null || return 1
    printf '%s\n' "$pw_manager" | "$MAILLAGE" user add --database "$db" \
        --email gestion@limouxin.example --name "Gaëlle Gestionnaire" --organisation "$org2" \
        --role manager --password-file - >/dev/null || return 1
}
make_accounts && ok || { fail "the command line did not make the first accounts"; finish; exit 1; }
python3 - "$tmp/accounts.json" "$org2" "$pw_operator" "$pw_org_admin" "$pw_manager" <<'PY'
import json, sys
path, org, op, adm, mgr = sys.argv[1:]
json.dump({"operator": {"email": "admin@aude.example", "password": op},
           "org_admin": {"email": "president@limouxin.example", "password": adm},
           "manager": {"email": "gestion@limouxin.example", "password": mgr},
           "org_id": int(org)}, open(path, "w", encoding="utf-8"))
PY

smtp_sink_start "$tmp/mail" || { fail "no SMTP sink"; finish; exit 1; }
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --access-log "$tmp/access.log" --quiet --trusted-proxy 127.0.0.1 \
    --smtp-relay "smtp://127.0.0.1:$SMTP_SINK_PORT" --mail-from maillage@aude.example \
    --mail-interval 1 2>"$tmp/server.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; cat "$tmp/server.err" >&2; finish; exit 1; }

if python3 -B "$(dirname "$0")/accounts_flow.py" "http://127.0.0.1:$(cat "$tmp/port")" "$db" \
    "$tmp/mail" "$tmp/accounts.json"; then ok; else fail "accounts_flow.py"; fi

# No secret reaches the access log: links and forms keep their values out.
if grep -Eq 'mgt_|jeton=[A-Za-z0-9_-]|mot de passe|mot%20de' "$tmp/access.log"; then
    fail "a secret reached the access log"; grep -E 'mgt_|jeton=[A-Za-z0-9_-]' "$tmp/access.log" | head -3 >&2
else ok; fi
grep -q ' POST /connexion 429 ' "$tmp/access.log" && ok || fail "no 429 in the access log"

# A clean stop: status 0, no sanitizer report (this script also runs
# against the AddressSanitizer build).
kill "$pid"
wait "$pid"
status=$?
[ "$status" -eq 0 ] && ok || fail "the server stopped with status $status"
if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$tmp/server.err"; then
    fail "sanitizer report"; head -20 "$tmp/server.err" >&2
else ok; fi
finish
