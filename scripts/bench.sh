#!/usr/bin/env bash
# Every benchmark, from one command (figures with ratios to baselines
# measured in the same run; see bench/README.md).
# Usage: scripts/bench.sh [france|plan|calibrate|routing|web|load|finder|contracts|funding|booking|rounds|all] [REPEATS]
#   france   the pair table and an APL pass on all ~35,000 communes, and the
#            whole `maillage access` run on France phase by phase (with the
#            national DREES folder ../shared/data/france/drees-apl-2021 when
#            it is there), crow-fly and with a 1.45 M-row matrix;
#            MG_BENCH_BASELINE=PATH runs another build's maillage in turn
#            with this one and prints the ratio
#   plan     choosing sites on France, heuristic against CBC on the Aude
#   calibrate  the national calibration of the model and its cross-validation
#            (bench/bench-calibrate.sh, about 3 minutes)
#   routing  OSM graphs, CH tables against Dijkstra and pgRouting (long:
#            generates a 2-million-node network; needs PostgreSQL)
#   web      the web application under 32 concurrent clients (wrk)
#   load     whether an ordinary request still gets through under 32 to 1,000
#            connections and 500 slow clients (bench/bench-load.sh)
#   finder   the public finder on 50,000 generated structures under 32
#            concurrent clients (bench/bench-finder.sh; PostgreSQL too with
#            MG_BENCH_PG_URI)
#   contracts a Département's 20 contracts, 600 actions, 5,000 budget lines
#            and 2,000 indicator values: the contract dashboard under 8
#            clients and the PDF bilan of a 30-action contract
#            (bench/bench-contracts.sh; PostgreSQL too with MG_BENCH_PG_URI)
#   funding  the single window: 10,000 subsidy requests over five co-funders,
#            each co-funder's paginated list under 8 clients and its XLSX
#            export (bench/bench-funding.sh; PostgreSQL too with MG_BENCH_PG_URI)
#   booking  the telehealth equipment: 50 sites, 100 devices, 200 teleconsultants,
#            a year of bookings; the next free slots' p99 and booking attempts
#            per second through two server processes, with no lost or duplicated
#            booking (bench/bench-booking.sh; PostgreSQL too with MG_BENCH_PG_URI)
#   rounds   a mobile service's rounds: 400 candidate stops of the Aude, 3
#            vehicles, 5 days; the heuristic (REPEATS seeds, 4 s limit)
#            against the LP bound, with the gap (bench/bench-rounds.sh)
#   all      all eleven; default: france and plan
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-core}
repeats=${2:-5}
scripts/install-deps.sh build
build_bench() {
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
    cmake --build build-bench -j"$(nproc)" --target maillage bench_france bench_plan >/dev/null
}
# The whole run needs a study territory: the national DREES folder.
france_args() {
    local drees=../shared/data/france/drees-apl-2021
    if [ -f "$drees/apl_mg_2021.csv" ]; then
        echo --bundle "$drees" --maillage build-bench/maillage
        [ -n "${MG_BENCH_BASELINE:-}" ] && echo --baseline "$MG_BENCH_BASELINE"
    fi
    return 0
}
case "$what" in
france) build_bench; build-bench/bench/bench_france data/demo/france "$repeats" $(france_args) ;;
plan) build_bench; build-bench/bench/bench_plan data/demo/france data/demo/11-aude "$repeats" ;;
calibrate) bench/bench-calibrate.sh ;;
routing) scripts/bench-routing.sh ;;
web) bench/bench-web.sh ;;
load) bench/bench-load.sh ;;
finder) bench/bench-finder.sh ;;
contracts) bench/bench-contracts.sh ;;
funding) bench/bench-funding.sh ;;
booking) bench/bench-booking.sh ;;
rounds) bench/bench-rounds.sh "$repeats" ;;
core)
    build_bench
    build-bench/bench/bench_france data/demo/france "$repeats" $(france_args)
    build-bench/bench/bench_plan data/demo/france data/demo/11-aude "$repeats"
    ;;
all)
    "$0" core "$repeats"
    bench/bench-calibrate.sh
    scripts/bench-routing.sh
    bench/bench-web.sh
    bench/bench-load.sh
    bench/bench-finder.sh
    bench/bench-contracts.sh
    bench/bench-funding.sh
    bench/bench-booking.sh
    bench/bench-rounds.sh "$repeats"
    ;;
*) echo "usage: scripts/bench.sh [france|plan|calibrate|routing|web|load|finder|contracts|funding|booking|rounds|all] [REPEATS]" >&2; exit 2 ;;
esac
