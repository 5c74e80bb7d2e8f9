#!/usr/bin/env bash
# Every test: installs what is missing, then
#   1. builds and runs the whole suite (unit, CLI black-box, golden data,
#      fuzz corpora) under CTest;
#   2. builds and runs it again with AddressSanitizer and UBSan;
#   3. builds the libFuzzer targets with clang and fuzzes each for a while
#      (MG_FUZZ_SECONDS, default 20) starting from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/install-deps.sh test

echo "== build and test" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs" >/dev/null
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer" >&2
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMG_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzzing" >&2
scripts/fuzz.sh "${MG_FUZZ_SECONDS:-20}"
