#!/usr/bin/env bash
# maillage route: builds the Andorra graph, reloads it, checks that the
# contraction-hierarchy table equals the plain Dijkstra table on known
# places, that damaged or foreign files and bad extracts are refused with
# exit code 3 and a message, that an interrupted build leaves no
# half-written graph, and that maillage access takes --graph.
. "$(dirname "$0")/lib.bash"
osm=$MG_SOURCE_DIR/data/osm/andorra-2016-10-12.osm.pbf
places=$MG_SOURCE_DIR/tests/data/routing/andorra_places.csv
g=$tmp/andorra.graph

expect_exit 0 "$MAILLAGE" route build --osm "$osm" --out "$g" -q
[ -s "$g" ] && ok || fail "no graph written"
ls "$tmp"/*.tmp-* >/dev/null 2>&1 && fail "temporary file left behind" || ok

expect_exit 0 "$MAILLAGE" route info "$g"
expect_out '^nodes [0-9]+$'
nodes=$(awk '$1 == "nodes" {print $2}' "$tmp/out")
[ "$nodes" -gt 2000 ] && [ "$nodes" -lt 4000 ] && ok || fail "nodes $nodes not in (2000, 4000)"

# The CH table equals the plain Dijkstra table, pair for pair.
expect_exit 0 "$MAILLAGE" route table --graph "$g" --points "$places" --max 60 -q
cp "$tmp/out" "$tmp/ch.csv"
expect_exit 0 "$MAILLAGE" route table --graph "$g" --points "$places" --max 60 -q --method dijkstra
cmp -s "$tmp/out" "$tmp/ch.csv" && ok || fail "CH and Dijkstra tables differ"
[ "$(wc -l <"$tmp/ch.csv")" -eq 101 ] && ok || fail "expected 100 pairs within an hour"
# Andorra la Vella -> Pas de la Casa: about half an hour by road.
t=$(awk -F, '$1 == "andorra_la_vella" && $2 == "pas_de_la_casa" {print $3}' "$tmp/ch.csv")
awk -v t="$t" 'BEGIN {exit !(t > 25 && t < 45)}' && ok || fail "Andorra la Vella -> Pas de la Casa $t min"
# A bound of 10 minutes drops the long trips.
expect_exit 0 "$MAILLAGE" route table --graph "$g" --points "$places" --max 10 -q
grep -q '^andorra_la_vella,pas_de_la_casa,' "$tmp/out" && fail "pair beyond the bound kept" || ok
expect_exit 0 "$MAILLAGE" route snap --graph "$g" --points "$places"
expect_out '^ordino,42.5558000,1.5331000,42.55[0-9]+,1.53[0-9]+,[0-9.]+,[0-9.]+$'

# Damaged and foreign files.
cp "$g" "$tmp/bad.graph"
printf '\x55' | dd of="$tmp/bad.graph" bs=1 seek=5000 conv=notrunc status=none
expect_exit 3 "$MAILLAGE" route info "$tmp/bad.graph"
expect_err 'bad.graph: checksum mismatch'
head -c 3000 "$g" >"$tmp/short.graph"
expect_exit 3 "$MAILLAGE" route info "$tmp/short.graph"
expect_err 'truncated'
expect_exit 3 "$MAILLAGE" route info "$osm"
expect_err 'not a maillage road graph'
head -c 20000 "$osm" >"$tmp/cut.osm.pbf"
expect_exit 3 "$MAILLAGE" route build --osm "$tmp/cut.osm.pbf" --out "$tmp/x.graph" -q
expect_err 'cut.osm.pbf'
[ -e "$tmp/x.graph" ] && fail "graph written from a bad extract" || ok
expect_exit 2 "$MAILLAGE" route build --osm "$places" --out "$tmp/x.graph" -q
expect_err '.osm.pbf'
expect_exit 2 "$MAILLAGE" route build --out "$tmp/x.graph"
expect_exit 2 "$MAILLAGE" route frobnicate

# Interrupted builds leave either nothing or a complete graph, never a
# temporary file.
for delay in 0.05 0.3 0.8; do
    rm -f "$tmp/i.graph"
    "$MAILLAGE" route build --osm "$osm" --out "$tmp/i.graph" -q & pid=$!
    sleep "$delay"; kill -INT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    ls "$tmp"/i.graph.tmp-* >/dev/null 2>&1 && fail "temporary file left after SIGINT" || ok
    if [ -e "$tmp/i.graph" ]; then
        "$MAILLAGE" route info "$tmp/i.graph" >/dev/null 2>&1 && ok || fail "half-written graph"
    else ok; fi
done

# maillage access on road times: the Aude is far from Andorra's roads, so
# every point is reported unsnapped (and only reaches itself).
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --graph "$g" --no-neighbours --out "$tmp/a.csv"
expect_err '433 commune points further than 5000 m from the roads'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --graph "$g" --matrix "$tmp/a.csv" --quiet
expect_err 'one source of travel times'
expect_exit 3 "$MAILLAGE" access "${demo[@]}" --graph "$tmp/bad.graph" --quiet
expect_err 'checksum mismatch'
finish
