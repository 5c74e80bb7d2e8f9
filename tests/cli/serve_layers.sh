#!/usr/bin/env bash
# Black-box: `maillage serve --layer` (issue 13, section 7). A bad layer
# stops the start before it listens, naming the file, line and column (exit
# 3), as does a missing descriptor; two layers of the same name are a usage
# error (exit 2). A good layer is served: its section on the territory
# page, its class as a scope, its year in the sources line of a map.
. "$(dirname "$0")/lib.bash"
M=$MAILLAGE
layers=$MG_SOURCE_DIR/data/demo/layers
db=$tmp/db.sqlite
printf 'nom = x\nannee = 23\n' >"$tmp/bad.layer"
expect_exit 3 "$M" serve "${demo[@]}" --database "$db" --port 0 --quiet --layer "$tmp/bad.layer"
expect_err "bad.layer:2:9: \"annee\" must be a year of four digits"
expect_exit 3 "$M" serve "${demo[@]}" --database "$db" --port 0 --quiet --layer "$tmp/none.layer"
expect_err "none.layer: cannot open the layer descriptor"
mkdir "$tmp/b"
cp "$layers"/typologie-exemple.* "$tmp/b/"
expect_exit 2 "$M" serve "${demo[@]}" --database "$db" --port 0 --quiet \
    --layer "$layers/typologie-exemple.layer" --layer "$tmp/b/typologie-exemple.layer"
expect_err 'a layer named "typologie-exemple" is loaded already'
printf 'code;typologie\n11069;pôle urbain\n99999;commune rurale\n' >"$tmp/b/typologie-exemple.csv"
expect_exit 3 "$M" serve "${demo[@]}" --database "$db" --port 0 --quiet \
    --layer "$tmp/b/typologie-exemple.layer"
expect_err 'typologie-exemple.csv:3:1: "99999" is not the INSEE code of a commune'
printf 'code;typologie\n11069;métropole\n' >"$tmp/b/typologie-exemple.csv"
expect_exit 3 "$M" serve "${demo[@]}" --database "$db" --port 0 --quiet \
    --layer "$tmp/b/typologie-exemple.layer"
expect_err "typologie-exemple.csv:2:7: \"métropole\" is not one of the layer's classes"

# A good layer, served.
"$M" serve "${demo[@]}" --database "$db" --port 0 --port-file "$tmp/port" --quiet \
    --layer "$layers/typologie-exemple.layer" 2>"$tmp/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || { fail "server did not start"; cat "$tmp/serve.err" >&2; finish; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
curl -s -o "$tmp/out" "$base/territoire"
expect_out '<h2 id="couche-0">Couche : Typologie des communes \(exemple\)</h2>'
# The example's bourgs-centres: the communes of 2,000 to 9,999 inhabitants,
# counted from the layer's own CSV, in the scope's commune table.
want=$(grep -c ';bourg-centre$' "$layers/typologie-exemple.csv")
code=$(curl -s -o "$tmp/out" -w '%{http_code}' "$base/territoire?perimetre=couche%3Atypologie-exemple%3Abourg-centre")
[ "$code" = 200 ] && ok || fail "the layer's class as a scope: $code"
expect_out "$want communes sur les 433 du territoire"
code=$(curl -s -o "$tmp/out" -w '%{http_code}' "$base/carte.svg?perimetre=couche%3Atypologie-exemple%3Abourg-centre")
[ "$code" = 200 ] && ok || fail "the scoped map: $code"
expect_out 'Typologie des communes \(exemple\) 2026'
code=$(curl -s -o "$tmp/out" -w '%{http_code}' "$base/territoire?perimetre=couche%3Atypologie-exemple%3Ametropole")
[ "$code" = 400 ] && ok || fail "an unknown class: $code, expected 400"
finish
