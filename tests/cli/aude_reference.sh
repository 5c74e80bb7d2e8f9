#!/usr/bin/env bash
# Golden data: the Aude table of `maillage access` checked against the
# independent Python computation (tests/reference/apl_reference.py) to a
# relative 1e-9, for GPs and for nurses (another unit and scale).
. "$(dirname "$0")/lib.bash"
for prof in mg inf; do
    expect_exit 0 "$MAILLAGE" access "${demo[@]}" --profession "$prof" --quiet --out "$tmp/$prof.csv"
    if python3 "$MG_SOURCE_DIR/tests/reference/apl_reference.py" \
        "$MG_SOURCE_DIR/data/demo/11-aude" "$MG_SOURCE_DIR/data/demo/france" "$tmp/$prof.csv" \
        --profession "$prof"; then ok; else fail "$prof table differs from the reference"; fi
done
# The table has one row per current commune of the Aude (433) and the
# columns of the documented contract.
rows=$(($(wc -l <"$tmp/mg.csv") - 1))
[ "$rows" -eq 433 ] && ok || fail "expected 433 communes, found $rows"
head -1 "$tmp/mg.csv" | grep -q '^code_insee,nom,departement,epci_code,epci_nom,population,demand,practitioners,apl,apl_official,under_served$' \
    && ok || fail "unexpected header: $(head -1 "$tmp/mg.csv")"
finish
