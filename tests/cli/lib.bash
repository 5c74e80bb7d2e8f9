# Shared by the CLI black-box tests (sourced, not run): assertions that
# print what was expected and what came, and count failures.
set -u
fails=0
checks=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
demo=(--bundle "$MG_SOURCE_DIR/data/demo/11-aude" --france "$MG_SOURCE_DIR/data/demo/france")

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { checks=$((checks + 1)); }

# expect_exit CODE CMD...: runs CMD, stdout to $tmp/out, stderr to $tmp/err.
expect_exit() {
    local want=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        fail "exit $got, expected $want: $*"; sed 's/^/  stderr: /' "$tmp/err" | head -5 >&2
    else ok; fi
}

# expect_err REGEX: the last command's stderr matches REGEX (grep -E).
expect_err() {
    if grep -Eq -- "$1" "$tmp/err"; then ok; else
        fail "stderr does not match /$1/"; sed 's/^/  stderr: /' "$tmp/err" | head -5 >&2; fi
}

expect_out() {
    if grep -Eq -- "$1" "$tmp/out"; then ok; else
        fail "stdout does not match /$1/"; head -5 "$tmp/out" | sed 's/^/  stdout: /' >&2; fi
}

finish() {
    echo "$checks passed, $fails failed"
    [ "$fails" -eq 0 ]
}

# pg_database NAME: makes database NAME anew on the test PostgreSQL server
# (MG_TEST_PG_URI, set by scripts/test.sh) and prints its URI.
pg_database() {
    psql -q -X "$MG_TEST_PG_URI" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" \
        >/dev/null 2>&1 || return 1
    python3 -c 'import re,sys; print(re.sub(r"(://[^/]*/)[^?]*", r"\g<1>" + sys.argv[2], sys.argv[1], count=1))' \
        "$MG_TEST_PG_URI" "$1"
}

# test_database NAME: the database a test's server uses: on PostgreSQL when
# MG_TEST_PG_URI is set (the optimised pass), else an SQLite file.
test_database() {
    if [ -n "${MG_TEST_PG_URI:-}" ]; then pg_database "mg_test_$1"; else echo "$tmp/$1.sqlite"; fi
}

# smtp_sink_start DIR [PORT]: starts an SMTP sink (tests/unit/smtp_sink.py) on
# 127.0.0.1 that writes each message it receives to DIR/msg-N.eml (the whole
# message as sent: headers, blank line, body; CRLF line ends; N from 1, or
# after the files already in DIR), a file appearing only once complete. On a
# free port, or PORT (to restart a sink where a server already points).
# Sets SMTP_SINK_PORT and SMTP_SINK_PID, and prints nothing; returns 1 when
# the sink did not start within 5 s. Call it directly, not in $(…): the sink
# ends by itself when the shell that started it ends (no trap needed, and
# none of the script's is replaced); smtp_sink_stop ends it before that.
#     smtp_sink_start "$tmp/mail"
#     maillage serve … --smtp-relay "smtp://127.0.0.1:$SMTP_SINK_PORT" --mail-from …
#     … then read "$tmp/mail"/msg-*.eml
smtp_sink_start() {
    local dir=$1 port=${2:-0} out
    mkdir -p "$dir" || return 1
    out=$(mktemp "$tmp/smtp-sink.XXXXXX")
    python3 -B "$MG_SOURCE_DIR/tests/unit/smtp_sink.py" "$dir" --port "$port" >"$out" 2>&1 &
    SMTP_SINK_PID=$!
    SMTP_SINK_PORT=
    for _ in $(seq 1 50); do
        SMTP_SINK_PORT=$(head -n 1 "$out" 2>/dev/null)
        [[ "$SMTP_SINK_PORT" =~ ^[0-9]+$ ]] && return 0
        kill -0 "$SMTP_SINK_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "smtp_sink_start: no sink on $dir: $(cat "$out")" >&2
    SMTP_SINK_PORT=
    return 1
}

# smtp_sink_stop: ends the sink smtp_sink_start started last (its messages
# stay in its folder); nothing when there is none.
smtp_sink_stop() {
    [ -n "${SMTP_SINK_PID:-}" ] || return 0
    kill "$SMTP_SINK_PID" 2>/dev/null
    wait "$SMTP_SINK_PID" 2>/dev/null
    SMTP_SINK_PID=
}
