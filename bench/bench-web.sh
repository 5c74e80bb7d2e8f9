#!/usr/bin/env bash
# Load benchmark of the web application (not a test): builds maillage in
# Release, serves the Aude on loopback, and measures with wrk, one after the
# other in the same run,
#   - a static file (/static/style.css), the baseline;
#   - the territory page (/territoire?profession=mg);
#   - a scenario of three actions re-evaluated through the API
#     (POST /api/v1/evaluate, bench/wrk-evaluate.lua);
#   - the page of a saved scenario of the same three actions (/scenarios/ID),
#     which re-evaluates it and draws its two maps;
# and prints requests/s, p50 and p99 latency and the ratios to the baseline,
# then the issue's targets (scenario re-evaluation p99 < 20 ms with 32
# concurrent clients, territory page p99 < 100 ms). See bench/README.md.
#
# Usage: bench/bench-web.sh
# Environment: MG_BENCH_SECONDS (per measurement, default 15),
# MG_BENCH_CONNECTIONS (default 32), MG_BENCH_WRK_THREADS (default 2),
# MG_BENCH_SERVER_THREADS (server worker threads, default 2 as `serve`).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${MG_BENCH_SECONDS:-15}
conns=${MG_BENCH_CONNECTIONS:-32}
wrk_threads=${MG_BENCH_WRK_THREADS:-2}
server_threads=${MG_BENCH_SERVER_THREADS:-2}

# What the build needs, then wrk and curl, installed the way
# scripts/install-deps.sh does: Debian packages, only when missing.
scripts/install-deps.sh build
missing=()
for p in wrk curl; do
    command -v "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "bench-web: missing ${missing[*]} and neither root nor sudo available" >&2
        exit 1
    fi
    echo "bench-web: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "bench-web: building in Release (build-bench)" >&2
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target maillage >/dev/null

load0=$(cut -d' ' -f1-3 /proc/loadavg)
tmp=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build-bench/maillage serve --bundle data/demo/11-aude --france data/demo/france \
    --address 127.0.0.1 --port 0 --port-file "$tmp/port" --database "$tmp/db.sqlite" \
    --threads "$server_threads" --quiet >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "bench-web: the server stopped" >&2; exit 1; }
    sleep 0.1
done
grep -qE '^[0-9]+$' "$tmp/port" || { echo "bench-web: the server did not start" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"

# The saved scenario: the same three actions as bench/wrk-evaluate.lua.
actions=$(sed -n '/^wrk.body = \[\[/,/\]\]$/p' bench/wrk-evaluate.lua | sed 's/^wrk.body = \[\[//; s/\]\]$//' | tr -d '\n')
curl -sf -o "$tmp/eval.json" -H 'Content-Type: application/json' --data "$actions" "$base/api/v1/evaluate" ||
    { echo "bench-web: POST /api/v1/evaluate failed" >&2; exit 1; }
scenario=$(printf '%s' "$actions" | sed 's/^{/{"name":"bench-web",/')
id=$(curl -sf -H 'Content-Type: application/json' --data "$scenario" "$base/api/v1/scenarios" |
     sed -n 's/^{"id":\([0-9]*\).*/\1/p')
[ -n "$id" ] || { echo "bench-web: the scenario could not be saved" >&2; exit 1; }

names=(static territory evaluate scenario)
labels=("GET /static/style.css (baseline)" "GET /territoire?profession=mg"
        "POST /api/v1/evaluate (3 actions)" "GET /scenarios/$id (3 actions)")
urls=("$base/static/style.css" "$base/territoire?profession=mg" "$base/api/v1/evaluate"
      "$base/scenarios/$id")
scripts=("" "" "bench/wrk-evaluate.lua" "")

# wrk's latencies ("812.00us", "1.53ms", "1.02s", "1.10m") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        printf "%.3f", n }'
}

# CPU time of the server so far (user + system), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
tck=$(getconf CLK_TCK)

declare -A rps p50 p99 kib cpu
for k in "${!names[@]}"; do
    n=${names[$k]}
    # Warm-up and size of one answer.
    if [ "$n" = evaluate ]; then
        size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -H 'Content-Type: application/json' \
               --data "$actions" "${urls[$k]}")
    else
        size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${urls[$k]}")
    fi
    [ "${size%% *}" = 200 ] || { echo "bench-web: ${labels[$k]} answered ${size%% *}" >&2; exit 1; }
    kib[$n]=$(awk -v b="${size#* }" 'BEGIN { printf "%.1f", b / 1024 }')
    echo "bench-web: wrk -t$wrk_threads -c$conns -d${seconds}s --latency ${labels[$k]}" >&2
    args=(-t"$wrk_threads" -c"$conns" -d"${seconds}s" --latency)
    [ -n "${scripts[$k]}" ] && args+=(-s "${scripts[$k]}")
    t0=$(cpu_ticks)
    wrk "${args[@]}" "${urls[$k]}" >"$tmp/wrk-$n.txt"
    t1=$(cpu_ticks)
    if grep -qE 'Non-2xx|Socket errors' "$tmp/wrk-$n.txt"; then
        echo "bench-web: errors during ${labels[$k]}:" >&2
        grep -E 'Non-2xx|Socket errors' "$tmp/wrk-$n.txt" >&2
        exit 1
    fi
    rps[$n]=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-$n.txt")
    p50[$n]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk-$n.txt")")
    p99[$n]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk-$n.txt")")
    # Server CPU per request: what a request costs, whatever the queueing.
    cpu[$n]=$(awk -v d=$((t1 - t0)) -v hz="$tck" '/ requests in / { printf "%.3f", 1000 * d / hz / $1 }' \
              "$tmp/wrk-$n.txt")
done

cleanup
server_pid=
trap - EXIT

echo
echo "bench-web — $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), server $server_threads threads," \
     "wrk $wrk_threads threads and $conns connections on the same machine, ${seconds} s each;" \
     "load average before: $load0"
printf '%-36s %8s %8s %8s %9s %7s %11s %10s\n' "request" "req/s" "p50 ms" "p99 ms" "CPU ms/req" "KiB" \
    "req/s ratio" "p99 ratio"
for k in "${!names[@]}"; do
    n=${names[$k]}
    printf '%-36s %8.0f %8.2f %8.2f %10.3f %7s %10.4fx %9.1fx\n' "${labels[$k]}" "${rps[$n]}" "${p50[$n]}" \
        "${p99[$n]}" "${cpu[$n]}" "${kib[$n]}" \
        "$(awk -v a="${rps[$n]}" -v b="${rps[static]}" 'BEGIN { print a / b }')" \
        "$(awk -v a="${p99[$n]}" -v b="${p99[static]}" 'BEGIN { print a / b }')"
done
echo "(CPU ms/req: the server's user + system CPU time over the requests served; ratios: to the"
echo " static baseline of the same run, req/s ÷ baseline req/s and p99 ÷ baseline p99)"

target() { # LABEL VALUE LIMIT
    awk -v l="$1" -v v="$2" -v t="$3" 'BEGIN {
        if (v < t) printf "  %-48s p99 %8.2f ms < %g ms: met (%.0f%% of the budget)\n", l, v, t, 100 * v / t;
        else printf "  %-48s p99 %8.2f ms < %g ms: MISSED by %.2f ms (%.2fx the budget)\n", l, v, t, v - t, v / t }'
}
echo "targets (issue):"
target "scenario re-evaluation, API" "${p99[evaluate]}" 20
target "scenario re-evaluation, saved scenario's page" "${p99[scenario]}" 20
target "territory page" "${p99[territory]}" 100
