#!/usr/bin/env bash
# Black-box: the audit trail of a database written by `maillage serve`.
# Changes made through the pages are in the trail; `maillage audit verify`
# passes (exit 0) and names the first altered entry once the table is
# tampered with behind the program's back (exit 1); `export` writes one JSON
# line per entry, personal values left out. SQLite always; the same on
# PostgreSQL when MG_TEST_PG_URI is set.
. "$(dirname "$0")/lib.bash"
pid=
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT

# changes DB: a manager (made with the command line: its organisation,
# account and membership are audited too) creates a scenario, adds an
# action and deletes it through the pages.
changes() {
    local db=$1
    web_account "$db" manager || { fail "no account ($db)"; return 1; }
    rm -f "$tmp/port"
    "$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
        --access-log off --quiet &
    pid=$!
    for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    [ -s "$tmp/port" ] || { fail "server did not start on $db"; return 1; }
    local base="http://127.0.0.1:$(cat "$tmp/port")"
    web_login "$base" || { fail "log-in ($db)"; return 1; }
    curl -s -o /dev/null -D "$tmp/h" -b "$WEB_JAR" -X POST \
        --data "nom=Audit+noir&profession=mg&organisation=$WEB_ORG&csrf=$WEB_CSRF" "$base/scenarios"
    local id
    id=$(tr -d '\r' <"$tmp/h" | sed -n 's#^[Ll]ocation: /scenarios/##p')
    [ -n "$id" ] && ok || { fail "no scenario created ($db)"; return 1; }
    curl -s -o /dev/null -b "$WEB_JAR" -X POST --data "kind=gp&commune=11069&csrf=$WEB_CSRF" \
        "$base/scenarios/$id/actions"
    curl -s -o /dev/null -b "$WEB_JAR" -X POST --data "confirmer=oui&csrf=$WEB_CSRF" \
        "$base/scenarios/$id/supprimer"
    kill "$pid"; wait "$pid" 2>/dev/null; pid=
}

# check DB TAMPER…: verify, export, tamper with TAMPER, verify again.
check() {
    local db=$1; shift
    expect_exit 0 "$MAILLAGE" audit verify --database "$db"
    expect_out '^[0-9]+ entrées, chaîne intacte'
    expect_exit 0 "$MAILLAGE" audit export --database "$db" --out "$tmp/export.jsonl"
    python3 - "$tmp/export.jsonl" "$WEB_ORG" "$WEB_EMAIL" <<'PY' && ok || fail "export ($db)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
org, email = int(sys.argv[2]), sys.argv[3]
# Every entry follows the one before it.
assert all(b["prev_hash"] == a["hash"] for a, b in zip(lines, lines[1:]))
# The command line's organisation and account come first, by the system.
kinds = [l["object_type"] for l in lines]
assert "organisation" in kinds and "account" in kinds, kinds
# The scenario's life, by the manager, for their organisation.
sc = [l for l in lines if l["object_type"] == "scenario"]
assert [l["verb"] for l in sc] == ["create", "update", "delete"], sc
assert all(l["account_id"] and l["organisation_id"] == org for l in sc), sc
# The e-mail address is recorded as changed, never written out.
assert email not in open(sys.argv[1]).read()
PY
    "$@" >/dev/null 2>&1 || { fail "could not tamper with $db"; return; }
    expect_exit 1 "$MAILLAGE" audit verify --database "$db"
    expect_out 'entrée 2 .*modifiée'
}

db="$tmp/audit.sqlite"
changes "$db" && check "$db" sqlite3 "$db" \
    "DROP TRIGGER IF EXISTS audit_entries_no_update; UPDATE audit_entries SET verb = 'approve' WHERE seq = 2;"
expect_exit 3 "$MAILLAGE" audit verify --database "$tmp/nulle-part.sqlite"
expect_exit 2 "$MAILLAGE" audit verify

if [ -n "${MG_TEST_PG_URI:-}" ]; then
    u=$(pg_database mg_test_audit_cli)
    changes "$u" && check "$u" psql -q -X "$u" -c \
        "ALTER TABLE audit_entries DISABLE TRIGGER USER; UPDATE audit_entries SET verb = 'approve' WHERE seq = 2;"
else
    echo "PostgreSQL: MG_TEST_PG_URI not set, its half of this test not run"
fi
finish
