#!/usr/bin/env bash
# Load benchmark of the public finder (not a test): builds maillage and
# bench_finder_gen in Release, generates 50,000 directory structures over the
# Aude's communes (bench/bench_finder_gen.c) into a fresh SQLite database —
# and into PostgreSQL as well when MG_BENCH_PG_URI names a server where a
# database may be made (it is dropped and made anew: mg_bench_finder) —
# serves the Aude on loopback, and measures with wrk, one after the other in
# the same run,
#   - a static file (/static/style.css), the baseline;
#   - /ou-me-soigner?commune=CODE for a random study commune each request
#     (bench/wrk-finder.lua), first right after the server starts (the
#     finder's answers are not kept yet: every commune's first request asks
#     the directory), then again (answers kept, CACHE_SECONDS in finder.c);
# and prints requests/s, p50 and p99 latency and the ratios to the baseline,
# then the issue's target (a finder query p99 under 20 ms at 32 clients).
# See bench/README.md, "The finder".
#
# Usage: bench/bench-finder.sh
# Environment: MG_BENCH_SECONDS (per measurement, default 15),
# MG_BENCH_CONNECTIONS (default 32), MG_BENCH_WRK_THREADS (default 2),
# MG_BENCH_SERVER_THREADS (default 2, as `serve`), MG_BENCH_STRUCTURES
# (default 50000), MG_BENCH_PG_URI (optional, see above), MG_BENCH_BUILD
# (a build folder holding maillage and bench/bench_finder_gen already: no
# build then; default: build-bench, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${MG_BENCH_SECONDS:-15}
conns=${MG_BENCH_CONNECTIONS:-32}
wrk_threads=${MG_BENCH_WRK_THREADS:-2}
server_threads=${MG_BENCH_SERVER_THREADS:-2}
structures=${MG_BENCH_STRUCTURES:-50000}

prog=bench-finder
# shellcheck source=bench/lib.sh
. bench/lib.sh
if [ -n "${MG_BENCH_BUILD:-}" ]; then
    binary=$MG_BENCH_BUILD/maillage
    gen=$MG_BENCH_BUILD/bench/bench_finder_gen
    if [ ! -x "$binary" ] || [ ! -x "$gen" ]; then
        echo "$prog: no maillage or bench_finder_gen in $MG_BENCH_BUILD" >&2
        exit 1
    fi
else
    scripts/install-deps.sh bench
    bench_build
    cmake --build build-bench -j"$(nproc)" --target bench_finder_gen >/dev/null
    gen=build-bench/bench/bench_finder_gen
fi

load0=$(cut -d' ' -f1-3 /proc/loadavg)
export MG_FINDER_CODES="$tmp/codes.txt"

