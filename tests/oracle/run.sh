#!/usr/bin/env bash
# The opening_hours oracle: writes the C evaluator's answers over a grid of
# instants (MG_OH_DUMP with tests/unit/test_opening_hours, given as $1) and
# has tests/oracle/opening_hours_oracle.mjs check them, and the table of
# tests/data/opening_hours/cases.json, against the npm package
# opening_hours pinned in tests/browser/package-lock.json.
#
# Needs node >= 18 and npm (scripts/install-deps.sh test); fails, rather
# than skips, when they are missing. Shares tests/browser/node_modules with
# the browser tests: installs the locked packages with `npm ci` when they
# are missing or the lockfile changed, with the same stamp as
# tests/browser/run.sh. Never downloads a browser.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${MG_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
test_bin=${1:?usage: run.sh path/to/test_opening_hours}
modules=$src/tests/browser

die() { echo "opening_hours oracle: $*" >&2; exit 1; }

[ -x "$test_bin" ] || die "no test program at $test_bin"
command -v node >/dev/null 2>&1 || die "node is missing: run scripts/install-deps.sh test (Debian package nodejs)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || die "node $(node --version) is too old: 18 or later is needed"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp="$modules/node_modules/.maillage-lock-sha256"
want=$(sha256sum "$modules/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$modules/node_modules/opening_hours" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is missing: run scripts/install-deps.sh test (Debian package npm)"
    echo "opening_hours oracle: npm ci --prefix tests/browser" >&2
    npm ci --prefix "$modules" --no-audit --no-fund --loglevel=error >&2 ||
        die "npm ci failed (the npm registry must be reachable the first time)"
    echo "$want" >"$stamp"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MG_OH_DUMP="$tmp/answers.json" "$test_bin" >"$tmp/unit.log" 2>&1 ||
    { cat "$tmp/unit.log" >&2; die "the unit test failed"; }
[ -s "$tmp/answers.json" ] || die "the unit test wrote no answers"
TZ=UTC node "$here/opening_hours_oracle.mjs" "$src/tests/data/opening_hours/cases.json" "$tmp/answers.json"
