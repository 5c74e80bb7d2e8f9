#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs them on
# copies of their seed corpora, sharing a budget of SECONDS in all
# (default 600; at least 5 s a target). A crash fails the run and leaves
# the reproducer in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-600}
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMG_FUZZ=ON -DMG_TESTS=OFF >/dev/null
targets=$(for src in fuzz/fuzz_*.c; do basename "$src" .c; done)
# shellcheck disable=SC2086
cmake --build build-fuzz -j"$(nproc)" --target $targets >/dev/null
mkdir -p build-fuzz/crashes
count=$(echo "$targets" | wc -w)
seconds=$((budget / count))
[ "$seconds" -ge 5 ] || seconds=5
status=0
for src in fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    work=build-fuzz/corpus/$name
    mkdir -p "$work"
    cp -r "fuzz/corpus/$name/." "$work/"
    if LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" build-fuzz/fuzz/"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=build-fuzz/crashes/"$name"- "$work" >build-fuzz/"$name".log 2>&1; then
        echo "fuzz $name: ${seconds}s, $(grep -o 'stat::number_of_executed_units: [0-9]*' build-fuzz/"$name".log | tail -1 | grep -o '[0-9]*$' || echo '?') runs, no crash" >&2
    else
        echo "fuzz $name: FAILED (see build-fuzz/$name.log)" >&2
        tail -30 build-fuzz/"$name".log >&2
        status=1
    fi
done
exit $status
