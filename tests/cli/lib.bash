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

# web_account DB [ROLE [KIND]]: an organisation (an example, of KIND, by
# default a département) and an account with ROLE (default manager) in
# it, made with the command line in database DB; sets WEB_ORG, WEB_EMAIL
# and WEB_PASSWORD. The e-mail is unique to the call.
web_account() {
    local db=$1 role=${2:-manager} kind=${3:-departement}
    web_account_serial=$(( ${web_account_serial:-0} + 1 ))
    WEB_ORG=$("$MAILLAGE" organisation add --database "$db" --kind "$kind" \
        --name "Organisation d'essai $web_account_serial-$$ (exemple)") || return 1
    WEB_EMAIL="$role.$web_account_serial.$$@essai.invalid"
    WEB_PASSWORD="mot de passe d'essai $web_account_serial"
    printf '%s\n' "$WEB_PASSWORD" | "$MAILLAGE" user add --database "$db" --email "$WEB_EMAIL" \
        --name "Compte d'essai (exemple)" --organisation "$WEB_ORG" --role "$role" \
        --password-file - >/dev/null || return 1
}

# web_login BASE [JAR]: logs WEB_EMAIL in on the server at BASE as a browser
# does (the log-in page's pre-session cookie and form token, then the
# form), cookies in JAR (default "$tmp/jar"); sets WEB_JAR and WEB_CSRF, the
# session's form token, to send as the "csrf" field of forms or the
# X-CSRF-Token header of JSON writes.
web_login() {
    local base=$1
    WEB_JAR=${2:-$tmp/jar}
    rm -f "$WEB_JAR"
    local page csrf
    page=$(curl -s -c "$WEB_JAR" -b "$WEB_JAR" "$base/connexion") || return 1
    csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -n 1)
    [ -n "$csrf" ] || { echo "web_login: no form token on /connexion" >&2; return 1; }
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -c "$WEB_JAR" -b "$WEB_JAR" "$base/connexion" \
        --data-urlencode "email=$WEB_EMAIL" --data-urlencode "password=$WEB_PASSWORD" \
        --data-urlencode "csrf=$csrf")
    [ "$code" = 303 ] || { echo "web_login: log-in answered $code" >&2; return 1; }
    page=$(curl -s -c "$WEB_JAR" -b "$WEB_JAR" "$base/compte") || return 1
    WEB_CSRF=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -n 1)
    [ -n "$WEB_CSRF" ] || { echo "web_login: no session form token on /compte" >&2; return 1; }
}
