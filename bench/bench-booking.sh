#!/usr/bin/env bash
# Benchmark of the telehealth equipment's booking (issue 17; not a test):
# builds maillage and bench_booking_gen in Release, imports the demo
# directory of the Aude and generates the network of its Département over
# 50 of its structures (bench/bench_booking_gen.c: 50 sites, 100 devices,
# 200 teleconsultants, a year of bookings at about 3 a day per device)
# into a fresh SQLite database — and into PostgreSQL as well when
# MG_BENCH_PG_URI names a server where a database may be made (dropped and
# made anew: mg_bench_booking) — starts TWO server processes on it
# (--trusted-proxy 127.0.0.1: each booking attempt carries its own
# X-Forwarded-For, as the public's behind a proxy, so that the limits per
# address do not refuse the load), and measures in the same run:
#   - a static file (/static/style.css), the baseline, with wrk;
#   - the next free slots near a commune, GET /api/v1/slots?commune=C&kind=K
#     (C drawn among the sites' communes, K among the three kinds, at each
#     request), with wrk: p50, p99 (target: p99 < 20 ms);
#   - booking attempts, POST /api/v1/bookings with the audit trail on (it
#     always is), by MG_BENCH_CLIENTS Python threads for MG_BENCH_SECONDS,
#     alternating between the two servers, each attempt a slot drawn from
#     the slots the API offered before (so that a share of them is gone by
#     then: 409), with its own phone number: attempts per second sustained
#     (target 200/s), p50/p99, 201 and 409 counts;
# then checks that nothing was lost or duplicated: the bookings the run
# added to the database are as many as the 201 answers, with as many
# distinct codes, and an SQL query (sqlite3 / psql) finds no two active
# bookings of a device, a teleconsultant or an assistant that intersect.
# Prints the ratios to the static file of the same run.
#
# Usage: bench/bench-booking.sh   (or scripts/bench.sh booking)
# Environment: MG_BENCH_SECONDS (per measurement, default 10),
# MG_BENCH_CONNECTIONS (wrk, default 8), MG_BENCH_WRK_THREADS (default 2),
# MG_BENCH_SERVER_THREADS (per server, default 2), MG_BENCH_CLIENTS (booking
# threads, default 16), MG_BENCH_PER_DAY (bookings a day per device,
# default 3), MG_BENCH_PG_URI (optional, see above), MG_BENCH_SQLITE=0
# (PostgreSQL only), MG_BENCH_BUILD (a build folder holding maillage and
# bench/bench_booking_gen already; default: build-bench, built here),
# MG_BENCH_PG_CACHE (a folder: PostgreSQL's generated network is kept there
# with pg_dump after its first generation — about ten minutes on the 2-core
# machine — and later runs restore it with pg_restore instead; the bookings
# are dated from the day of generation, so delete the folder's files to
# generate anew on another day).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${MG_BENCH_SECONDS:-10}
conns=${MG_BENCH_CONNECTIONS:-8}
wrk_threads=${MG_BENCH_WRK_THREADS:-2}
server_threads=${MG_BENCH_SERVER_THREADS:-2}
clients=${MG_BENCH_CLIENTS:-16}
per_day=${MG_BENCH_PER_DAY:-3}

prog=bench-booking
tmp=$(mktemp -d)
pids=()
stop_servers() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}
trap 'stop_servers; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

