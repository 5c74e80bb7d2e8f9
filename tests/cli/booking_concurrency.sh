#!/usr/bin/env bash
# Black box, issue 17's first "Done when": TWO `maillage serve` processes on
# one database (SQLite always, PostgreSQL too when MG_TEST_PG_URI is set);
# the next 20 free slots of one cabin; 200 clients POST /api/v1/bookings at
# once (released together by a barrier), ten on each slot, alternating
# between the two servers. Expected: exactly 20 answers 201 and 180 answers
# 409 (the slot is gone); then an SQL query over bookings, run by sqlite3 or
# psql and not by the application, finds 20 rows and no two active bookings
# of the same device, teleconsultant or assistant whose intervals intersect.
#
# Every client has its own phone number (06 39 98 00 00 to 06 39 98 01 99,
# ARCEP's range for fiction: data/demo/booking/README.md) and its own
# address: the servers run with --trusted-proxy 127.0.0.1 and each client
# sends X-Forwarded-For 10.0.X.Y, which the HTTP layer takes as the client's
# address (src/http/server.c), so that neither the two active bookings per
# phone and per address nor the throttling of attempts interfere.
set -u
: "${MAILLAGE:?}" "${MG_SOURCE_DIR:?}"
. "$(dirname "$0")/lib.bash"

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME DATABASE: serves in the background; sets port_NAME.
start() {
    local name=$1 db=$2
    rm -f "$tmp/port-$name"
    "$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port-$name" --database "$db" \
        --trusted-proxy 127.0.0.1 --quiet 2>>"$tmp/log-$name" &
    pids+=($!)
    for _ in $(seq 1 600); do [ -s "$tmp/port-$name" ] && break; sleep 0.1; done
    if [ ! -s "$tmp/port-$name" ]; then
        fail "server $name did not start on $db"; sed 's/^/  log: /' "$tmp/log-$name" >&2
        return 1
    fi
    eval "port_$name=$(cat "$tmp/port-$name")"
}

stop_servers() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    pids=()
}

# sql DB QUERY: one value, by the database's own client.
sql() {
    if [[ $1 == postgres* ]]; then psql -X -A -t -q "$1" -c "$2"; else sqlite3 "$1" "$2"; fi
}

# Pairs of active bookings sharing a device, a teleconsultant or an assistant
# over intersecting intervals.
overlaps="SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id
  WHERE a.state <> 'cancelled' AND b.state <> 'cancelled'
    AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
    AND (a.device_id = b.device_id OR a.teleconsultant_id = b.teleconsultant_id
         OR (a.assistant_id IS NOT NULL AND a.assistant_id = b.assistant_id))"

run_on() {
    local db=$1 kind=$2
    "$MAILLAGE" organisation add --database "$db" --name "Département de l'Aude" --kind departement >/dev/null &&
    "$MAILLAGE" directory import --database "$db" "$MG_SOURCE_DIR/data/demo/directory/aude-exemple.json" >/dev/null &&
    "$MAILLAGE" organisation add --database "$db" --name "Téléconsultants (exemple)" --kind other >/dev/null ||
        { fail "setup of $kind"; return; }
    cat >"$tmp/net.csv" <<'CSV'
type;site;kind;name;organisation;label;availability;kinds;sites
site;cabine-11049;;;;;;;
device;cabine-11049;cabin;Cabine (exemple);;;;;
teleconsultant;;;;Téléconsultants (exemple);Médecins (exemple);Mo-Su 00:00-24:00;gp:20;cabine-11049
CSV
    "$MAILLAGE" booking import --database "$db" --owner "Département de l'Aude" --example "$tmp/net.csv" >"$tmp/import.csv" ||
        { fail "import of the network on $kind"; return; }
    local site
    site=$(grep '^2,site,' "$tmp/import.csv" | cut -d, -f3)
    start a "$db" && start b "$db" || return
    curl -s "http://127.0.0.1:$port_a/api/v1/slots?site=$site&kind=gp&limit=20&days=14" >"$tmp/slots.json"
    python3 - "$tmp/slots.json" "$port_a" "$port_b" >"$tmp/result.txt" 2>"$tmp/client.err" <<'PY'
import http.client, json, sys, threading
slots = json.load(open(sys.argv[1]))["slots"]
ports = [int(sys.argv[2]), int(sys.argv[3])]
if len(slots) != 20:
    print("slots", len(slots)); sys.exit(0)
N = 200
barrier = threading.Barrier(N)
status = [None] * N
codes = [None] * N
def client(i):
    s = slots[i % 20]
    body = json.dumps({"site_id": s["site_id"], "device_id": s["device_id"],
                       "teleconsultant_id": s["teleconsultant_id"], "kind": s["kind"],
                       "start": s["start_utc"], "person": "A. B.",
                       "phone": "06 39 98 %02d %02d" % (i // 100, i % 100)})
    conn = http.client.HTTPConnection("127.0.0.1", ports[i % 2], timeout=120)
    conn.connect()
    barrier.wait()
    try:
        conn.request("POST", "/api/v1/bookings", body,
                     {"Content-Type": "application/json",
                      "X-Forwarded-For": "10.0.%d.%d" % (i // 250, i % 250 + 1)})
        r = conn.getresponse()
        data = r.read()
        status[i] = r.status
        if r.status == 201:
            codes[i] = json.loads(data)["code"]
        elif r.status != 409:
            sys.stderr.write("%d: %s\n" % (r.status, data[:300]))
    except Exception as e:
        status[i] = "error"
        sys.stderr.write("client %d: %r\n" % (i, e))
threads = [threading.Thread(target=client, args=(i,)) for i in range(N)]
for t in threads: t.start()
for t in threads: t.join()
created = sum(1 for s in status if s == 201)
gone = sum(1 for s in status if s == 409)
other = N - created - gone
ok_slots = len({slots[i % 20]["start_utc"] for i in range(N) if status[i] == 201})
print("created", created, "gone", gone, "other", other, "slots", ok_slots,
      "codes", len({c for c in codes if c}))
PY
    local want="created 20 gone 180 other 0 slots 20 codes 20"
    [ "$(cat "$tmp/result.txt")" = "$want" ] && ok ||
        { fail "$kind: $(cat "$tmp/result.txt"), expected \"$want\""; sed 's/^/  client: /' "$tmp/client.err" | head -5 >&2; }
    stop_servers
    local rows over
    rows=$(sql "$db" "SELECT count(*) FROM bookings WHERE state <> 'cancelled'")
    over=$(sql "$db" "$overlaps")
    [ "$rows" = 20 ] && ok || fail "$kind: $rows active bookings in the database, expected 20"
    [ "$over" = 0 ] && ok || fail "$kind: $over overlapping pairs of bookings"
    echo "$kind: $(cat "$tmp/result.txt"); $rows rows, $over overlaps"
}

run_on "$tmp/c.sqlite" SQLite
if [ -n "${MG_TEST_PG_URI:-}" ]; then
    if pg=$(pg_database mg_test_cli_booking_concurrency); then
        run_on "$pg" PostgreSQL
    else
        fail "PostgreSQL: cannot create the test database"
    fi
else
    echo "PostgreSQL: MG_TEST_PG_URI not set, its half of this test not run"
fi
finish
