#!/usr/bin/env bash
# Every benchmark, from one command (figures with ratios to baselines
# measured in the same run; see bench/README.md).
# Usage: scripts/bench.sh [france|plan|routing|web|load|all] [REPEATS]
#   france   the pair table and an APL pass on all ~35,000 communes
#   plan     choosing sites on France, heuristic against CBC on the Aude
#   routing  OSM graphs, CH tables against Dijkstra and pgRouting (long:
#            generates a 2-million-node network; needs PostgreSQL)
#   web      the web application under 32 concurrent clients (wrk)
#   load     whether an ordinary request still gets through under 32 to 1,000
#            connections and 500 slow clients (bench/bench-load.sh)
#   all      all five; default: france and plan
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-core}
repeats=${2:-5}
scripts/install-deps.sh build
build_bench() {
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
    cmake --build build-bench -j"$(nproc)" --target bench_france bench_plan >/dev/null
}
case "$what" in
france) build_bench; build-bench/bench/bench_france data/demo/france "$repeats" ;;
plan) build_bench; build-bench/bench/bench_plan data/demo/france data/demo/11-aude "$repeats" ;;
routing) scripts/bench-routing.sh ;;
web) bench/bench-web.sh ;;
load) bench/bench-load.sh ;;
core)
    build_bench
    build-bench/bench/bench_france data/demo/france "$repeats"
    build-bench/bench/bench_plan data/demo/france data/demo/11-aude "$repeats"
    ;;
all)
    "$0" core "$repeats"
    scripts/bench-routing.sh
    bench/bench-web.sh
    bench/bench-load.sh
    ;;
*) echo "usage: scripts/bench.sh [france|plan|routing|web|load|all] [REPEATS]" >&2; exit 2 ;;
esac