# One database: generate, serve, measure; appends its rows to the table.
measure() { # LABEL DATABASE_URL
    local label=$1 db=$2
    echo "$prog: generating $structures structures into $label" >&2
    "$gen" "$db" data/demo/11-aude data/demo/france "$structures" "$MG_FINDER_CODES" >"$tmp/gen.txt"
    cat "$tmp/gen.txt" >&2
    local import_s
    import_s=$(sed -n 's/.* imported in \([0-9.]*\) s.*/\1/p' "$tmp/gen.txt")
    # lib.sh's server reads $tmp/db.sqlite: PostgreSQL goes through --database.
    serve_finder() { # extra serve options
        rm -f "$tmp/port"
        "$binary" serve --bundle data/demo/11-aude --france data/demo/france \
            --address 127.0.0.1 --port 0 --port-file "$tmp/port" --database "$db" \
            --threads "$server_threads" --quiet "$@" >"$tmp/server.log" 2>&1 &
        server_pid=$!
        for _ in $(seq 1 300); do
            grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break
            kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
            sleep 0.1
        done
        port=$(cat "$tmp/port")
        base="http://127.0.0.1:$port"
    }
    local base
    serve_finder
    local code
    code=$(head -n 1 "$MG_FINDER_CODES")
    local size
    size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$base/ou-me-soigner?commune=$code")
    [ "${size%% *}" = 200 ] || { echo "$prog: the finder answered ${size%% *}" >&2; exit 1; }
    local kib
    kib=$(awk -v b="${size#* }" 'BEGIN { printf "%.1f", b / 1024 }')
    local n
    for n in cold warm static uncached; do
        if [ "$n" = uncached ]; then
            # a server that keeps no answer: every page asks the directory
            stop_server
            serve_finder --finder-cache 0
        fi
        local args=(-t"$wrk_threads" -c"$conns" -d"${seconds}s" --latency)
        local url="$base/static/style.css"
        [ "$n" = static ] || { args+=(-s bench/wrk-finder.lua); url=$base; }
        echo "$prog: $label: wrk ${args[*]} ($n)" >&2
        local t0 t1
        t0=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
        wrk "${args[@]}" "$url" >"$tmp/wrk-$n.txt"
        t1=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
        if grep -qE 'Non-2xx' "$tmp/wrk-$n.txt"; then
            echo "$prog: errors during $n:" >&2
            grep -E 'Non-2xx|Socket errors' "$tmp/wrk-$n.txt" >&2
            exit 1
        fi
        # Connections the server closed while wrk read (seen at times on
        # the static file, ~0.1 % of its requests): counted and shown, not
        # a reason to throw the run away.
        if grep -qE 'Socket errors' "$tmp/wrk-$n.txt"; then
            echo "$label $n: $(grep -E 'Socket errors' "$tmp/wrk-$n.txt" | sed 's/^ *//')," \
                 "$(awk '/ requests in / { print $1 }' "$tmp/wrk-$n.txt") requests" >>"$tmp/notes.txt"
        fi
        local rps p50 p99 cpu
        rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-$n.txt")
        p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk-$n.txt")")
        p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk-$n.txt")")
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
              '/ requests in / { printf "%.3f", 1000 * d / hz / $1 }' "$tmp/wrk-$n.txt")
        eval "rps_$n=$rps p50_$n=$p50 p99_$n=$p99 cpu_$n=$cpu"
    done
    stop_server
    # shellcheck disable=SC2154 # set by eval above
    {
        printf '%-10s %-40s %8.0f %8.2f %8.2f %10s %7s %10.4fx %9.1fx\n' "$label" \
            "GET /static/style.css (baseline)" "$rps_static" "$p50_static" "$p99_static" \
            "$cpu_static" "" 1 1
        for n in cold warm uncached; do
            local what="GET /ou-me-soigner?commune=… ($n)"
            local r p5 p9 c
            eval "r=\$rps_$n p5=\$p50_$n p9=\$p99_$n c=\$cpu_$n"
            printf '%-10s %-40s %8.0f %8.2f %8.2f %10s %7s %10.4fx %9.1fx\n' "$label" "$what" \
                "$r" "$p5" "$p9" "$c" "$kib" \
                "$(awk -v a="$r" -v b="$rps_static" 'BEGIN { print a / b }')" \
                "$(awk -v a="$p9" -v b="$p99_static" 'BEGIN { print a / b }')"
        done
    } >>"$tmp/table.txt"
    # shellcheck disable=SC2154 # set by eval above
    echo "$label import_s=$import_s p99_cold=$p99_cold p99_warm=$p99_warm p99_uncached=$p99_uncached" >>"$tmp/targets.txt"
}

: >"$tmp/table.txt"
: >"$tmp/targets.txt"
: >"$tmp/notes.txt"
measure sqlite "$tmp/db.sqlite"
if [ -n "${MG_BENCH_PG_URI:-}" ]; then
    psql -q -X "$MG_BENCH_PG_URI" -c "DROP DATABASE IF EXISTS mg_bench_finder" \
        -c "CREATE DATABASE mg_bench_finder" >/dev/null
    pg=$(python3 -c 'import re,sys; print(re.sub(r"(://[^/]*/)[^?]*", r"\g<1>mg_bench_finder", sys.argv[1], count=1))' "$MG_BENCH_PG_URI")
    measure postgresql "$pg"
fi

echo
echo "bench-finder — $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), server $server_threads threads," \
     "wrk $wrk_threads threads and $conns connections on the same machine, ${seconds} s each," \
     "$structures structures; load average before: $load0"
printf '%-10s %-40s %8s %8s %8s %10s %7s %11s %10s\n' "database" "request" "req/s" "p50 ms" \
    "p99 ms" "CPU ms/req" "KiB" "req/s ratio" "p99 ratio"
cat "$tmp/table.txt"
echo "(cold: the first ${seconds} s after the server starts, each commune's first answer asked of"
echo " the directory, later ones kept; warm: the answers kept (serve's --finder-cache, 30 s);"
echo " uncached: a server run with --finder-cache 0, every page asking the directory."
echo " CPU ms/req: the server's user + system CPU over the requests served; ratios: to the"
echo " static baseline of the same run)"
if [ -s "$tmp/notes.txt" ]; then
    echo "socket errors (connections closed by the server while wrk read):"
    sed 's/^/  /' "$tmp/notes.txt"
fi
echo "import of the generated structures and target (issue: a finder query p99 < 20 ms at 32 clients):"
while read -r label imp cold warm uncached; do
    awk -v l="$label" -v i="${imp#*=}" -v c="${cold#*=}" -v w="${warm#*=}" -v u="${uncached#*=}" 'BEGIN {
        printf "  %-10s import %6.1f s; p99 cold %7.2f ms, warm %7.2f ms, uncached %7.2f ms: %s\n",
            l, i, c, w, u,
            (w < 20 ? "warm met" : "warm MISSED") (c < 20 ? ", cold met" : ", cold MISSED") \
            (u < 20 ? ", uncached met" : ", uncached MISSED") }'
done <"$tmp/targets.txt"
