#!/usr/bin/env bash
# Bad input: every fault gives exit code 2 (command line) or 3 (input) with a
# message naming the file, line and column and what was expected, and no
# output file is left behind.
. "$(dirname "$0")/lib.bash"
src=$MG_SOURCE_DIR/data/demo

# A writable copy of the demo inputs; a plain file beside the .gz takes
# precedence, so each case overrides one file.
fresh() {
    rm -rf "$tmp/b" "$tmp/f"
    cp -r "$src/11-aude" "$tmp/b"
    cp -r "$src/france" "$tmp/f"
    chmod -R u+w "$tmp/b" "$tmp/f"
    rm -f "$tmp/t.csv"
}
run() { expect_exit "$1" "$MAILLAGE" access --bundle "$tmp/b" --france "$tmp/f" --quiet --out "$tmp/t.csv" "${@:2}"; }
no_output() { [ ! -e "$tmp/t.csv" ] && ! ls "$tmp"/t.csv.tmp-* >/dev/null 2>&1 && ok || fail "output left behind"; }

# Command line.
expect_exit 2 "$MAILLAGE" access --quiet
expect_err 'bundle DIR and --france DIR are required'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --frobnicate
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --profession vet
expect_err 'expected mg, inf, mk, sf or cd'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --speed fast
expect_err 'speed fast: expected a number'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --measure apl,teleportation
expect_err 'unknown measure "teleportation"'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --steps 10:1,5:0.5
expect_err 'increasing'
expect_exit 2 "$MAILLAGE" frobnicate
# Numbers on the command line are read as people write them, French
# included ("2,5", "80 000"); a badly written one names the option, what
# was expected and the convention missed.
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --speed 50 --detour 1,3 --threshold "2,5" --out "$tmp/fr.csv"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --speed 50 --detour 1.3 --threshold 2.5 --out "$tmp/en.csv"
cmp -s "$tmp/fr.csv" "$tmp/en.csv" && ok || fail "1,3 and 1.3 read differently"
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --speed "80 00"
expect_err 'speed 80 00: expected a number from 1 to 200 \(digits grouped by threes'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --threshold 1.234,5
expect_err 'threshold 1.234,5: expected a number from 0 to .*one decimal mark'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --speed 500
expect_err 'speed 500: expected a number from 1 to 200'
expect_exit 2 "$MAILLAGE" route table --threads 2,5
expect_err 'threads 2,5: expected a whole number from 1 to 64 \(no decimals\)'
# The step profile separates its steps with commas: its weights take a dot.
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --steps 10:1,15:0,66,20:0,33
expect_err 'step profile'
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --format xlsx

# Missing files.
fresh; rm "$tmp/f"/bpe19_ensemble_sante.csv.gz
run 3; expect_err 'no INSEE BPE file found'; no_output
expect_exit 3 "$MAILLAGE" access --bundle "$tmp/nowhere" --france "$src/france" --quiet
expect_err 'nowhere.*(not exist|No such)'

# BPE separated by commas instead of semicolons.
fresh; gzip -dc "$src/france/bpe19_ensemble_sante.csv.gz" | tr ';' ',' >"$tmp/f/bpe19_ensemble_sante.csv"
run 3; expect_err 'bpe19_ensemble_sante.csv:1.*DEPCOM'; expect_err 'separated by `,`'; no_output

# A non-numeric count, line 5 of the BPE file.
fresh; gzip -dc "$src/france/bpe19_ensemble_sante.csv.gz" | sed '5s/;1\r$/;un\r/' >"$tmp/f/bpe19_ensemble_sante.csv"
sed -n 5p "$tmp/f/bpe19_ensemble_sante.csv" | grep -q ';un' || fail "test setup: line 5 not changed"
run 3 --profession sf; expect_err 'bpe19_ensemble_sante.csv:5:[0-9]+: .*NB_EQUIP.*expected'; no_output

# A truncated communes.json.
fresh; gzip -dc "$src/france/communes.json.gz" | head -c 300000 >"$tmp/f/communes.json"
run 3; expect_err 'communes.json:[0-9]+:[0-9]+: .*(end of file|truncated)'; no_output

