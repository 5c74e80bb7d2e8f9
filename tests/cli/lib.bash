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
