#!/usr/bin/env bash
# The main job on the bundled demo territory (the Aude): installs what is
# missing, builds maillage, writes the GP accessibility table of every
# commune into out/ (CSV, GeoJSON for QGIS, key figures), then serves the
# web application on http://127.0.0.1:8080/ until Ctrl-C.
# MAILLAGE_PORT and MAILLAGE_ADDRESS change where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMG_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

mkdir -p out
demo=(--bundle data/demo/11-aude --france data/demo/france)
build/maillage access "${demo[@]}" --measure 2sfca,g2sfca,3sfca,bfca,nearest \
    --out out/aude-mg.csv --summary out/aude-mg-summary.json
build/maillage access "${demo[@]}" --quiet --format geojson --out out/aude-mg.geojson
echo "Written: out/aude-mg.csv (one row per commune), out/aude-mg.geojson (open it in QGIS),"
echo "         out/aude-mg-summary.json (key figures per territory, département and EPCI)."
echo
exec build/maillage serve "${demo[@]}" --database out/maillage.sqlite \
    --address "${MAILLAGE_ADDRESS:-127.0.0.1}" --port "${MAILLAGE_PORT:-8080}"
