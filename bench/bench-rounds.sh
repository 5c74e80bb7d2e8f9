#!/usr/bin/env bash
# Rounds of a mobile service (issue 18): 400 candidate stops of the Aude, 3
# vehicles, 5 days; the heuristic (4 s limit, REPEATS seeds) checked plan by
# plan, the LP bound and the gap, with a reference computation measured in
# the same run (bench/README.md, "Rounds"). Exits 1 when the heuristic's
# median time is over 5 s.
# Usage: bench/bench-rounds.sh [REPEATS] [HEURISTIC_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
limit=${2:-4}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_rounds >/dev/null
echo "load: $(uptime)"
build-bench/bench/bench_rounds data/demo/france data/demo/11-aude "$repeats" "$limit"
