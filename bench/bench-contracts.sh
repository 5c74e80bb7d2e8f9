#!/usr/bin/env bash
# Benchmark of the contract pages and the PDF bilan (not a test): builds
# maillage and bench_contracts_gen in Release, generates a Département with
# 20 contracts, 600 actions (30 a contract), 5,000 budget lines and 2,000
# indicator values through the stores (bench/bench_contracts_gen.c) into a
# fresh SQLite database — and into PostgreSQL as well when MG_BENCH_PG_URI
# names a server where a database may be made (it is dropped and made anew:
# mg_bench_contracts) — serves the Aude on loopback, signed in with the
# generator's API token, and measures one after the other in the same run:
#   - a static file (/static/style.css), the baseline, with wrk;
#   - the contract dashboard /contrats/{id} of a 30-action contract, with wrk;
#   - the bilan page /contrats/{id}/bilan, with wrk;
#   - the PDF bilan /contrats/{id}/bilan.pdf and the XLSX, one request at a
#     time with curl (MG_BENCH_PDF_RUNS of them), against the static file
#     fetched the same way;
# and prints requests/s, p50 and p99 latency, the ratios to the baseline and
# the issue's targets (dashboard p99 under 100 ms, PDF bilan under 2 s).
# See bench/README.md, "Contracts".
#
# Usage: bench/bench-contracts.sh
# Environment: MG_BENCH_SECONDS (per wrk measurement, default 10),
# MG_BENCH_CONNECTIONS (default 8), MG_BENCH_WRK_THREADS (default 2),
# MG_BENCH_SERVER_THREADS (default 2), MG_BENCH_PDF_RUNS (default 20),
# MG_BENCH_PG_URI (optional, see above), MG_BENCH_BUILD (a build folder
# holding maillage and bench_contracts_gen already — in bench/ or tests/ —
# so nothing is built; default: build-bench, built here).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${MG_BENCH_SECONDS:-10}
conns=${MG_BENCH_CONNECTIONS:-8}
wrk_threads=${MG_BENCH_WRK_THREADS:-2}
server_threads=${MG_BENCH_SERVER_THREADS:-2}
pdf_runs=${MG_BENCH_PDF_RUNS:-20}
contracts=20 actions=600 lines=5000 values=2000

prog=bench-contracts
# shellcheck source=bench/lib.sh
. bench/lib.sh
build=${MG_BENCH_BUILD:-}
if [ -z "$build" ]; then
    scripts/install-deps.sh bench
    echo "$prog: building in Release (build-bench)" >&2
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
    cmake --build build-bench -j"$(nproc)" --target maillage bench_contracts_gen >/dev/null
    build=build-bench
fi
binary=$build/maillage
gen=
for g in "$build/bench/bench_contracts_gen" "$build/tests/bench_contracts_gen"; do
    [ -x "$g" ] && gen=$g && break
done
if [ ! -x "$binary" ] || [ -z "$gen" ]; then
    echo "$prog: no maillage or bench_contracts_gen in $build" >&2
    exit 1
fi

load0=$(cut -d' ' -f1-3 /proc/loadavg)

# wrk_run NAME URL: wrk signed in; sets rps_NAME p50_NAME p99_NAME.
wrk_run() {
    local name=$1 url=$2
    echo "$prog: $label: wrk -c$conns ${seconds}s $url" >&2
    wrk -t"$wrk_threads" -c"$conns" -d"${seconds}s" --latency \
        -H "Authorization: Bearer $token" "$url" >"$tmp/wrk-$name.txt"
    if grep -qE 'Non-2xx' "$tmp/wrk-$name.txt"; then
        echo "$prog: errors during $name:" >&2
        grep -E 'Non-2xx|Socket errors' "$tmp/wrk-$name.txt" >&2
        exit 1
    fi
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-$name.txt")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk-$name.txt")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk-$name.txt")")
    eval "rps_$name=$rps p50_$name=$p50 p99_$name=$p99"
}

