#!/usr/bin/env bash
# maillage directory: each file of tests/data/directory imported with the
# command line into a fresh SQLite database, its report checked row by row
# (line, column, kind, id, field, status); duplicates proposed for merging
# and decided; a refused import leaves the database byte for byte as it
# was; the round trip import → export → import → export identical in JSON
# and CSV; the JSON export valid against the data·inclusion 1.0.8 JSON
# Schemas (python3-jsonschema, tests/cli/di_schema_check.py).
. "$(dirname "$0")/lib.bash"
D=$MG_TEST_DATA/directory
SCHEMA=$MG_SOURCE_DIR/data/schema/data-inclusion-1.0.8
CHECK=$MG_SOURCE_DIR/tests/cli/di_schema_check.py

# row FILE LINE COLUMN KIND ID FIELD STATUS: the report (stdout of the last
# command) has exactly this row (file name without its folder).
row() {
    local want="$1,$2,$3,$4,$5,$6,$7"
    if awk -F, -v w="$want" 'NR > 1 { n = split($1, p, "/"); k = p[n] "," $2 "," $3 "," $4 "," $5 "," $6 "," $7;
                                        if (k == w) found = 1 } END { exit !found }' "$tmp/out"; then ok; else
        fail "no report row $want"; sed 's/^/  report: /' "$tmp/out" | head -20 >&2; fi
}
# rows N: the report has N rows besides its header.
rows() {
    local got; got=$(($(wc -l <"$tmp/out") - 1))
    if [ "$got" -eq "$1" ]; then ok; else fail "report has $got rows, expected $1"; fi
}
dump() { sqlite3 "$1" .dump; }

db=$tmp/d.sqlite

# --- data·inclusion JSON: every field; then duplicates; then a merge -------------
expect_exit 0 "$MAILLAGE" directory import --database "$db" "$D/di_full.json"
rows 4
row di_full.json 3 0 structure s-bram-ccas "" new
row di_full.json 32 0 structure s-montreal-mairie "" new
row di_full.json 43 0 service v-bram-acces-soins "" new
row di_full.json 79 0 service v-montreal-cabine "" new
expect_err "4 nouveau\(x\)"
# the same file again: unchanged
expect_exit 0 "$MAILLAGE" directory import --database "$db" "$D/di_full.json"
row di_full.json 3 0 structure s-bram-ccas "" unchanged
row di_full.json 79 0 service v-montreal-cabine "" unchanged

expect_exit 0 "$MAILLAGE" directory import --database "$db" --report "$tmp/report.csv" "$D/di_duplicates.json"
rows 3
row di_duplicates.json 3 0 structure x-1 siret duplicate
row di_duplicates.json 5 0 structure x-2 name duplicate
row di_duplicates.json 7 0 structure x-3 "" new
if cmp -s "$tmp/out" "$tmp/report.csv"; then ok; else fail "--report differs from the printed report"; fi
expect_exit 0 "$MAILLAGE" directory merges --database "$db"
n=$(($(wc -l <"$tmp/out") - 1))
[ "$n" -eq 2 ] && ok || fail "merges: $n proposals, expected 2"
expect_out ",siret,Centre communal d'action sociale de Bram \(exemple\),autre-producteur,x-1,"
expect_out "nom et adresse,Mairie de Montréal \(exemple\),autre-producteur,x-2,"
siret_id=$(awk -F, '$4 == "siret" { print $1 }' "$tmp/out")
addr_id=$(awk -F, '$4 != "siret" && NR > 1 { print $1 }' "$tmp/out")
expect_exit 0 "$MAILLAGE" directory merge --database "$db" --dismiss "$addr_id"
expect_exit 0 "$MAILLAGE" directory merge --database "$db" --accept "$siret_id"
expect_exit 3 "$MAILLAGE" directory merge --database "$db" --accept "$siret_id"
expect_exit 0 "$MAILLAGE" directory merges --database "$db"
n=$(($(wc -l <"$tmp/out") - 1))
[ "$n" -eq 0 ] && ok || fail "merges after decisions: $n, expected 0"

