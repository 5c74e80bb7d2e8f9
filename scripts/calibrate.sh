#!/usr/bin/env bash
# Reproduces the shipped model parameters: `maillage calibrate` on the
# national DREES APL 2021 files of each profession (data/demo/france/
# drees-apl-2021, or the folder given as $1), with
# leave-one-département-out cross-validation, from the uncalibrated model.
# Writes data/model/apl-<profession>.txt (the defaults compiled into
# src/access/model.c must then be set to these values; test_calibrate
# checks they are) and docs/calibration/<profession>.csv (the figures per
# département quoted in docs/methodology.md). About 4 minutes per
# profession on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
national=${1:-data/demo/france/drees-apl-2021}
[ -d "$national" ] || { echo "calibrate.sh: no folder $national (the national DREES files)" >&2; exit 3; }
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j"$(nproc)" --target maillage >/dev/null
mkdir -p data/model docs/calibration
for prof in mg inf mk sf cd; do
    echo "== $prof" >&2
    build-release/maillage calibrate --bundle "$national" --france data/demo/france \
        --profession "$prof" --uncalibrated --threads "$(nproc)" \
        --out "data/model/apl-$prof.txt" --report "docs/calibration/$prof.csv"
done
