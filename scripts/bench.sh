#!/usr/bin/env bash
# Benchmarks (figures with ratios to baselines measured in the same run).
# Usage: scripts/bench.sh [REPEATS]   — see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_france >/dev/null
build-bench/bench/bench_france data/demo/france "${1:-5}"