# --- missing optional fields, CSV, FINESS, annuaire ----------------------------
expect_exit 0 "$MAILLAGE" directory import --database "$db" "$D/di_minimal.json"
row di_minimal.json 2 0 structure s-min "" new
row di_minimal.json 3 0 service v-min "" new
db2=$tmp/csv.sqlite
expect_exit 0 "$MAILLAGE" directory import --database "$db2" --format datainclusion-csv \
    "$D/di_full_services.csv" "$D/di_full_structures.csv"
rows 4
row di_full_structures.csv 2 0 structure s-bram-ccas "" new
row di_full_structures.csv 3 0 structure s-montreal-mairie "" new
row di_full_services.csv 2 0 service v-bram-acces-soins "" new
row di_full_services.csv 3 0 service v-montreal-cabine "" new
gzip -c "$D/finess_aude.csv" >"$tmp/finess_aude.csv.gz"
expect_exit 0 "$MAILLAGE" directory import --database "$db" --dry-run "$tmp/finess_aude.csv.gz"
rows 7
row finess_aude.csv.gz 8 0 structure 110999133 "" new
expect_exit 0 "$MAILLAGE" directory import --database "$db" "$D/finess_aude.csv"
rows 7
for i in 2:110999026 3:110999042 4:110999067 5:110999083 6:110999091 7:110999117 8:110999133; do
    row finess_aude.csv "${i%%:*}" 0 structure "${i#*:}" "" new
done
expect_exit 0 "$MAILLAGE" directory import --database "$db" --departement 11 \
    "$D/PS_LibreAcces_Personne_activite_202601150000.txt"
rows 2
awk -F, 'NR > 1 && $4 == "structure" && $5 ~ /^as-[0-9a-f]+$/ && length($5) == 19 && $7 == "new" { n++ } END { exit n != 2 }' "$tmp/out" \
    && ok || fail "annuaire: expected 2 new practices"
row PS_LibreAcces_Personne_activite_202601150000.txt 2 0 structure "$(awk -F, 'NR == 2 { print $5 }' "$tmp/out")" "" new

# --- refusals: nothing written, the database as it was ----------------------------
dump "$db" >"$tmp/before.sql"
expect_exit 3 "$MAILLAGE" directory import --database "$db" "$D/di_full.json" "$D/di_wrong_types.json"
rows 8
row di_wrong_types.json 5 6 structure s-lat-string lat refused
row di_wrong_types.json 7 32 structure s-networks-string networks refused
row di_wrong_types.json 9 6 structure s-bad-date updated_on refused
row di_wrong_types.json 14 6 structure s-publish-string publish_contact refused
row di_wrong_types.json 15 5 structure "" "" refused
row di_wrong_types.json 20 32 service v-weeks-string weeks refused
row di_wrong_types.json 23 32 service v-theme-number thematics refused
row di_wrong_types.json 25 6 service v-name-number name refused
expect_err "rien n'a été importé"
expect_exit 3 "$MAILLAGE" directory import --database "$db" \
    "$D/di_wrong_types_structures.csv" "$D/di_wrong_types_services.csv"
