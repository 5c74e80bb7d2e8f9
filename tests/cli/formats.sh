#!/usr/bin/env bash
# Output formats of `maillage access` and `maillage compare`, checked with
# Python's own parsers.
. "$(dirname "$0")/lib.bash"

expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --format geojson --out "$tmp/a.geojson"
python3 - "$tmp/a.geojson" <<'PY' && ok || fail "GeoJSON output"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["type"] == "FeatureCollection"
feats = doc["features"]
assert len(feats) == 433, len(feats)
kinds = {f["geometry"]["type"] for f in feats}
assert kinds == {"MultiPolygon"}, kinds
# Val-de-Dagne (11251) absorbed Pradelles-en-Val (11298): two 2018 polygons.
vdd = [f for f in feats if f["properties"]["code_insee"] == "11251"][0]
assert len(vdd["geometry"]["coordinates"]) >= 2
for f in feats:
    for poly in f["geometry"]["coordinates"]:
        for ring in poly:
            for lon, lat in ring:
                assert 1.6 < lon < 3.3 and 42.6 < lat < 43.5, (lon, lat)
assert all(isinstance(f["properties"]["apl"], float) for f in feats)
PY

# GDAL, the library QGIS reads vector files with, opens it as a WGS84 layer
# of 433 multipolygons with the table's columns.
if command -v ogrinfo >/dev/null; then
    expect_exit 0 ogrinfo -ro -so -al "$tmp/a.geojson"
    expect_out 'Feature Count: 433'
    expect_out 'Geometry: Multi Polygon'
    expect_out 'ID\["EPSG",4326\]'
    expect_out '^apl_official: Real'
else
    fail "ogrinfo (Debian gdal-bin) is not installed: scripts/install-deps.sh test installs it"
fi

expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --format json --measure 2sfca,gravity,nearest --out "$tmp/a.json"
python3 - "$tmp/a.json" <<'PY' && ok || fail "JSON output"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["meta"]["profession"] == "mg"
rows = doc["communes"]
assert len(rows) == 433
for r in rows:
    assert r["nearest"] is None or 0 <= r["nearest"] < 20
    if r["practitioners"] > 0:
        assert r["nearest"] == 0.0, r
    assert r["gravity"] >= r["practitioners"] - 1e-9
s = doc["summary"]
assert 0 < s["territory"]["gini"] < 1
assert abs(s["theil_between_epci"] + s["theil_within_epci"] - s["territory"]["theil"]) < 1e-9
assert s["agreement"]["communes"] == 433
PY

# compare, text and JSON, and on a written table.
expect_exit 0 "$MAILLAGE" compare "${demo[@]}" --quiet
expect_out '^Spearman rank correlation: 0\.[0-9]+'
expect_out 'classification below 2\.5'
expect_exit 0 "$MAILLAGE" compare "${demo[@]}" --quiet --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["communes"]==433 and -1<=d["spearman"]<=1' "$tmp/out" && ok || fail "compare JSON"
"$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/t.csv"
cp "$tmp/out" "$tmp/direct.json"
expect_exit 0 "$MAILLAGE" compare --table "$tmp/t.csv" --format json
python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
assert abs(a["spearman"]-b["spearman"])<1e-9 and a["below_both"]==b["below_both"], (a,b)' "$tmp/out" "$tmp/direct.json" && ok || fail "compare --table disagrees with compare"

# --help everywhere.
for c in access compare; do
    expect_exit 0 "$MAILLAGE" "$c" --help
    expect_out "Usage: maillage $c"
done
expect_exit 0 "$MAILLAGE" --help
# An output that is not a regular file is written in place: a FIFO gets the
# table and stays a FIFO; a character device (a private copy of /dev/null,
# when this user may make one) stays a device. Renaming a temporary file
# onto it, as for a file, would replace the node by a regular file.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo.csv" &
reader=$!
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/fifo"
wait "$reader"
[ -p "$tmp/fifo" ] && ok || fail "the FIFO was replaced by a file"
[ "$(wc -l <"$tmp/from-fifo.csv")" -eq 434 ] && ok || fail "the table did not come through the FIFO"
if mknod "$tmp/null" c 1 3 2>/dev/null; then
    expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/null" --summary "$tmp/null"
    [ -c "$tmp/null" ] && ok || fail "the device node was replaced by a file"
fi
expect_exit 4 "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp"
expect_err 'it is a folder'
# Output files get the usual permissions: 0666 less the umask (mkstemp's
# 0600 before), for the table and the summary alike.
(umask 022 && "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/perm.csv" --summary "$tmp/perm.json")
[ "$(stat -c %a "$tmp/perm.csv")" = 644 ] && ok || fail "table written $(stat -c %a "$tmp/perm.csv"), expected 644"
[ "$(stat -c %a "$tmp/perm.json")" = 644 ] && ok || fail "summary written $(stat -c %a "$tmp/perm.json"), expected 644"
(umask 077 && "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/perm2.csv")
[ "$(stat -c %a "$tmp/perm2.csv")" = 600 ] && ok || fail "umask 077 not followed"
finish
