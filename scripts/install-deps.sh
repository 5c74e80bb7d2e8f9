#!/usr/bin/env bash
# Installs the Debian 12 packages maillage needs, only those missing.
# Usage: scripts/install-deps.sh [build|test|bench]   (test adds the test
# tools; bench, the load generators of bench/bench-web.sh and bench-load.sh)
# Runs apt-get as root directly, or through sudo for another user.
set -euo pipefail

build_pkgs=(gcc make cmake pkg-config libjansson-dev zlib1g-dev libreadosm-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libsodium-dev libcurl4-openssl-dev liboath-dev libzip-dev libxml2-dev
            libproj-dev proj-data librsvg2-dev libcairo2-dev libpango1.0-dev libxlsxwriter-dev coinor-libcbc-dev libical-dev)
test_pkgs=(libcmocka-dev python3 clang libfuzzer-14-dev libclang-rt-14-dev gdal-bin curl libxml2-utils
           chromium nodejs npm postgresql wrk sqlite3 python3-openpyxl poppler-utils python3-jsonschema python3-icalendar)
bench_pkgs=(wrk curl python3)

want=("${build_pkgs[@]}")
case "${1:-build}" in
build) ;;
test) want+=("${test_pkgs[@]}") ;;
bench) want+=("${bench_pkgs[@]}") ;;
*) echo "usage: scripts/install-deps.sh [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    # A nodejs package from outside Debian (NodeSource) ships npm itself and
    # conflicts with Debian's npm package: a working npm command will do.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo available" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
