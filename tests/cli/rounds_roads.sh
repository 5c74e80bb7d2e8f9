#!/usr/bin/env bash
# maillage rounds with a road graph (--graph), black box, on the demo Aude:
# the graph of tests/data/rounds/aude_roads.osm (a hand-made network along
# the upper Aude valley: Pieusse, Limoux, Alet-les-Bains, Couiza; one-way
# from Limoux to Alet, back by a winding lane) built by `maillage route
# build`; a service with a vehicle based near Limoux and stops at the four
# communes' chef-lieux. The plan computed with --graph drives, leg by leg,
# the road times `maillage route table` gives on the same graph rounded up
# to whole minutes (arrivals, departures and the stored drive_min read from
# the database); the current rounds entered with --graph cost the road
# times, entered without the crow-fly ones, which differ. The same legs for
# a plan computed by the pages' form of `maillage serve --graph`.
set -u
: "${MAILLAGE:?}" "${MG_SOURCE_DIR:?}"
. "$(dirname "$0")/lib.bash" # tmp, fail, ok, expect_exit, demo
osm="$MG_SOURCE_DIR/tests/data/rounds/aude_roads.osm"
graph="$tmp/aude.graph"
db="$tmp/r.sqlite"
M=("$MAILLAGE" rounds)

expect_exit 0 "$MAILLAGE" route build --osm "$osm" --out "$graph" -q
[ -s "$graph" ] && ok || fail "no graph written"

# A Département's manager (lib.bash), whose organisation runs the service.
web_account "$db" manager || { fail "no account made"; finish; exit 1; }
expect_exit 0 "${M[@]}" service add --database "$db" --organisation "$WEB_ORG" \
    --name "Bus santé" --reach 10 --stop-minutes 60 --territory "communes:11289,11206,11008,11103"
svc=$(cat "$tmp/out")
expect_exit 0 "${M[@]}" vehicle add "$svc" --database "$db" --name "Bus" \
    --base-name "Garage" --base-commune 11206 --base-point 43.0470,2.2450 \
    --days mardi --start 08:00 --end 18:00
expect_exit 0 "${M[@]}" stops default "$svc" --database "$db" "${demo[@]}" -q
expect_out "^4;0$"

# Every stop and the base as points; the road table among them (minutes,
# two decimals) on the graph.
{
    echo "id,lat,lon"
    sqlite3 -separator , "$db" "SELECT 's' || id, lat, lon FROM round_stops WHERE service_id = $svc"
    sqlite3 -separator , "$db" "SELECT 'v' || id, base_lat, base_lon FROM round_vehicles WHERE service_id = $svc"
} >"$tmp/points.csv"
[ "$(wc -l <"$tmp/points.csv")" -eq 6 ] && ok || fail "points: $(cat "$tmp/points.csv")"
expect_exit 0 "$MAILLAGE" route table --graph "$graph" --points "$tmp/points.csv" --max 600 -q
cp "$tmp/out" "$tmp/road.csv"
[ "$(tail -n +2 "$tmp/road.csv" | wc -l)" -eq 25 ] && ok || fail "road table: not 25 pairs"

# up FROM TO: the road minutes rounded up; "a|b" when the two decimals
# printed cannot tell (x.00: exactly x, or a hair above).
up() {
    awk -F, -v a="$1" -v b="$2" '$1 == a && $2 == b {
        m = $3 + 0; c = int(m); if (c < m) c++
        if (m == int(m) && m > 0) print c "|" c + 1; else print c; found = 1 }
        END { if (!found) print "none" }' "$tmp/road.csv"
}
# within WANT GOT: GOT is WANT or one of "a|b".
within() { case "|$1|" in *"|$2|"*) return 0 ;; *) return 1 ;; esac; }

