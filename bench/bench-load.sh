#!/usr/bin/env bash
# Availability benchmark of `maillage serve` (not a test): does an ordinary
# request still get through, and how fast, while the server is loaded or
# attacked? Loopback only. Builds maillage in Release (build-bench/), serves
# the Aude on 127.0.0.1 with 2 worker threads, and in each case runs a probe
# (bench/load_clients.py probe: GET /static/style.css on a new connection
# every second, from source address 127.0.0.2) next to the load:
#
#   run A, limits as `serve` has them except the per-address one, turned off
#   (--max-connections-per-address 4096), because wrk cannot choose its
#   source address and its connections all come from 127.0.0.1: so this run
#   stands for many clients, each with a few connections;
#     - wrk, 32 connections: /static/style.css, then the territory page
#       (/territoire?profession=mg): the page's p99 as a ratio to the static
#       file's, to compare with bench-web's figures (bench/README.md);
#     - wrk, 256 and 1,000 connections on the territory page;
#     - 500 slow clients from 127.0.0.3, each sending its request head one
#       byte a second and reconnecting when cut (load_clients.py hold);
#   run B, default limits (32 connections per address) but --max-connections
#   256, below the load: where the limits refuse connections;
#     - wrk, 1,000 connections on the territory page (from 127.0.0.1);
#     - the 500 slow clients from 127.0.0.3.
#
# For each case: wrk's requests/s, p99 and errors (or the slow clients'
# counts), then the probe's answered/sent, median and max latency. Target
# (issue 9): the probe answered in under 1 s in every case.
#
# Usage: bench/bench-load.sh
# Environment: MG_BENCH_SECONDS (per wrk case, default 10), MG_BENCH_BINARY
# (a maillage to measure instead of building one, e.g. an older build; with
# MG_BENCH_OLD=1 none of the limit options is passed, for a build before them).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${MG_BENCH_SECONDS:-10}
slow_seconds=25
binary=${MG_BENCH_BINARY:-}
old=${MG_BENCH_OLD:-0}

prog=bench-load
. bench/lib.sh
scripts/install-deps.sh bench
[ -n "$binary" ] || bench_build

# serve LIMIT-OPTIONS…: the server, 2 threads, with these limits (none with
# MG_BENCH_OLD=1); prints the limits and open files it has.
serve() {
    if [ "$old" = 1 ]; then start_server --threads 2; else start_server --threads 2 "$@"; fi
    sed -n 's/.*(\([0-9]* connexions[^;]*\);.*/  server: \1/p' "$tmp/server.log"
    echo "  server: open files $(awk '/open files/ { print $4 }' "/proc/$server_pid/limits")"
}

probe() { # SECONDS: the probe's summary line
    python3 bench/load_clients.py probe --port "$port" --source 127.0.0.2 --seconds "$1" \
        >"$tmp/probe.txt" 2>&1 || true
    tail -n 1 "$tmp/probe.txt"
}

declare -A p99
# wrk_case NAME CONNECTIONS PATH: wrk for $seconds with the probe alongside.
wrk_case() {
    local name=$1 conns=$2 path=$3
    echo "$name: wrk -t2 -c$conns -d${seconds}s http://127.0.0.1:PORT$path"
    wrk -t2 -c"$conns" -d"${seconds}s" --latency "http://127.0.0.1:$port$path" >"$tmp/wrk.txt" 2>&1 &
    local wrk_pid=$!
    sleep 1.5
    local probe_line
    probe_line=$(probe "$((seconds - 3))")
    wait "$wrk_pid" || true
    p99[$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.txt")" 2)
    printf '  wrk: %s req/s, p99 %s ms; %s; %s\n' \
        "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.txt")" "${p99[$name]}" \
        "$(grep -E '^ *Socket errors' "$tmp/wrk.txt" | sed 's/^ *//' || echo 'no socket errors')" \
        "$(grep -E 'Non-2xx' "$tmp/wrk.txt" | sed 's/^ *//' || echo 'no non-2xx answers')"
    echo "  $probe_line"
}

slow_case() { # NAME
    echo "$1: 500 clients from 127.0.0.3 sending one byte a second, ${slow_seconds}s"
    python3 bench/load_clients.py hold --port "$port" --source 127.0.0.3 --clients 500 \
        --seconds "$slow_seconds" --trickle >"$tmp/hold.txt" 2>&1 &
    local hold_pid=$!
    sleep 3
    local probe_line
    probe_line=$(probe "$((slow_seconds - 5))")
    wait "$hold_pid" || true
    echo "  $(cat "$tmp/hold.txt")"
    echo "  $probe_line"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-load — $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), server 2 threads," \
     "$binary$([ "$old" = 1 ] && echo ' (no limit options)'); load average before: $load0"
echo "run A: many clients (per-address limit off)"
serve --max-connections-per-address 4096
curl -sf -o /dev/null "http://127.0.0.1:$port/territoire?profession=mg" # warm-up
wrk_case static-32 32 /static/style.css
wrk_case territory-32 32 "/territoire?profession=mg"
wrk_case territory-256 256 "/territoire?profession=mg"
wrk_case territory-1000 1000 "/territoire?profession=mg"
slow_case slow-500
stop_server
echo "run B: default limits, --max-connections 256"
serve --max-connections 256
wrk_case territory-1000-limited 1000 "/territoire?profession=mg"
slow_case slow-500-per-address
stop_server

echo "territory page p99 at 32 connections: ${p99[territory-32]} ms, static file ${p99[static-32]} ms:" \
     "$(awk -v a="${p99[territory-32]}" -v b="${p99[static-32]}" 'BEGIN { printf "%.1fx", a / b }')" \
     "(bench-web on 2026-11-22: 4.5x; bench/README.md)"
