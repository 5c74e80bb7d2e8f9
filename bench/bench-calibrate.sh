#!/usr/bin/env bash
# The calibration and its hold-out check, timed (issue: trusting the map).
# On the national DREES file of GPs (data/demo/france/drees-apl-2021, or
# $1), in Release: one whole `maillage access` on France with the shipped
# model (the baseline, measured in the same run), the fit alone on 1 and on
# 2 threads, and the fit with leave-one-département-out cross-validation on
# 2 threads. Prints each time and its ratio to the baseline, the number of
# evaluations and the figures the calibration prints.
set -euo pipefail
cd "$(dirname "$0")/.."
national=${1:-data/demo/france/drees-apl-2021}
prog=bench-calibrate
[ -f "$national/apl_mg_2021.csv" ] || [ -f "$national/apl_mg_2021.csv.gz" ] || { echo "$prog: no national file in $national" >&2; exit 3; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target maillage >/dev/null
m=build-bench/maillage
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=(--bundle "$national" --france data/demo/france --quiet)
now() { date +%s.%N; }
t0=$(now)
"$m" access "${args[@]}" --allow-missing --out "$tmp/france.csv"
t1=$(now)
base=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
printf 'baseline: maillage access on France, shipped model: %.2f s\n' "$base"
run() { # LABEL OPTIONS…
    local label=$1
    shift
    local s e
    s=$(now)
    "$m" calibrate --bundle "$national" --france data/demo/france --uncalibrated \
        --out "$tmp/fit.txt" --report "$tmp/report.csv" "$@" 2>"$tmp/log"
    e=$(now)
    local dt
    dt=$(awk -v a="$s" -v b="$e" 'BEGIN { print b - a }')
    printf '%s: %.1f s (%.0f x the baseline)\n' "$label" "$dt" "$(awk -v a="$dt" -v b="$base" 'BEGIN { print a / b }')"
    grep -E '^(fit|cross-validation|maillage calibrate):' "$tmp/log" | sed 's/^/  /'
}
run "fit, 1 thread" --no-cv --threads 1
run "fit, 2 threads" --no-cv --threads 2
run "fit and cross-validation, 2 threads" --threads 2