# route_check PLAN: each route of the plan leaves the base, drives the
# road time to each stop (no break, so no waiting), and drive_min is the
# sum of its legs, the way back included.
route_check() {
    local plan=$1 routes=0 r
    for r in $(sqlite3 "$db" "SELECT id FROM round_routes WHERE plan_id = $1"); do
        routes=$((routes + 1))
        local veh leave back drive
        IFS='|' read -r veh leave back drive < <(sqlite3 "$db" \
            "SELECT vehicle_id, leave_min, back_min, drive_min FROM round_routes WHERE id = $r")
        local prev="v$veh" t="$leave" sum=0 stop arrive depart want
        while IFS='|' read -r stop arrive depart; do
            want=$(up "$prev" "s$stop")
            within "$want" $((arrive - t)) && ok ||
                fail "plan $plan, route $r: $prev -> s$stop drives $((arrive - t)) min, road $want"
            sum=$((sum + arrive - t)); prev="s$stop"; t=$depart
        done < <(sqlite3 "$db" "SELECT stop_id, arrive_min, depart_min FROM round_visits
                                WHERE route_id = $r ORDER BY position")
        want=$(up "$prev" "v$veh")
        within "$want" $((back - t)) && ok ||
            fail "plan $plan, route $r: $prev -> base drives $((back - t)) min, road $want"
        sum=$((sum + back - t))
        [ "$drive" -eq "$sum" ] && ok || fail "plan $plan, route $r: drive_min $drive, legs $sum"
    done
    [ "$routes" -ge 1 ] && ok || fail "plan $plan has no route"
}

# --- A plan computed on the roads ---------------------------------------------------------------
expect_exit 0 "${M[@]}" plan "$svc" --database "$db" "${demo[@]}" --graph "$graph" --seconds 0.5
expect_err "plan 1 stored"
nvisits=$(sqlite3 "$db" "SELECT count(*) FROM round_visits v JOIN round_routes r ON r.id = v.route_id
                        WHERE r.plan_id = 1")
[ "$nvisits" -ge 2 ] && ok || fail "the road plan visits $nvisits stops"
route_check 1

# --- The current rounds: Alet then Limoux (the long way back) ----------------------------------
printf 'vehicule;jour;commune;arret;arrivee;depart\nBus;mardi;11008;Centre-bourg;09:00;10:00\nBus;mardi;11206;Centre-bourg;11:00;12:00\n' \
    >"$tmp/cur.csv"
expect_exit 0 "${M[@]}" enter "$svc" "$tmp/cur.csv" --database "$db" "${demo[@]}" --graph "$graph" -q
road_plan=$(sqlite3 "$db" "SELECT max(id) FROM round_plans WHERE service_id = $svc")
expect_exit 0 "${M[@]}" enter "$svc" "$tmp/cur.csv" --database "$db" "${demo[@]}" -q
crow_plan=$(sqlite3 "$db" "SELECT max(id) FROM round_plans WHERE service_id = $svc")
[ "$road_plan" != "$crow_plan" ] && ok || fail "the second entry stored no plan"
alet=$(sqlite3 "$db" "SELECT id FROM round_stops WHERE service_id = $svc AND commune_code = '11008'")
limoux=$(sqlite3 "$db" "SELECT id FROM round_stops WHERE service_id = $svc AND commune_code = '11206'")
veh=$(sqlite3 "$db" "SELECT id FROM round_vehicles WHERE service_id = $svc")
drive() { sqlite3 "$db" "SELECT drive_min FROM round_routes WHERE plan_id = $1"; }
leave() { sqlite3 "$db" "SELECT leave_min FROM round_routes WHERE plan_id = $1"; }
d1=$(up "v$veh" "s$alet"); d2=$(up "s$alet" "s$limoux"); d3=$(up "s$limoux" "v$veh")
case "$d1$d2$d3" in *"|"* | *none*) fail "ambiguous or missing road times: $d1 $d2 $d3" ;; *) ok ;; esac
want=$((d1 + d2 + d3))
[ "$(drive "$road_plan")" -eq "$want" ] && ok ||
    fail "entered with --graph: drive $(drive "$road_plan"), road legs $d1 + $d2 + $d3 = $want"
[ "$(leave "$road_plan")" -eq $((540 - d1)) ] && ok ||
    fail "entered with --graph: leaves at $(leave "$road_plan"), expected $((540 - d1))"
[ "$(drive "$crow_plan")" -ne "$want" ] && ok ||
    fail "the crow-fly rounds drive the road's $want minutes too"
# --- The pages: `maillage serve --graph` computes its plans on the roads --------------------------
"$MAILLAGE" serve "${demo[@]}" --port 0 --port-file "$tmp/port" --database "$db" \
    --graph "$graph" --quiet 2>"$tmp/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start: $(cat "$tmp/serve.err")"; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
web_login "$base" || { fail "log-in"; finish; exit 1; }
loc=$(curl -s -o /dev/null -D - -b "$WEB_JAR" "$base/tournees/services/$svc/plans" \
    --data-urlencode "csrf=$WEB_CSRF" --data-urlencode "seconds=1" --data-urlencode "label=Routes" |
    tr -d '\r' | sed -n 's|^[Ll]ocation: .*/plans/\([0-9][0-9]*\)$|\1|p')
[ -n "$loc" ] && ok || fail "the page's plan form did not lead to a plan"
web_plan=$(sqlite3 "$db" "SELECT id FROM round_plans WHERE service_id = $svc AND label = 'Routes'")
[ -n "$web_plan" ] && [ "$web_plan" = "$loc" ] && ok || fail "plan of the page: '$web_plan', location '$loc'"
route_check "$web_plan"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null

finish
