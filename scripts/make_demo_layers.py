#!/usr/bin/env python3
"""Writes the demonstration layer data/demo/layers/typologie-exemple.{layer,csv}.

An EXAMPLE of a Département's own classification of its communes, built
from the legal populations of data/demo/france/communes.json.gz (Etalab,
découpage administratif 6.0.0, Licence Ouverte 2.0): "pôle urbain" from
10,000 inhabitants, "bourg-centre" from 2,000, "commune rurale" below.
It is not an official classification; it shows the layer format
(docs/formats.md, "Layers") and lets the tests and the demo use a layer.

Usage: scripts/make_demo_layers.py [DEPARTEMENT]   (default 11, the Aude)
"""
import gzip
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
dep = sys.argv[1] if len(sys.argv) > 1 else "11"
with gzip.open(os.path.join(root, "data/demo/france/communes.json.gz"), "rt", encoding="utf-8") as f:
    communes = json.load(f)
rows = []
for c in communes:
    if c.get("type") != "commune-actuelle" or c.get("departement") != dep:
        continue
    pop = c.get("population") or 0
    cls = "pôle urbain" if pop >= 10000 else "bourg-centre" if pop >= 2000 else "commune rurale"
    rows.append((c["code"], cls))
rows.sort()
out = os.path.join(root, "data/demo/layers")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "typologie-exemple.csv"), "w", encoding="utf-8", newline="") as f:
    f.write("code;typologie\n")
    for code, cls in rows:
        f.write(f"{code};{cls}\n")
with open(os.path.join(out, "typologie-exemple.layer"), "w", encoding="utf-8") as f:
    f.write(
        "# A layer of maillage (docs/formats.md, \"Layers\"): an EXAMPLE classification,\n"
        "# written by scripts/make_demo_layers.py from the legal populations.\n"
        "nom = Typologie des communes (exemple)\n"
        "annee = 2026\n"
        "source = Exemple construit par maillage à partir des populations légales "
        "(Etalab, découpage administratif, COG 2026) : pôle urbain dès 10 000 habitants, "
        "bourg-centre dès 2 000 ; pas une classification officielle\n"
        "fichier = typologie-exemple.csv\n"
        "colonne_valeur = typologie\n"
        "classes = pôle urbain, bourg-centre, commune rurale\n")
print(f"{len(rows)} communes written to {out}")
