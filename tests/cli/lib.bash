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