# A wrong type in communes.json.
fresh; gzip -dc "$src/france/communes.json.gz" | sed '3s/"population":270/"population":"270"/' >"$tmp/f/communes.json"
run 3; expect_err 'communes.json:3:[0-9]+: .*population.*expected'; no_output

# Invalid UTF-8 in La Poste's file, line 10.
fresh; gzip -dc "$src/france/laposte_hexasmal_2020.csv.gz" | sed '10s/;/;\xff/' >"$tmp/f/laposte_hexasmal_2020.csv"
run 3; expect_err 'laposte_hexasmal_2020.csv:10:[0-9]+: .*UTF-8'; no_output

# Coordinates that are not "lat,lon".
fresh; gzip -dc "$src/france/laposte_hexasmal_2020.csv.gz" | sed '7s/;[0-9.]*,\(-*[0-9.]*\)$/;north,\1/' >"$tmp/f/laposte_hexasmal_2020.csv"
run 3; expect_err 'laposte_hexasmal_2020.csv:7:[0-9]+: .*coordonnees_gps.*expected'; no_output

# A huge line.
fresh; { gzip -dc "$src/france/laposte_hexasmal_2020.csv.gz" | head -3; head -c 200000 /dev/zero | tr '\0' x; echo; } >"$tmp/f/laposte_hexasmal_2020.csv"
run 3; expect_err 'laposte_hexasmal_2020.csv:4.*(long|limit)'; no_output

# The DREES file without its standardised population column.
fresh; cut -d, -f1-6 "$src/11-aude/apl_mg_2021.csv" >"$tmp/b/apl_mg_2021.csv"
run 3; expect_err 'apl_mg_2021.csv:1: .*standardised population'; no_output

# A negative official value.
fresh; sed '4s/,3\.597,/,-3.597,/' "$src/11-aude/apl_mg_2021.csv" >"$tmp/b/apl_mg_2021.csv"
grep -q -- '-3.597' "$tmp/b/apl_mg_2021.csv" || fail "test setup: value not changed"
run 3; expect_err 'apl_mg_2021.csv:4: .*non-negative'; no_output

