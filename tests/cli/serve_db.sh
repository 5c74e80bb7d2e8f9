# Black-box: `maillage serve` and its database, on SQLite and, when
# MG_TEST_PG_URI is set (scripts/test.sh starts a throw-away cluster), on
# PostgreSQL:
#   - two server processes on one database see each other's writes, and
#     actions added at the same time through both are all kept;
#   - kill -9 of the server during a stream of acknowledged writes loses
#     none of them;
#   - a write lock held by another program: the write gets 503 with
#     Retry-After after the bounded wait, while the pages keep answering;
#   - a backup taken while the server runs, as docs/deployment.md says
#     (sqlite3 .backup; pg_dump -Fc), restored into a new database and
#     served, holds what was written.
# shellcheck source=lib.bash
. "$(dirname "$0")/lib.bash"

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME DATABASE [ARGS…]: serves in the background; sets port_NAME.
start() {
    local name=$1 db=$2; shift 2
    rm -f "$tmp/port-$name"
    "$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port-$name" --database "$db" \
        --quiet "$@" 2>>"$tmp/log-$name" &
    pids+=($!)
    eval "pid_$name=$!"
    for _ in $(seq 1 600); do [ -s "$tmp/port-$name" ] && break; sleep 0.1; done
    if [ ! -s "$tmp/port-$name" ]; then
        fail "server $name did not start on $db"; sed 's/^/  log: /' "$tmp/log-$name" >&2
        return 1
    fi
    eval "port_$name=$(cat "$tmp/port-$name")"
    # A manager of an organisation of this database, logged in once: its
    # session is in the database, so every server on it honours the cookie.
    if [ "${logged_db:-}" != "$db" ]; then
        web_account "$db" manager && web_login "http://127.0.0.1:$(cat "$tmp/port-$name")" \
            "$tmp/jar" || { fail "log-in on $db"; return 1; }
        logged_db=$db
        S=(-b "$tmp/jar" -H "X-CSRF-Token: $WEB_CSRF")
    fi
}

# create PORT NAME: a new empty GP scenario through the API; prints its id.
create() {
    curl -s -o "$tmp/created" -w '%{http_code}' -X POST "${S[@]}" -H 'Content-Type: application/json' \
        --data "{\"name\":\"$2\",\"profession\":\"mg\",\"actions\":[]}" \
        "http://127.0.0.1:$1/api/v1/scenarios" >"$tmp/code"
    [ "$(cat "$tmp/code")" = 201 ] || return 1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$tmp/created"
}

# actions PORT ID: how many actions scenario ID has.
actions() {
    curl -s "${S[@]}" "http://127.0.0.1:$1/api/v1/scenarios/$2" |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["actions"]))'
}

two_servers() {
    local db=$1
    start a "$db" || return
    start b "$db" || return
    local id
    id=$(create "$port_a" "Écrit par A") || { fail "create on A ($db)"; return; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "${S[@]}" "http://127.0.0.1:$port_b/api/v1/scenarios/$id")
    [ "$code" = 200 ] && ok || fail "server B does not see A's scenario ($db): $code"

    # 15 actions through each server at once, with the HTML form.
    for port in "$port_a" "$port_b"; do
        (for k in $(seq 1 15); do
            curl -s -o /dev/null -w '%{http_code}\n' -X POST "${S[@]}" \
                --data "kind=gp&commune=11069&count=$k" \
                "http://127.0.0.1:$port/scenarios/$id/actions"
        done >"$tmp/codes-$port") &
    done
    wait_jobs
    bad=$(grep -cv '^303$' "$tmp/codes-$port_a" "$tmp/codes-$port_b" | awk -F: '{s+=$2} END {print s}')
    [ "$bad" = 0 ] && ok || fail "$bad form posts not answered 303 ($db)"
    n=$(actions "$port_b" "$id")
    [ "$n" = 30 ] && ok || fail "concurrent adds through two servers kept $n actions of 30 ($db)"
    kill "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null
    # Their 30 audit entries, appended from two processes at once, form one
    # intact chain.
    expect_exit 0 "$MAILLAGE" audit verify --database "$db"
    expect_out 'chaîne intacte'
    "$MAILLAGE" audit export --database "$db" --out "$tmp/audit.jsonl" 2>/dev/null
    n=$(grep -c '"object_type": *"scenario".*"verb": *"update"' "$tmp/audit.jsonl")
    [ "$n" -ge 30 ] && ok || fail "the audit trail holds $n scenario updates, expected at least 30 ($db)"
}

# Waits for the background subshells, not for the servers.
wait_jobs() {
    local j
    for j in $(jobs -p); do
        case " ${pids[*]} " in *" $j "*) ;; *) wait "$j" ;; esac
    done
}

kill9() {
    local db=$1
    start k "$db" || return
    : >"$tmp/acked"
    # A stream of writes; each acknowledged one (201) is written down.
    (for i in $(seq 1 100000); do
        code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${S[@]}" -H 'Content-Type: application/json' \
            --data "{\"name\":\"flux $i\",\"profession\":\"mg\",\"actions\":[]}" \
            "http://127.0.0.1:$port_k/api/v1/scenarios") || break
        [ "$code" = 201 ] && echo "flux $i" >>"$tmp/acked"
        [ "$code" = 000 ] && break
    done) &
    local writer=$!
    for _ in $(seq 1 100); do [ "$(wc -l <"$tmp/acked")" -ge 40 ] && break; sleep 0.1; done
    kill -9 "$pid_k"
    wait "$writer" 2>/dev/null
    local acked
    acked=$(wc -l <"$tmp/acked")
    [ "$acked" -ge 20 ] && ok || fail "only $acked writes acknowledged before kill -9 ($db)"
    start k2 "$db" || return
    curl -s "${S[@]}" "http://127.0.0.1:$port_k2/api/v1/scenarios?limit=200" >"$tmp/list"
    lost=$(python3 - "$tmp/list" "$tmp/acked" <<'EOF'
import json, sys
have = {s["name"] for s in json.load(open(sys.argv[1]))["scenarios"]}
acked = [l.strip() for l in open(sys.argv[2]) if l.strip()]
print(sum(1 for a in acked if a not in have))
EOF
)
    [ "$lost" = 0 ] && ok || fail "kill -9 lost $lost of $acked acknowledged writes ($db)"
    kill "$pid_k2"; wait "$pid_k2" 2>/dev/null
}

