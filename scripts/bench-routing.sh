#!/usr/bin/env bash
# Routing benchmark (bench/README.md, section bench_routing): on the Andorra
# extract and on a synthetic hierarchical network of ~2.4 million OSM nodes
# (scripts/gen_synthetic_osm.py), preprocessing time and memory, then a
# 1,000 x 1,000 table bounded at 30 minutes by contraction hierarchies and by
# plain bounded Dijkstra in the same process; then the same table by pgRouting
# in a private, temporary PostgreSQL cluster: pgr_drivingDistance vertex to
# vertex (its fastest way), and pgr_withPointsDD from the same snapped points
# with the same allowances (the same table), compared pair by pair.
# MG_BENCH_PGROUTING=0 skips pgRouting; MG_BENCH_SYNTHETIC=0 the synthetic
# network (Andorra only, a minute instead of ten).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
build=${MG_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMG_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_routing >/dev/null
build=$(cd "$build" && pwd)
networks=(data/osm/andorra-2016-10-12.osm.pbf)
if [ "${MG_BENCH_SYNTHETIC:-1}" = 1 ]; then
    syn=$build/synthetic.osm
    [ -s "$syn" ] || python3 scripts/gen_synthetic_osm.py "$syn"
    networks+=("$syn")
fi

declare -A dumps
for osm in "${networks[@]}"; do
    name=$(basename "$osm" | cut -d. -f1)
    dir=$build/routing-$name
    mkdir -p "$dir"
    echo "== bench_routing $name"
    "$build/bench/bench_routing" --osm "$osm" --points 1000 --max 30 --dump "$dir" | tee "$dir/bench.txt"
    dumps[$name]=$dir
done

[ "${MG_BENCH_PGROUTING:-1}" = 1 ] || exit 0
# pgRouting: installed here rather than in install-deps.sh (only this bench needs it).
if ! dpkg-query -W -f='${Status}' postgresql-15-pgrouting 2>/dev/null | grep -q 'install ok installed'; then
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends postgresql-15-pgrouting >/dev/null
fi
pgbin=/usr/lib/postgresql/15/bin
pgdir=$(mktemp -d /tmp/mg-pgbench-XXXXXX)
port=54329
# PostgreSQL refuses to run as root: the cluster belongs to "postgres" then.
as=(); if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdir"; as=(runuser -u postgres --); fi
cleanup() { "${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" stop -m fast >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $port -k $pgdir -c listen_addresses='' -c shared_buffers=512MB -c work_mem=256MB" start >/dev/null
psql=("${as[@]}" env PGOPTIONS=--client-min-messages=warning psql -h "$pgdir" -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1)
for name in "${!dumps[@]}"; do
    dir=${dumps[$name]}
    chmod a+r "$dir"/*.csv
    echo "== pgRouting $name"
    "${psql[@]}" -c "DROP DATABASE IF EXISTS b" -c "CREATE DATABASE b"
    t0=$(date +%s.%N)
    "${psql[@]}" -d b <<SQL
CREATE EXTENSION pgrouting CASCADE;
CREATE TABLE edges (id bigint, source bigint, target bigint, cost float8, reverse_cost float8);
\copy edges FROM '$dir/edges.csv' CSV HEADER
CREATE TABLE pts (pid bigint, edge_id bigint, fraction float8, allow_s float8, vertex bigint);
\copy pts FROM '$dir/points.csv' CSV HEADER
ANALYZE;
SQL
    t1=$(date +%s.%N)
    # 1. The fastest way pgRouting has: pgr_drivingDistance from the points'
    # vertices (1800 s), kept where it reaches another point's vertex; vertex
    # to vertex, without the positions on the edges or the allowances.
    vpairs=$("${psql[@]}" -d b -t -A -c "
SELECT count(*) FROM pgr_drivingDistance(
    'SELECT id, source, target, cost, reverse_cost FROM edges',
    (SELECT array_agg(DISTINCT vertex) FROM pts), 1800, true) d
JOIN (SELECT DISTINCT vertex FROM pts) t ON d.node = t.vertex")
    t2=$(date +%s.%N)
    # 2. bench_routing's table itself: bounded searches (1800 s) from the same
    # snapped points (pgr_withPointsDD puts them on their edges at the same
    # positions), kept where they reach another point, with the same
    # allowances added and the bound applied to the total.
    "${psql[@]}" -d b <<SQL
CREATE TABLE pg AS
SELECT abs(d.start_vid) AS src, -d.node AS dst, d.agg_cost + a.allow_s + p.allow_s AS s
FROM pgr_withPointsDD(
    'SELECT id, source, target, cost, reverse_cost FROM edges',
    'SELECT pid, edge_id, fraction FROM pts',
    (SELECT array_agg(-pid) FROM pts), 1800,
    directed => true, driving_side => 'b', details => true) d
JOIN pts a ON a.pid = abs(d.start_vid)
JOIN pts p ON p.pid = -d.node
WHERE d.node < 0 AND d.agg_cost + a.allow_s + p.allow_s <= 1800;
SQL
    t3=$(date +%s.%N)
    # maillage's end to end (load the graph file, snap, table) from its run above.
    ours=$(sed -n 's/^end to end (load + snap + CH table): \([0-9.]*\) s$/\1/p' "$dir/bench.txt")
    awk -v a="$t0" -v b="$t1" -v c="$t2" -v e="$t3" -v p="$vpairs" -v m="$ours" 'BEGIN {
        printf "load into PostgreSQL: %.2f s\n", b - a
        printf "pgr_drivingDistance, vertex to vertex: %.2f s (%d vertex pairs)\n", c - b, p
        printf "pgr_withPointsDD, the same points and allowances: %.2f s\n", e - c
        printf "ratios to maillage end to end (%.4f s): drivingDistance %.0f x (%.0f x with the load), withPointsDD %.0f x (%.0f x with the load)\n",
            m, (c - b) / m, (c - a) / m, (e - c) / m, (e - c + b - a) / m }'
    # Pair by pair against maillage's table (not timed); see bench/README.md
    # for what the differences are.
    "${psql[@]}" -d b -t -A -F ' ' <<SQL
CREATE TABLE ours (src bigint, dst bigint, s float8);
\copy ours FROM '$dir/table.csv' CSV HEADER
SELECT format('pairs: pgRouting %s, maillage %s, both %s; largest difference %s s',
    count(p.src), count(o.src), count(p.src) FILTER (WHERE o.src IS NOT NULL),
    round(max(abs(p.s - o.s))::numeric, 2))
FROM pg p FULL JOIN ours o ON o.src = p.src AND o.dst = p.dst;
SQL
done