# A damaged DREES file is refused whole (issue 12, section 3), and an output
# that was there before is left as it was.
apl="$src/11-aude/apl_mg_2021.csv"
kept_output() { [ "$(cat "$tmp/t.csv" 2>/dev/null)" = before ] && ! ls "$tmp"/t.csv.tmp-* >/dev/null 2>&1 && ok || fail "output changed"; }
# A duplicated row: both lines named.
fresh; { cat "$apl"; sed -n 2p "$apl"; } >"$tmp/b/apl_mg_2021.csv"; echo before >"$tmp/t.csv"
run 3; expect_err 'apl_mg_2021.csv:435:1: commune code 11001 appears a second time \(first on line 2\): expected each commune once$'; kept_output
# Cut at a line boundary (219 of 433 rows): the contours' inhabited
# communes without a row.
fresh; head -n 220 "$apl" >"$tmp/b/apl_mg_2021.csv"; echo before >"$tmp/t.csv"
run 3; expect_err 'apl_mg_2021.csv: 214 inhabited communes of the territory \(the communes of the contours\) have no row, the first 11223 \(Mas-des-Cours, population 22\); the file ends at line 220: expected a row for every inhabited commune \(file cut short\?\); --allow-missing computes without their official values$'; kept_output
# … which --allow-missing accepts, the agreement saying over how many communes.
expect_exit 0 "$MAILLAGE" access --bundle "$tmp/b" --france "$tmp/f" --allow-missing --out "$tmp/t.csv"
expect_err 'agreement with the official APL over 219 of 433 communes \(214 inhabited communes without an official value, --allow-missing\): Spearman'
expect_err '214 inhabited communes of the territory have no official value \(214 without a row, 0 with a row without values; --allow-missing\)'
expect_exit 0 "$MAILLAGE" compare --bundle "$tmp/b" --france "$tmp/f" --allow-missing --quiet
expect_out '^communes compared: 219 of 433 \(214 inhabited communes without an official value, --allow-missing\)$'
expect_exit 0 "$MAILLAGE" compare --bundle "$tmp/b" --france "$tmp/f" --allow-missing --quiet --format json
expect_out '"missing_official": 214'
expect_exit 3 "$MAILLAGE" compare --bundle "$tmp/b" --france "$tmp/f" --quiet
expect_err 'apl_mg_2021.csv: 214 inhabited communes'
# Cut in the middle of its last number: no final line end.
fresh; head -c -3 "$apl" >"$tmp/b/apl_mg_2021.csv"; echo before >"$tmp/t.csv"
run 3; expect_err 'apl_mg_2021.csv:434:46: the last line stops without a line end: expected a complete row of 7 fields ending with a newline \(file cut short\?\)$'; kept_output
# Only the code and the name for an inhabited commune.
fresh; sed '5s/^\(11004,Alaigne\),.*\r$/\1\r/' "$apl" >"$tmp/b/apl_mg_2021.csv"; echo before >"$tmp/t.csv"
run 3; expect_err 'apl_mg_2021.csv:5:14: commune 11004 \(Alaigne, population 327\) has only 2 of the 7 fields: expected its values \(a row without values is read only for an uninhabited commune; --allow-missing takes it as without official value\)$'; kept_output
# A code and nothing else.
fresh; sed '5s/^\(11004\),.*\r$/\1\r/' "$apl" >"$tmp/b/apl_mg_2021.csv"
run 3; expect_err 'apl_mg_2021.csv:5:6: expected 7 fields as in the header, found 1 \(a row without values has at least the commune.s code and name\)$'; no_output
# The server refuses to start on a damaged file rather than serve wrong
# figures, and leaves an existing database as it was.
fresh; { cat "$apl"; sed -n 2p "$apl"; } >"$tmp/b/apl_mg_2021.csv"
expect_exit 0 "$MAILLAGE" organisation add --database "$tmp/db.sqlite" --kind departement --name Aude
sum_before=$(cat "$tmp"/db.sqlite* | sha1sum)
expect_exit 3 timeout 120 "$MAILLAGE" serve --bundle "$tmp/b" --france "$tmp/f" --quiet --port 0 \
    --port-file "$tmp/port" --database "$tmp/db.sqlite"
expect_err 'apl_mg_2021.csv:435:1: commune code 11001 appears a second time'
[ ! -e "$tmp/port" ] && ok || fail "serve started"
[ "$(cat "$tmp"/db.sqlite* | sha1sum)" = "$sum_before" ] && ok || fail "database changed"

# The DREES file as the DREES publishes it, a workbook (written by
# openpyxl: title rows, a two-row header under merged cells, empty rows):
# the same output as from the text file.
xlsx="$MG_SOURCE_DIR/tests/data/xlsx/aude_apl_mg_2021.xlsx"
fresh; rm "$tmp/b/apl_mg_2021.csv"; cp "$xlsx" "$tmp/b/apl_mg_2021.xlsx"
expect_exit 0 "$MAILLAGE" access --bundle "$tmp/b" --france "$tmp/f" --quiet --official-age 65 --out "$tmp/x.csv"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --official-age 65 --out "$tmp/c.csv"
cmp -s "$tmp/x.csv" "$tmp/c.csv" && ok || fail "the workbook and the text file read differently"
# A damaged workbook is refused, the output left as it was.
fresh; rm "$tmp/b/apl_mg_2021.csv"; head -c 20000 "$xlsx" >"$tmp/b/apl_mg_2021.xlsx"; echo before >"$tmp/t.csv"
run 3; expect_err 'apl_mg_2021.xlsx: Not a zip archive: expected an .xlsx workbook \(a zip archive\)$'; kept_output
fresh; rm "$tmp/b/apl_mg_2021.csv"; cp "$MG_SOURCE_DIR/tests/data/xlsx/apl_bad_xml.xlsx" "$tmp/b/apl_mg_2021.xlsx"
run 3; expect_err 'apl_mg_2021.xlsx: sheet "APL 2021" \(xl/worksheets/sheet2.xml\), XML line 1: malformed XML: '; no_output

# A contour that is not a polygon.
fresh; sed 's/"type":"Polygon"/"type":"Circle"/' "$src/11-aude/communes.geojson" >"$tmp/b/communes.geojson"
run 3; expect_err 'communes.geojson:[0-9]+:[0-9]+: .*Circle.*expected Polygon or MultiPolygon'; no_output