# curl_run NAME URL: MG_BENCH_PDF_RUNS requests one at a time; sets
# med_NAME max_NAME (ms) and kib_NAME.
curl_run() {
    local name=$1 url=$2 k
    echo "$prog: $label: $pdf_runs × $url" >&2
    : >"$tmp/curl-$name.txt"
    for k in $(seq 1 "$pdf_runs"); do
        curl -s -o "$tmp/body" -H "Authorization: Bearer $token" \
            -w '%{http_code} %{time_total} %{size_download}\n' "$url" >>"$tmp/curl-$name.txt"
    done
    if awk '$1 != 200 { bad = 1 } END { exit !bad }' "$tmp/curl-$name.txt"; then
        echo "$prog: $name answered $(awk '$1 != 200 { print $1; exit }' "$tmp/curl-$name.txt")" >&2
        exit 1
    fi
    local med max kib
    med=$(awk '{ print $2 * 1000 }' "$tmp/curl-$name.txt" | sort -g |
          awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
    max=$(awk '{ print $2 * 1000 }' "$tmp/curl-$name.txt" | sort -g | tail -n 1)
    kib=$(awk '{ b = $3 } END { printf "%.1f", b / 1024 }' "$tmp/curl-$name.txt")
    eval "med_$name=$med max_$name=$max kib_$name=$kib"
}

measure() { # LABEL DATABASE_URL
    label=$1
    local db=$2
    echo "$prog: generating into $label" >&2
    "$gen" "$db" $contracts $actions $lines $values "$tmp/data.tsv" >"$tmp/gen.txt"
    cat "$tmp/gen.txt" >&2
    local gen_s
    gen_s=$(sed -n 's/.* generated in \([0-9.]*\) s.*/\1/p' "$tmp/gen.txt")
    token=$(awk -F'\t' '$1 == "token" { print $2 }' "$tmp/data.tsv")
    local cid nact
    cid=$(awk -F'\t' '$1 == "contract" { print $2; exit }' "$tmp/data.tsv")
    nact=$(awk -F'\t' '$1 == "contract" { print $4; exit }' "$tmp/data.tsv")
    rm -f "$tmp/port"
    "$binary" serve --bundle data/demo/11-aude --france data/demo/france \
        --address 127.0.0.1 --port 0 --port-file "$tmp/port" --database "$db" \
        --threads "$server_threads" --access-log off --quiet >"$tmp/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 300); do
        grep -qE '^[0-9]+$' "$tmp/port" 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
        sleep 0.1
    done
    local base="http://127.0.0.1:$(cat "$tmp/port")"
    wrk_run static "$base/static/style.css"
    wrk_run dashboard "$base/contrats/$cid"
    wrk_run page "$base/contrats/$cid/bilan"
    curl_run cstatic "$base/static/style.css"
    curl_run pdf "$base/contrats/$cid/bilan.pdf"
    curl_run xlsx "$base/contrats/$cid/bilan.xlsx"
    local pages
    curl -s -H "Authorization: Bearer $token" -o "$tmp/bilan.pdf" "$base/contrats/$cid/bilan.pdf"
    pages=$(pdfinfo "$tmp/bilan.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
    stop_server
    # shellcheck disable=SC2154 # set by eval above
    {
        printf '%-10s %-36s %9.0f %9.2f %9.2f %11s %10.4fx %9.1fx\n' "$label" \
            "GET /static/style.css (baseline)" "$rps_static" "$p50_static" "$p99_static" "" 1 1
        local n what
        for n in dashboard page; do
            [ $n = dashboard ] && what="GET /contrats/{id} ($nact actions)" ||
                what="GET /contrats/{id}/bilan"
            local r p5 p9
            eval "r=\$rps_$n p5=\$p50_$n p9=\$p99_$n"
            printf '%-10s %-36s %9.0f %9.2f %9.2f %11s %10.4fx %9.1fx\n' "$label" "$what" \
                "$r" "$p5" "$p9" "" \
                "$(awk -v a="$r" -v b="$rps_static" 'BEGIN { print a / b }')" \
                "$(awk -v a="$p9" -v b="$p99_static" 'BEGIN { print a / b }')"
        done
    } >>"$tmp/table.txt"
    # shellcheck disable=SC2154
    {
        printf '%-10s %-36s %9.2f %9.2f %9s %10s\n' "$label" "GET /static/style.css (curl)" \
            "$med_cstatic" "$max_cstatic" "$kib_cstatic" "1x"
        printf '%-10s %-36s %9.2f %9.2f %9s %10.0fx\n' "$label" \
            "GET …/bilan.pdf ($nact actions, ${pages:-?} p.)" "$med_pdf" "$max_pdf" "$kib_pdf" \
            "$(awk -v a="$med_pdf" -v b="$med_cstatic" 'BEGIN { print a / b }')"
        printf '%-10s %-36s %9.2f %9.2f %9s %10.0fx\n' "$label" "GET …/bilan.xlsx" \
            "$med_xlsx" "$max_xlsx" "$kib_xlsx" \
            "$(awk -v a="$med_xlsx" -v b="$med_cstatic" 'BEGIN { print a / b }')"
    } >>"$tmp/single.txt"
    echo "$label $gen_s $p99_dashboard $max_pdf" >>"$tmp/targets.txt"
}

: >"$tmp/table.txt"
: >"$tmp/single.txt"
: >"$tmp/targets.txt"
measure sqlite "$tmp/db.sqlite"
if [ -n "${MG_BENCH_PG_URI:-}" ]; then
    psql -q -X "$MG_BENCH_PG_URI" -c "DROP DATABASE IF EXISTS mg_bench_contracts" \
        -c "CREATE DATABASE mg_bench_contracts" >/dev/null
    pg=$(python3 -c 'import re,sys; print(re.sub(r"(://[^/]*/)[^?]*", r"\g<1>mg_bench_contracts", sys.argv[1], count=1))' "$MG_BENCH_PG_URI")
    measure postgresql "$pg"
fi

echo
echo "bench-contracts — $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), server $server_threads" \
     "threads, wrk $wrk_threads threads and $conns connections on the same machine, ${seconds} s" \
     "each; $contracts contracts, $actions actions, $lines budget lines, $values indicator values;" \
     "load average before: $load0"
printf '%-10s %-36s %9s %9s %9s %11s %11s %10s\n' "database" "request (wrk)" "req/s" "p50 ms" \
    "p99 ms" "" "req/s ratio" "p99 ratio"
cat "$tmp/table.txt"
echo
printf '%-10s %-36s %9s %9s %9s %10s\n' "database" "request (curl, one at a time, $pdf_runs×)" \
    "median ms" "max ms" "KiB" "ratio"
cat "$tmp/single.txt"
echo "(ratios: to the static file of the same run, measured the same way)"
echo "generation and targets (issue: dashboard p99 < 100 ms; PDF bilan of a 30-action contract < 2 s):"
while read -r label gen_s p99 pdf; do
    awk -v l="$label" -v g="$gen_s" -v p="$p99" -v f="$pdf" 'BEGIN {
        printf "  %-10s generated in %6.1f s; dashboard p99 %7.2f ms: %s; PDF slowest %7.1f ms: %s\n",
            l, g, p, (p < 100 ? "met" : "MISSED"), f, (f < 2000 ? "met" : "MISSED") }'
done <"$tmp/targets.txt"
