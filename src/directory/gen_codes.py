#!/usr/bin/env python3
"""Writes src/directory/codes_table.c from the data·inclusion reference lists
vendored in data/schema/data-inclusion-1.0.8/extra/ (*.json) (the code lists of
directory/codes.h). Run from the repository's root after updating the
schema:  python3 src/directory/gen_codes.py
tests/unit/test_directory_codes.c checks that the table equals the files."""
import json
import os

SCHEMA = "data/schema/data-inclusion-1.0.8"
LISTS = [  # (enum constant, file of extra/)
    ("MG_DI_THEMATIQUES", "thematiques.json"),
    ("MG_DI_PUBLICS", "publics.json"),
    ("MG_DI_FRAIS", "frais.json"),
    ("MG_DI_MODES_ACCUEIL", "modes-accueil.json"),
    ("MG_DI_MODES_MOBILISATION", "modes-mobilisation.json"),
    ("MG_DI_MOBILISABLE_PAR", "personnes-mobilisatrices.json"),
    ("MG_DI_RESEAUX_PORTEURS", "reseaux-porteurs.json"),
    ("MG_DI_TYPES_SERVICES", "types-de-services.json"),
]


def c_string(s):
    out = []
    for b in s.encode("utf-8"):
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def main():
    lines = [
        "/* Generated from " + SCHEMA + "/extra/ (*.json) by src/directory/gen_codes.py:",
        " * do not edit. Each list is sorted by value (bytewise) for bsearch. */",
        '#include "directory/codes_table.h"',
        "",
    ]
    for const, name in LISTS:
        with open(os.path.join(SCHEMA, "extra", name), encoding="utf-8") as f:
            items = json.load(f)
        items = sorted(items, key=lambda x: x["value"].encode("utf-8"))
        var = "list_" + const[6:].lower()
        lines.append("static const mg_di_code %s[] = {" % var)
        for it in items:
            lines.append("    {%s, %s}," % (c_string(it["value"]), c_string(it["label"])))
        lines.append("};")
        lines.append("")
    lines.append("const mg_di_code_list mg_di_code_lists[MG_DI_LIST_COUNT] = {")
    for const, name in LISTS:
        var = "list_" + const[6:].lower()
        lines.append("    [%s] = {%s, sizeof %s / sizeof %s[0], %s}," % (const, var, var, var,
                                                                        c_string(name)))
    lines.append("};")
    with open("src/directory/codes_table.c", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
