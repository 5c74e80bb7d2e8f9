#!/usr/bin/python3
"""Writes the .xlsx test files with openpyxl (Debian: python3-openpyxl).

Not run by the tests: its output is committed, so that CI needs neither
Python packages nor a spreadsheet program. Run it again after changing it
(with Debian's Python, where the package is):
    /usr/bin/python3 tests/data/xlsx/make_openpyxl.py

Each workbook is laid out as the DREES publishes the APL: a notes sheet
first, then the table under title rows, its header on two rows with the
APL columns grouped under a merged cell, empty rows in between.
"""
import csv
import os
import sys
import zipfile

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
LOW = ["Code commune INSEE", "Libellé de la commune", "Population totale",
       "sans borne d'âge", "de 65 ans et moins", "de 62 ans et moins",
       "Population standardisée par la consommation de soins par tranche d'âge"]


def workbook(rows, group="APL aux médecins généralistes", low=LOW):
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Source : DREES, SNIIR-AM, EGB, CNAM-TS ; populations INSEE."
    notes["A2"] = "Champ : France hors Mayotte."
    ws = wb.create_sheet("APL 2021")
    ws["A1"] = "Accessibilité potentielle localisée (APL) aux médecins généralistes"
    ws["A3"] = "Unité : consultations/visites accessibles par habitant standardisé"
    ws["A5"] = "Commune"
    ws.merge_cells("A5:B5")
    ws["D5"] = group
    ws.merge_cells("D5:F5")
    for k, name in enumerate(low):
        ws.cell(row=6, column=k + 1, value=name)
    r = 7
    for row in rows:
        if row is None:  # an empty row
            r += 1
            continue
        for k, v in enumerate(row):
            if v is None or v == "":
                continue
            # Codes and names as text, values as numbers, as the DREES does.
            ws.cell(row=r, column=k + 1, value=v if k < 2 else float(v))
        r += 1
    return wb


def save(wb, name):
    path = os.path.join(HERE, name)
    wb.save(path)
    print(path)


def main():
    # The unit-test territory (tests/unit/test_territory_import.c).
    ok = [["11001", "Aigues-Vives", 563, 3.226, 3.2, 2.861, 570.5599999999999],
          None,
          ["11900", "Airoux-Haut", 150, 3.0, 2.9, 2.8, 160.25],
          ["11901", "Airoux-Bas, le", 20, 4.0, 3.5, 3.0, 40.75],
          None, None,
          ["97411", "Saint-Denis"],
          ["13201", "", 37599, 4.5, 4.4, 4.3, 39000]]
    save(workbook(ok), "apl_ok.xlsx")
    bad = [r[:] if r else r for r in ok]
    bad[0][4] = "beaucoup"
    wb = workbook([])
    ws = wb["APL 2021"]
    for k, v in enumerate(bad[0]):
        ws.cell(row=7, column=k + 1, value=v)
    save(wb, "apl_bad_number.xlsx")
    save(workbook(ok + [ok[0]]), "apl_duplicate.xlsx")
    save(workbook(ok[:1] + [["11003", "Ajac"]]), "apl_short_inhabited.xlsx")
    # The demo Aude file, the same values as data/demo/11-aude/apl_mg_2021.csv.
    with open(os.path.join(ROOT, "data/demo/11-aude/apl_mg_2021.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    aude = [[r[0], r[1]] + [x for x in r[2:]] for r in rows]
    save(workbook(aude), "aude_apl_mg_2021.xlsx")
    # A sheet whose XML stops in the middle of a row (the zip itself sound).
    src = os.path.join(HERE, "apl_ok.xlsx")
    dst = os.path.join(HERE, "apl_bad_xml.xlsx")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[:data.index(b"<row r=\"9\"")] + b"<row r=\"9\"><c r=\"A9\" t=\"s\"><v>1</c></row>"
            zout.writestr(item, data)
    print(dst)
    # openpyxl writes inline strings; Excel and LibreOffice write shared
    # strings (xl/sharedStrings.xml, some as rich-text runs, with phonetic
    # runs to leave out). The same sheet rewritten that way, by hand.
    import re
    dst = os.path.join(HERE, "apl_shared_strings.xlsx")
    strings = []
    def to_shared(m):
        text = m.group(2)
        strings.append(text)
        return '%st="s"><v>%d</v></c>' % (m.group(1), len(strings) - 1)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = re.sub(r'(<c r="[A-Z]+[0-9]+" )t="inlineStr"><is><t>(.*?)</t></is></c>',
                              to_shared, data.decode()).encode()
            zout.writestr(item, data)
        sis = []
        for t in strings:
            if t == "Code commune INSEE":  # rich text: two runs, and a phonetic run
                sis.append('<si><r><t>Code commune</t></r><r><rPr><b/></rPr>'
                           '<t xml:space="preserve"> INSEE</t></r><rPh sb="0" eb="1"><t>X</t></rPh></si>')
            else:
                sis.append("<si><t>%s</t></si>" % t)
        zout.writestr("xl/sharedStrings.xml",
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                      '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      'count="%d" uniqueCount="%d">%s</sst>' % (len(sis), len(sis), "".join(sis)))
    print(dst)


if __name__ == "__main__":
    sys.exit(main())
