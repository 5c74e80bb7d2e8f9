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

prog=bench-web
. bench/lib.sh
# What the build needs, then wrk, curl and python3: Debian packages, only
# when missing.
scripts/install-deps.sh bench
bench_build

load0=$(cut -d' ' -f1-3 /proc/loadavg)
# A manager of an organisation (an example), made with the command line:
# saved scenarios are an organisation's, seen by its members only.
org=$("$binary" organisation add --database "$tmp/db.sqlite" --kind departement \
      --name "Banc d'essai (exemple)")
password="mot de passe du banc d'essai"
printf '%s\n' "$password" | "$binary" user add --database "$tmp/db.sqlite" --email banc@essai.invalid \
    --name "Banc d'essai (exemple)" --organisation "$org" --role manager --password-file - >/dev/null
start_server --threads "$server_threads" --quiet
base="http://127.0.0.1:$port"

# Logged in as a browser does: the log-in form's token, then the session's.
jar="$tmp/jar"
csrf_of() { sed -n 's/.*name="csrf" value="\([A-Za-z0-9_-]*\)".*/\1/p' | head -n 1; }
csrf=$(curl -sf -c "$jar" -b "$jar" "$base/connexion" | csrf_of)
curl -sf -o /dev/null -c "$jar" -b "$jar" "$base/connexion" --data-urlencode "email=banc@essai.invalid" \
    --data-urlencode "password=$password" --data-urlencode "csrf=$csrf" ||
    { echo "bench-web: log-in failed" >&2; exit 1; }
csrf=$(curl -sf -b "$jar" "$base/compte" | csrf_of)
session=$(awk -F'\t' '$6 == "mg_session" { print $7 }' "$jar")
[ -n "$csrf" ] && [ -n "$session" ] || { echo "bench-web: no session" >&2; exit 1; }

# The saved scenario: the same three actions as bench/wrk-evaluate.lua.
actions=$(sed -n '/^wrk.body = \[\[/,/\]\]$/p' bench/wrk-evaluate.lua | sed 's/^wrk.body = \[\[//; s/\]\]$//' | tr -d '\n')
curl -sf -o "$tmp/eval.json" -H 'Content-Type: application/json' --data "$actions" "$base/api/v1/evaluate" ||
    { echo "bench-web: POST /api/v1/evaluate failed" >&2; exit 1; }
scenario=$(printf '%s' "$actions" | sed 's/^{/{"name":"bench-web",/')
id=$(curl -sf -b "$jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' --data "$scenario" \
        "$base/api/v1/scenarios" |
     sed -n 's/^{"id":\([0-9]*\).*/\1/p')
[ -n "$id" ] || { echo "bench-web: the scenario could not be saved" >&2; exit 1; }

names=(static territory evaluate scenario)
labels=("GET /static/style.css (baseline)" "GET /territoire?profession=mg"
        "POST /api/v1/evaluate (3 actions)" "GET /scenarios/$id (3 actions)")
urls=("$base/static/style.css" "$base/territoire?profession=mg" "$base/api/v1/evaluate"
      "$base/scenarios/$id")
scripts=("" "" "bench/wrk-evaluate.lua" "")

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
    elif [ "$n" = scenario ]; then
        size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -b "$jar" "${urls[$k]}")
    else
        size=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "${urls[$k]}")
    fi
    [ "${size%% *}" = 200 ] || { echo "bench-web: ${labels[$k]} answered ${size%% *}" >&2; exit 1; }
    kib[$n]=$(awk -v b="${size#* }" 'BEGIN { printf "%.1f", b / 1024 }')
    echo "bench-web: wrk -t$wrk_threads -c$conns -d${seconds}s --latency ${labels[$k]}" >&2
    args=(-t"$wrk_threads" -c"$conns" -d"${seconds}s" --latency)
    [ -n "${scripts[$k]}" ] && args+=(-s "${scripts[$k]}")
    # The saved scenario's page is its organisation's: the session's cookie.
    [ "$n" = scenario ] && args+=(-H "Cookie: mg_session=$session")
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

stop_server

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
