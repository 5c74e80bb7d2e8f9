#!/usr/bin/env bash
# Every test: installs what is missing, then
#   1. builds and runs the whole suite (unit, CLI black-box, golden data,
#      browser, fuzz corpora) under CTest, with a throw-away PostgreSQL
#      cluster (scripts/pg-test-cluster.sh) so that the tests that use a
#      database run on SQLite and again on PostgreSQL (MG_TEST_PG_URI);
#   2. builds and runs it again with AddressSanitizer and UBSan (SQLite
#      only; the browser tests and the tests labelled optimised-only —
#      load, durability, crawl — stay in the optimised pass);
#   3. builds the libFuzzer targets with clang and fuzzes them from their
#      seed corpora, sharing a fixed budget (MG_FUZZ_SECONDS in all,
#      default 240).
# Each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$SECONDS
stage_start=$SECONDS
stage() {
    echo "== $1 ($((SECONDS - stage_start)) s for the last stage, $((SECONDS - start)) s in all)" >&2
    stage_start=$SECONDS
}

stage "installing what is missing"
scripts/install-deps.sh test

# The cluster lives in a temporary folder and is stopped whatever happens.
pgdir=$(mktemp -d /tmp/maillage-pg.XXXXXX)
trap 'scripts/pg-test-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT
stage "starting PostgreSQL"
MG_TEST_PG_URI=$(scripts/pg-test-cluster.sh start "$pgdir")
export MG_TEST_PG_URI

stage "build and test (SQLite and PostgreSQL)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
ctest --test-dir build --output-on-failure -j"$jobs"
scripts/pg-test-cluster.sh stop "$pgdir" >/dev/null
unset MG_TEST_PG_URI

stage "AddressSanitizer + UndefinedBehaviorSanitizer (SQLite)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMG_SANITIZE=ON -DMG_BROWSER_TESTS=OFF >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE optimised-only

stage "fuzzing"
scripts/fuzz.sh "${MG_FUZZ_SECONDS:-240}"
stage "done"