# An origin–destination table with a bad time, line 3 column 13.
fresh; printf 'from,to,minutes\n11069,11206,22.5\n11069,11001,soon\n' >"$tmp/m.csv"
run 3 --matrix "$tmp/m.csv"; expect_err 'm.csv:3:13: .*minutes.*expected'; no_output
printf 'origin,destination,minutes\n' >"$tmp/m.csv"
run 3 --matrix "$tmp/m.csv"; expect_err 'm.csv:1: no column of origins: expected "from" \(or "from_id" as IPEA.s accessibility and r5r write it, or "idSrc" as INSEE Metric does\) in a `,`-separated header; the header has "origin", "destination", "minutes"$'; no_output
# The same table in the layouts of r5r and INSEE Metric gives the same output.
printf 'from,to,minutes\n11069,11206,12.5\n11206,11069,13\n' >"$tmp/m.csv"
printf 'from_id,to_id,travel_time_p25,travel_time_p50\n11069,11206,10,12.5\n11206,11069,11,13\n' >"$tmp/r5r.csv"
printf 'ID,idSrc,lonSrc,latSrc,idDst,lonDst,latDst,duree,distance\n1,11069,2.35,43.21,11206,2.1,43.0,12.5,9.1\n2,11206,2.1,43.0,11069,2.35,43.21,13,9.2\n' >"$tmp/metric.csv"
for m in m r5r metric; do
    expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --matrix "$tmp/$m.csv" --out "$tmp/$m-out.csv"
done
cmp -s "$tmp/m-out.csv" "$tmp/r5r-out.csv" && cmp -s "$tmp/m-out.csv" "$tmp/metric-out.csv" && ok || fail "the matrix layouts read differently"

# A gzip file cut short.
fresh; head -c 200000 "$src/france/communes.json.gz" >"$tmp/f/communes.json.gz"
run 3; expect_err 'communes.json.gz: truncated or corrupt gzip data: the file ends at byte 200000 inside the compressed stream, after [0-9]+ bytes decompressed \(truncated file\?\)$'; no_output

# Something appended after the gzip stream (zlib's gzread used to ignore it).
fresh; size=$(stat -c %s "$tmp/f/communes.json.gz"); printf 'junk' >>"$tmp/f/communes.json.gz"; echo before >"$tmp/t.csv"
run 3; expect_err "communes.json.gz: unexpected data after the end of the gzip stream, at byte $size of the file: expected the end of the file or another gzip member \\(a damaged or appended file\\?\\)\$"; kept_output
# Two gzip members (what cat a.gz b.gz gives) are one file.
fresh; gzip -dc "$src/france/epci.json.gz" >"$tmp/epci.json"; rm "$tmp/f/epci.json.gz"
head -c 1000 "$tmp/epci.json" | gzip >"$tmp/f/epci.json.gz"; tail -c +1001 "$tmp/epci.json" | gzip >>"$tmp/f/epci.json.gz"
expect_exit 0 "$MAILLAGE" access --bundle "$tmp/b" --france "$tmp/f" --quiet --out "$tmp/two.csv"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/one.csv"
cmp -s "$tmp/one.csv" "$tmp/two.csv" && ok || fail "a two-member gzip file read differently"

# Unknown codes are not fatal: they are reported with file and line, and
# their practitioners are left out.
fresh; { gzip -dc "$src/france/bpe19_ensemble_sante.csv.gz"; printf '76;11;11999;11999;2019;D201;3\r\n'; } >"$tmp/f/bpe19_ensemble_sante.csv"
expect_exit 0 "$MAILLAGE" access --bundle "$tmp/b" --france "$tmp/f" --out "$tmp/t.csv"
expect_err 'bpe19_ensemble_sante.csv:218409: D201 equipment in commune 11999, a code that maps to no current commune \(3 not counted\)'
expect_err '1 warning while reading'

# The output folder does not exist: exit 4, nothing written.
expect_exit 4 "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/no/such/dir/t.csv"
expect_err 'cannot create'
finish