to_ms() { # a wrk latency ("1.23ms", "850.00us", "1.02s") in milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
        else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

build=${MG_BENCH_BUILD:-}
if [ -z "$build" ]; then
    scripts/install-deps.sh bench
    echo "$prog: building in Release (build-bench)" >&2
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
    cmake --build build-bench -j"$(nproc)" --target maillage bench_booking_gen >/dev/null
    build=build-bench
fi
binary=$build/maillage
gen=$build/bench/bench_booking_gen
if [ ! -x "$binary" ] || [ ! -x "$gen" ]; then
    echo "$prog: no maillage or bench/bench_booking_gen in $build" >&2
    exit 1
fi
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# The wrk script: a commune and a kind drawn at each request.
cat >"$tmp/slots.lua" <<'LUA'
local communes = {}
for c in string.gmatch(os.getenv("MG_BOOKING_COMMUNES"), "%S+") do communes[#communes + 1] = c end
local kinds = {"gp", "followup", "specialist"}
function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end
function request()
  return wrk.format("GET", "/api/v1/slots?commune=" .. communes[math.random(#communes)] ..
                    "&kind=" .. kinds[math.random(3)] .. "&limit=20")
end
LUA

wrk_run() { # NAME URL [LUA]: sets rps_NAME p50_NAME p99_NAME
    local name=$1 url=$2 script=()
    [ -n "${3:-}" ] && script=(-s "$3")
    echo "$prog: $label: wrk -c$conns ${seconds}s $name" >&2
    wrk -t"$wrk_threads" -c"$conns" -d"${seconds}s" --latency "${script[@]}" "$url" >"$tmp/wrk-$name.txt"
    if grep -qE 'Non-2xx' "$tmp/wrk-$name.txt"; then
        echo "$prog: errors during $name:" >&2
        grep -E 'Non-2xx|Socket errors' "$tmp/wrk-$name.txt" >&2
        exit 1
    fi
    eval "rps_$name=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-$name.txt")"
    eval "p50_$name=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk-$name.txt")")"
    eval "p99_$name=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk-$name.txt")")"
}

sql() { # DB QUERY: one value, by the database's own client
    if [[ $1 == postgres* ]]; then psql -X -A -t -q "$1" -c "$2"; else sqlite3 "$1" "$2"; fi
}
# Overlapping pairs, one join per resource so that each reads its time index
# (a booking lasts at most 240 minutes: any that overlaps a starts in
# [a.starts_at - 240, a.ends_at)); an assistant belongs to one site, so its
# pairs are looked for through the site's index. One OR over the three
# resources read the whole table for each booking: minutes at a year's 80,000.
pair="a.id < b.id AND b.starts_at >= a.starts_at - 240 AND b.starts_at < a.ends_at
    AND a.starts_at < b.ends_at AND a.state <> 'cancelled' AND b.state <> 'cancelled'"
overlaps="SELECT (SELECT count(*) FROM bookings a JOIN bookings b
      ON b.device_id = a.device_id AND $pair)
  + (SELECT count(*) FROM bookings a JOIN bookings b
      ON b.teleconsultant_id = a.teleconsultant_id AND $pair)
  + (SELECT count(*) FROM bookings a JOIN bookings b
      ON b.site_id = a.site_id AND a.assistant_id IS NOT NULL
         AND b.assistant_id = a.assistant_id AND $pair)"

start_one() { # NAME DB
    rm -f "$tmp/port-$1"
    "$binary" serve --bundle data/demo/11-aude --france data/demo/france \
        --address 127.0.0.1 --port 0 --port-file "$tmp/port-$1" --database "$2" \
        --threads "$server_threads" --trusted-proxy 127.0.0.1 --access-log off --quiet \
        >"$tmp/server-$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 300); do
        grep -qE '^[0-9]+$' "$tmp/port-$1" 2>/dev/null && break
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$tmp/server-$1.log" >&2; exit 1; }
        sleep 0.1
    done
    eval "port_$1=$(cat "$tmp/port-$1")"
}