row di_wrong_types_structures.csv 3 5 structure s-lat lat refused
row di_wrong_types_structures.csv 4 7 structure s-bool publish_contact refused
row di_wrong_types_structures.csv 5 8 structure s-int practitioners refused
row di_wrong_types_structures.csv 6 4 structure s-date updated_on refused
row di_wrong_types_services.csv 3 7 service v-list thematics refused
row di_wrong_types_services.csv 4 8 service v-weeks weeks refused
# unknown codes: read, then refused by the store's checks; the good rows not kept
expect_exit 3 "$MAILLAGE" directory import --database "$db" "$D/di_unknown_codes.json"
row di_unknown_codes.json 3 0 structure s-codes "" new
row di_unknown_codes.json 7 0 service v-theme-unknown thematics refused
expect_out "sante--teleconsultation-en-cabine"
expect_exit 3 "$MAILLAGE" directory import --database "$db" "$D/finess_bad.csv"
rows 5
row finess_bad.csv 3 1 structure "" "" refused
row finess_bad.csv 5 2 structure 11099904 source_id refused
row finess_bad.csv 6 31 structure 110999067 updated_on refused
row finess_bad.csv 7 3 structure 110999026 lon refused
expect_exit 3 "$MAILLAGE" directory import --database "$db" "$D/PS_LibreAcces_Personne_activite_bad.txt"
row PS_LibreAcces_Personne_activite_bad.txt 2 37 structure "" commune_code refused
# a dry run changes nothing either
expect_exit 0 "$MAILLAGE" directory import --database "$db" --dry-run "$D/di_duplicates.json"
expect_err "essai"
dump "$db" >"$tmp/after.sql"
if cmp -s "$tmp/before.sql" "$tmp/after.sql"; then ok; else
    fail "refused imports and the dry run changed the database"; diff "$tmp/before.sql" "$tmp/after.sql" | head -10 >&2; fi

# --- round trips --------------------------------------------------------------------
expect_exit 0 "$MAILLAGE" directory export --database "$db" --format datainclusion-json --out "$tmp/e1.json"
expect_exit 0 "$MAILLAGE" directory import --database "$tmp/r.sqlite" "$tmp/e1.json"
expect_exit 0 "$MAILLAGE" directory export --database "$tmp/r.sqlite" --format datainclusion-json --out "$tmp/e2.json"
if cmp -s "$tmp/e1.json" "$tmp/e2.json"; then ok; else
    fail "JSON round trip differs"; diff "$tmp/e1.json" "$tmp/e2.json" | head -10 >&2; fi
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["structures"]), len(d["services"]))' "$tmp/e1.json")
[ "$n" = "13 3" ] && ok || fail "export holds $n structures and services, expected 13 3"
expect_exit 0 "$MAILLAGE" directory export --database "$db" --format datainclusion-csv --out "$tmp/c1.csv"
[ -s "$tmp/c1-services.csv" ] && ok || fail "no c1-services.csv"
expect_exit 0 "$MAILLAGE" directory import --database "$tmp/rc.sqlite" "$tmp/c1.csv" "$tmp/c1-services.csv"
expect_exit 0 "$MAILLAGE" directory export --database "$tmp/rc.sqlite" --format datainclusion-csv \
    --out "$tmp/c2.csv" --services-out "$tmp/c2s.csv"
if cmp -s "$tmp/c1.csv" "$tmp/c2.csv" && cmp -s "$tmp/c1-services.csv" "$tmp/c2s.csv"; then ok; else
    fail "CSV round trip differs"; diff "$tmp/c1.csv" "$tmp/c2.csv" | head -10 >&2; fi
expect_exit 0 "$MAILLAGE" directory export --database "$tmp/rc.sqlite" --format datainclusion-json --out "$tmp/e3.json"
if cmp -s "$tmp/e1.json" "$tmp/e3.json"; then ok; else fail "CSV round trip lost something JSON keeps"; fi

# --- the export is valid data·inclusion 1.0.8 ---------------------------------------
if /usr/bin/python3 "$CHECK" "$SCHEMA" "$tmp/e1.json" >"$tmp/check.out" 2>&1; then ok; else
    fail "export not valid against the schema"; head -10 "$tmp/check.out" >&2; fi
grep -q "16 records checked, 0 errors" "$tmp/check.out" && ok || fail "schema check: $(tail -1 "$tmp/check.out")"
# the checker does fail on a record that breaks the schema
python3 - "$tmp/e1.json" "$tmp/broken.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["structures"][0]["latitude"] = "43.2"
d["services"][0]["frais"] = ["gratuit"]
json.dump(d, open(sys.argv[2], "w"))
EOF
if /usr/bin/python3 "$CHECK" "$SCHEMA" "$tmp/broken.json" >"$tmp/check.out" 2>&1; then
    fail "the schema check accepted a broken export"; else ok; fi
grep -q "2 errors" "$tmp/check.out" && ok || fail "schema check of the broken export: $(tail -1 "$tmp/check.out")"