# busy DB LOCKER…: LOCKER holds a write lock for 6 s once it prints "locked".
busy() {
    local db=$1; shift
    start c "$db" --database-wait 500 || return
    local id
    id=$(create "$port_c" "Verrou") || { fail "create before the lock ($db)"; return; }
    "$@" >"$tmp/locker" 2>&1 &
    local locker=$!
    for _ in $(seq 1 100); do grep -q locked "$tmp/locker" && break; sleep 0.05; done
    grep -q locked "$tmp/locker" || { fail "could not take the lock ($db)"; cat "$tmp/locker" >&2; return; }
    local t0 t1
    t0=$(date +%s%N)
    curl -s -D "$tmp/h" -o /dev/null -w '%{http_code}' -X POST "${S[@]}" --data "kind=gp&commune=11069" \
        "http://127.0.0.1:$port_c/scenarios/$id/actions" >"$tmp/code"
    t1=$(date +%s%N)
    [ "$(cat "$tmp/code")" = 503 ] && ok || fail "write under a held lock: $(cat "$tmp/code"), expected 503 ($db)"
    grep -qi '^Retry-After: [0-9]' "$tmp/h" && ok || fail "503 without Retry-After ($db)"
    ms=$(((t1 - t0) / 1000000))
    [ "$ms" -ge 400 ] && [ "$ms" -lt 3000 ] && ok || fail "503 after $ms ms, expected about 500 ($db)"
    for path in / /scenarios "/api/v1/scenarios/$id"; do
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "${S[@]}" "http://127.0.0.1:$port_c$path")
        [ "$code" = 200 ] && ok || fail "GET $path under a held lock: $code ($db)"
    done
    wait "$locker"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${S[@]}" --data "kind=gp&commune=11069" \
        "http://127.0.0.1:$port_c/scenarios/$id/actions")
    [ "$code" = 303 ] && ok || fail "write after the lock went: $code ($db)"
    grep -Eq " POST /scenarios/$id/actions 503 [0-9.]+ms account=[0-9]+ error=\".+\"" "$tmp/log-c" && ok ||
        fail "the busy write left no access-log line with its error for the operator ($db)"
    kill "$pid_c"; wait "$pid_c" 2>/dev/null
}

# backup KIND DB RESTORED: writes, backs up while serving, restores, serves.
backup() {
    local kind=$1 db=$2 restored=$3
    start r "$db" || return
    local id
    id=$(create "$port_r" "À sauvegarder") || { fail "create before backup ($db)"; return; }
    curl -s -o /dev/null -X POST "${S[@]}" --data "kind=gp&commune=11069&count=2" \
        "http://127.0.0.1:$port_r/scenarios/$id/actions"
    if [ "$kind" = sqlite ]; then
        sqlite3 "$db" ".backup '$tmp/backup.sqlite'" && ok || fail "sqlite3 .backup"
        cp "$tmp/backup.sqlite" "$restored"
    else
        pg_dump -Fc -f "$tmp/backup.dump" "$db" && ok || fail "pg_dump"
        pg_restore --no-owner -d "$restored" "$tmp/backup.dump" && ok || fail "pg_restore"
    fi
    kill "$pid_r"; wait "$pid_r" 2>/dev/null
    # The session came along with the rest: the same cookie still works.
    logged_db=$restored
    start r2 "$restored" || return
    n=$(actions "$port_r2" "$id")
    [ "$n" = 1 ] && ok || fail "restored backup: scenario $id has ${n:-no} actions, expected 1 ($kind)"
    # The restored database takes new writes (its id sequence came along).
    create "$port_r2" "Après restauration" >/dev/null && ok || fail "write after restore ($kind)"
    kill "$pid_r2"; wait "$pid_r2" 2>/dev/null
}

sqlite_locker() {
    python3 - "$1" <<'EOF'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(6)
c.execute("ROLLBACK")
EOF
}

pg_locker() {
    # \! runs a shell command: "locked" is printed at once, not when psql
    # flushes its own output.
    printf '%s\n' 'BEGIN;' 'LOCK TABLE scenarios IN EXCLUSIVE MODE;' '\! echo locked' \
        'SELECT pg_sleep(6);' 'ROLLBACK;' | psql -q -X -v ON_ERROR_STOP=1 "$1"
}

sq="$tmp/shared.sqlite"
two_servers "$sq"
kill9 "$tmp/kill9.sqlite"
busy "$tmp/busy.sqlite" sqlite_locker "$tmp/busy.sqlite"
backup sqlite "$tmp/live.sqlite" "$tmp/restored.sqlite"

if [ -n "${MG_TEST_PG_URI:-}" ]; then
    two_servers "$(pg_database mg_test_two)"
    kill9 "$(pg_database mg_test_kill9)"
    u=$(pg_database mg_test_busy)
    busy "$u" pg_locker "$u"
    backup pgsql "$(pg_database mg_test_live)" "$(pg_database mg_test_restored)"
else
    echo "PostgreSQL: MG_TEST_PG_URI not set, its half of this test not run"
fi
finish