measure() { # LABEL DATABASE_URL [CACHE_DIR]
    label=$1
    local db=$2 cache=${3:-} owner
    if [ -n "$cache" ] && [ -s "$cache/booking.dump" ] && [ -s "$cache/booking.tsv" ]; then
        echo "$prog: restoring the network of $cache into $label" >&2
        pg_restore --no-owner -d "$db" "$cache/booking.dump"
        cp "$cache/booking.tsv" "$tmp/data.tsv"
        cp "$cache/booking-gen.txt" "$tmp/gen.txt"
        psql -X -q "$db" -c "ANALYZE" >/dev/null
    else
        echo "$prog: generating the network into $label" >&2
        owner=$("$binary" organisation add --database "$db" --kind departement --name "Département de l'Aude")
        "$binary" directory import --database "$db" data/demo/directory/aude-exemple.json >/dev/null
        "$gen" "$db" "$owner" "$tmp/data.tsv" "$per_day" >"$tmp/gen.txt"
        if [ -n "$cache" ]; then
            mkdir -p "$cache"
            pg_dump -Fc -f "$cache/booking.dump" "$db"
            cp "$tmp/data.tsv" "$cache/booking.tsv"
            cp "$tmp/gen.txt" "$cache/booking-gen.txt"
        fi
    fi
    cat "$tmp/gen.txt" >&2
    local gen_s nb
    gen_s=$(sed -n 's/.* generated in \([0-9.]*\) s.*/\1/p' "$tmp/gen.txt")
    nb=$(sql "$db" "SELECT count(*) FROM bookings")
    start_one a "$db"
    start_one b "$db"
    # shellcheck disable=SC2154 # set by start_one
    local base_a="http://127.0.0.1:$port_a" base_b="http://127.0.0.1:$port_b"
    wrk_run static "$base_a/static/style.css"
    MG_BOOKING_COMMUNES=$(awk -F'\t' '$1 == "site" { print $3 }' "$tmp/data.tsv" | sort -u | tr '\n' ' ') \
        wrk_run slots "$base_a/api/v1/slots" "$tmp/slots.lua"
    # Booking attempts through both servers.
    local before
    before=$(sql "$db" "SELECT coalesce(max(id), 0) FROM bookings")
    echo "$prog: $label: $clients clients POST /api/v1/bookings for ${seconds}s on two servers" >&2
    python3 - "$base_a" "$base_b" "$seconds" "$clients" "$tmp/data.tsv" >"$tmp/book.txt" <<'PY'
import http.client, json, random, sys, threading, time, urllib.parse
bases = [urllib.parse.urlparse(b) for b in sys.argv[1:3]]
seconds, nclients = float(sys.argv[3]), int(sys.argv[4])
sites = [l.split("\t")[1] for l in open(sys.argv[5]) if l.startswith("site\t")]
pool = []
for s in sites:
    for kind in ("gp", "followup", "specialist"):
        c = http.client.HTTPConnection(bases[0].hostname, bases[0].port, timeout=60)
        c.request("GET", "/api/v1/slots?site=%s&kind=%s&limit=100&days=62" % (s, kind))
        pool += json.loads(c.getresponse().read())["slots"]
random.seed(17)
random.shuffle(pool)
lock = threading.Lock()
counter = [0]
results = []  # (status, seconds, code)
def worker(w):
    conns = [http.client.HTTPConnection(b.hostname, b.port, timeout=60) for b in bases]
    mine = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with lock:
            i = counter[0]; counter[0] += 1
        s = pool[i % len(pool)]
        phone = ("06 39 98 %02d %02d" if i % 2 else "01 99 00 %02d %02d") % (i // 2 // 100 % 100, i // 2 % 100)
        body = json.dumps({"site_id": s["site_id"], "device_id": s["device_id"],
                           "teleconsultant_id": s["teleconsultant_id"], "kind": s["kind"],
                           "start": s["start_utc"], "person": "A. B.", "phone": phone})
        c = conns[i % 2]
        t0 = time.monotonic()
        try:
            c.request("POST", "/api/v1/bookings", body,
                      {"Content-Type": "application/json",
                       "X-Forwarded-For": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)})
            r = c.getresponse(); data = r.read()
            code = json.loads(data).get("code") if r.status == 201 else None
            mine.append((r.status, time.monotonic() - t0, code))
        except Exception as e:
            mine.append(("error", time.monotonic() - t0, None))
            conns[i % 2] = http.client.HTTPConnection(bases[i % 2].hostname, bases[i % 2].port, timeout=60)
    with lock:
        results.extend(mine)
t0 = time.monotonic()
threads = [threading.Thread(target=worker, args=(w,)) for w in range(nclients)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - t0
lat = sorted(r[1] for r in results)
def q(p): return 1000 * lat[min(len(lat) - 1, int(p * len(lat)))] if lat else 0
created = sum(1 for r in results if r[0] == 201)
gone = sum(1 for r in results if r[0] == 409)
other = len(results) - created - gone
codes = len({r[2] for r in results if r[2]})
print(len(results) / elapsed, q(0.50), q(0.99), created, gone, other, codes, len(pool))
PY
    stop_servers
    local rps p50 p99 created gone other codes npool added over
    read -r rps p50 p99 created gone other codes npool <"$tmp/book.txt"
    added=$(sql "$db" "SELECT count(*) FROM bookings WHERE id > $before")
    over=$(sql "$db" "$overlaps")
    # shellcheck disable=SC2154 # set by eval
    {
        printf '%-10s %-46s %9.0f %9.2f %9.2f %10.4fx %9.1fx\n' "$label" "GET /static/style.css (baseline)" \
            "$rps_static" "$p50_static" "$p99_static" 1 1
        printf '%-10s %-46s %9.0f %9.2f %9.2f %10.4fx %9.1fx\n' "$label" "GET /api/v1/slots?commune=…&kind=…" \
            "$rps_slots" "$p50_slots" "$p99_slots" \
            "$(awk -v a="$rps_slots" -v b="$rps_static" 'BEGIN { print a / b }')" \
            "$(awk -v a="$p99_slots" -v b="$p99_static" 'BEGIN { print a / b }')"
        printf '%-10s %-46s %9.0f %9.2f %9.2f %10.4fx %9.1fx\n' "$label" "POST /api/v1/bookings (2 servers, $clients clients)" \
            "$rps" "$p50" "$p99" \
            "$(awk -v a="$rps" -v b="$rps_static" 'BEGIN { print a / b }')" \
            "$(awk -v a="$p99" -v b="$p99_static" 'BEGIN { print a / b }')"
    } >>"$tmp/table.txt"
    echo "$label $gen_s $nb $p99_slots $rps $created $gone $other $codes $added $over $npool" >>"$tmp/targets.txt"
}

: >"$tmp/table.txt"
: >"$tmp/targets.txt"
if [ "${MG_BENCH_SQLITE:-1}" != 0 ]; then
    measure sqlite "$tmp/db.sqlite"
fi
if [ -n "${MG_BENCH_PG_URI:-}" ]; then
    psql -q -X "$MG_BENCH_PG_URI" -c "DROP DATABASE IF EXISTS mg_bench_booking" \
        -c "CREATE DATABASE mg_bench_booking" >/dev/null
    pg=$(python3 -c 'import re,sys; print(re.sub(r"(://[^/]*/)[^?]*", r"\g<1>mg_bench_booking", sys.argv[1], count=1))' "$MG_BENCH_PG_URI")
    measure postgresql "$pg" "${MG_BENCH_PG_CACHE:-}"
fi

echo
echo "bench-booking — $(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), two servers of" \
     "$server_threads threads, wrk $wrk_threads threads and $conns connections, $clients booking" \
     "clients, on the same machine, ${seconds} s each; load average before: $load0"
printf '%-10s %-46s %9s %9s %9s %11s %10s\n' "database" "request" "req/s" "p50 ms" "p99 ms" \
    "req/s ratio" "p99 ratio"
cat "$tmp/table.txt"
echo "(ratios: to the static file of the same run; booking req/s = attempts per second)"
echo "data, integrity and targets (issue: slots p99 < 20 ms; 200 booking attempts/s):"
fail=0
while read -r label gen_s nb p99 rps created gone other codes added over npool; do
    awk -v l="$label" -v g="$gen_s" -v n="$nb" -v p="$p99" -v r="$rps" -v c="$created" \
        -v go="$gone" -v o="$other" -v k="$codes" -v a="$added" -v ov="$over" -v np="$npool" 'BEGIN {
        printf "  %-10s %d bookings generated in %.1f s; slots p99 %.2f ms: %s; %.0f attempts/s: %s\n",
            l, n, g, p, (p < 20 ? "met" : "MISSED"), r, (r >= 200 ? "met" : "MISSED")
        printf "  %-10s attempts on %d offered slots: %d booked (201), %d gone (409), %d other; %d distinct codes;\n",
            "", np, c, go, o, k
        printf "  %-10s rows added %d (%s), overlapping pairs %d (%s)\n", "", a,
            (a == c && k == c ? "no booking lost or duplicated" : "LOST OR DUPLICATED"), ov,
            (ov == 0 ? "none" : "DOUBLE BOOKING") }'
    if [ "$added" != "$created" ] || [ "$codes" != "$created" ] || [ "$over" != 0 ]; then fail=1; fi
done <"$tmp/targets.txt"
exit "$fail"