# --- maillage access --practitioners: the study communes' GPs from the annuaire --------
A=$D/PS_LibreAcces_Personne_activite_202601150000.txt
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --quiet --practitioners "$A" --out "$tmp/p.csv"
# the file's GPs (tests/data/directory/README.md): Carcassonne 2, Bram 1, none elsewhere
# in the Aude; Montpellier (34172) is a neighbour and keeps the BPE's
got=$(awk -F, '$1 == "11069" || $1 == "11049" || $1 == "11076" { printf "%s=%s ", $1, $8 }' "$tmp/p.csv")
[ "$got" = "11049=1 11069=2 11076=0 " ] && ok || fail "practitioners from the annuaire: $got"
expect_exit 0 "$MAILLAGE" access "${demo[@]}" --practitioners "$A" --out "$tmp/p.csv"
expect_err "3 general practitioners in 2 practices of the study territory"
expect_exit 3 "$MAILLAGE" access "${demo[@]}" --quiet --out "$tmp/p.csv" \
    --practitioners "$D/PS_LibreAcces_Personne_activite_bad.txt"
expect_err "PS_LibreAcces_Personne_activite_bad.txt:2:37: .*trouvé « 1106 »"
expect_exit 2 "$MAILLAGE" access "${demo[@]}" --quiet --profession inf --practitioners "$A" --out "$tmp/p.csv"

# --- the same on PostgreSQL (when MG_TEST_PG_URI is set) ------------------------------
if [ -n "${MG_TEST_PG_URI:-}" ]; then
    if pg=$(pg_database mg_test_directory); then
        ref=$tmp/pgref.sqlite
        for f in di_full.json di_duplicates.json finess_aude.csv PS_LibreAcces_Personne_activite_202601150000.txt; do
            expect_exit 0 "$MAILLAGE" directory import --database "$pg" "$D/$f"
            cp "$tmp/out" "$tmp/pg-report"
            expect_exit 0 "$MAILLAGE" directory import --database "$ref" "$D/$f"
            if cmp -s "$tmp/out" "$tmp/pg-report"; then ok; else fail "PostgreSQL report of $f differs"; fi
        done
        expect_exit 0 "$MAILLAGE" directory export --database "$pg" --format datainclusion-json --out "$tmp/pg1.json"
        expect_exit 3 "$MAILLAGE" directory import --database "$pg" "$D/di_unknown_codes.json"
        expect_exit 0 "$MAILLAGE" directory export --database "$pg" --format datainclusion-json --out "$tmp/pg2.json"
        expect_exit 0 "$MAILLAGE" directory export --database "$ref" --format datainclusion-json --out "$tmp/ref.json"
        if cmp -s "$tmp/pg1.json" "$tmp/pg2.json"; then ok; else fail "a refused import changed PostgreSQL"; fi
        if cmp -s "$tmp/pg1.json" "$tmp/ref.json"; then ok; else
            fail "PostgreSQL and SQLite exports differ"; diff "$tmp/pg1.json" "$tmp/ref.json" | head -10 >&2; fi
    else
        fail "PostgreSQL: cannot create the test database"
    fi
else
    echo "PostgreSQL: MG_TEST_PG_URI not set, its half of this test not run"
fi

# --- usage errors ---------------------------------------------------------------------
expect_exit 2 "$MAILLAGE" directory import --database "$db"
expect_exit 2 "$MAILLAGE" directory export --database "$db" --format finess --out "$tmp/x"
expect_exit 2 "$MAILLAGE" directory import --database "$db" --format xml "$D/di_full.json"
expect_exit 3 "$MAILLAGE" directory merges --database "$tmp/none.sqlite"
expect_exit 3 "$MAILLAGE" directory import --database "$db" "$tmp/missing.json"
# a missing file is seen before the database is made: no new database left behind
expect_exit 3 "$MAILLAGE" directory import --database "$tmp/new.sqlite" "$tmp/missing.json"
if [ -e "$tmp/new.sqlite" ]; then fail "a refused import made $tmp/new.sqlite"; else ok; fi
finish
