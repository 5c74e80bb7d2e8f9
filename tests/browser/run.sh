#!/usr/bin/env bash
# Browser and accessibility tests: starts `maillage serve` on loopback with a
# temporary database, runs tests/browser/pages.test.mjs under node's test
# runner (headless Debian Chromium through playwright-core, axe-core), stops
# the server and exits with the tests' status.
#
# Environment: MAILLAGE (the binary, default build/maillage), MG_SOURCE_DIR
# (the source tree, default this script's ../..), MG_SCREENSHOT_DIR (where
# screenshots go, default a new temporary folder, kept and printed).
# Needs /usr/bin/chromium, node >= 18 and npm (scripts/install-deps.sh test
# installs them); fails, rather than skips, when they are missing. Installs
# the locked npm packages (tests/browser/package-lock.json) with `npm ci`
# when node_modules is missing or out of date. Never downloads a browser.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${MG_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${MAILLAGE:-$src/build/maillage}
chromium=/usr/bin/chromium

die() { echo "browser tests: $*" >&2; exit 1; }

[ -x "$bin" ] || die "no maillage binary at $bin (set MAILLAGE)"
[ -x "$chromium" ] || die "$chromium is missing: run scripts/install-deps.sh test (Debian package chromium)"
command -v node >/dev/null 2>&1 || die "node is missing: run scripts/install-deps.sh test (Debian package nodejs)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "node $(node --version) is too old: 18 or later is needed"

# The locked packages, installed again whenever the lockfile changes.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp="$here/node_modules/.maillage-lock-sha256"
want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ] ||
   [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is missing: run scripts/install-deps.sh test (Debian package npm)"
    echo "browser tests: npm ci --prefix tests/browser" >&2
    npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >&2 ||
        die "npm ci failed (the npm registry must be reachable the first time)"
    echo "$want" >"$stamp"
fi

tmp=$(mktemp -d)
server_pid=
stop_server() {
    local rc=0
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" || rc=$?
    fi
    server_pid=
    return "$rc"
}
cleanup() {
    stop_server || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

shots=${MG_SCREENSHOT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/maillage-screenshots.XXXXXX")}
mkdir -p "$shots"

# MG_BROWSER_DATABASE=postgresql: the same walk on PostgreSQL, in a database
# made anew on the test server (MG_TEST_PG_URI); skipped (exit 77) without it.
database="$tmp/db.sqlite"
if [ "${MG_BROWSER_DATABASE:-sqlite}" = postgresql ]; then
    if [ -z "${MG_TEST_PG_URI:-}" ]; then
        echo "browser tests on PostgreSQL: MG_TEST_PG_URI not set, skipped" >&2
        exit 77
    fi
    psql -q -X "$MG_TEST_PG_URI" -c "DROP DATABASE IF EXISTS mg_test_browser" \
        -c "CREATE DATABASE mg_test_browser" >/dev/null 2>&1 || die "cannot create mg_test_browser"
    database=$(python3 -c 'import re,sys; print(re.sub(r"(://[^/]*/)[^?]*", r"\g<1>mg_test_browser", sys.argv[1], count=1))' "$MG_TEST_PG_URI")
fi
"$bin" serve --bundle "$src/data/demo/11-aude" --france "$src/data/demo/france" \
    --port 0 --port-file "$tmp/port" --database "$database" --quiet >"$tmp/server.log" 2>&1 &
server_pid=$!
# About 3 s in a normal build; far longer under AddressSanitizer.
for _ in $(seq 1 1200); do
    grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        sed 's/^/  server: /' "$tmp/server.log" >&2
        server_pid=
        die "the server stopped before listening"
    fi
    sleep 0.1
done
grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null || die "the server did not write its port within 120 s"
base="http://127.0.0.1:$(cat "$tmp/port")"
echo "browser tests: server at $base, screenshots in $shots" >&2

set +e
(cd "$here" && MG_BASE_URL="$base" MG_SCREENSHOT_DIR="$shots" node --test pages.test.mjs)
rc=$?
set -e

# A server that ends badly (a sanitizer report, a crash) fails the run too.
server_rc=0
stop_server || server_rc=$?
if [ "$server_rc" -ne 0 ]; then
    echo "browser tests: the server exited with status $server_rc" >&2
    [ "$rc" -ne 0 ] || rc=1
fi
if [ "$rc" -ne 0 ] || [ "$server_rc" -ne 0 ]; then
    sed 's/^/  server: /' "$tmp/server.log" | tail -50 >&2
fi
echo "browser tests: screenshots:" >&2
ls -1 "$shots"/*.png 2>/dev/null | sed 's/^/  /' >&2 || true
exit "$rc"
