#!/usr/bin/env python3
"""Writes the demo directory data/demo/directory/aude-exemple.json: EXAMPLE
structures and services of the Aude in the data·inclusion v1.0.8 JSON layout
(docs/formats.md, "Directory"), for the demo (scripts/demo.sh imports it).

Deterministic: the same inputs give the same bytes. Inputs, all in the
repository (data/demo/README.md):
  - data/demo/france/communes.json.gz: the current communes of the Aude (11)
    and the members of the CC Piège-Lauragais-Malepère (epci.json.gz, 200035707);
  - data/demo/france/laposte_hexasmal_2020.csv.gz: each commune's point
    ("coordonnees_gps", the first row of the commune, as the territory reads it)
    and postcode;
  - data/demo/france/bpe19_ensemble_sante.csv.gz: where the BPE 2019 counts
    pharmacies (D301) and general practitioners (D201).

Everything written is an example: every name says "(exemple)", the source is
"maillage-exemple", no person is named, phone numbers and e-mails are
placeholders (example.org). Only the communes, their points and the BPE counts
are real. A GP practice per commune stands for the BPE's GPs there (their count
as maillage_praticiens); a pharmacy per commune where the BPE counts any.

Usage: scripts/make_demo_directory.py [OUT]   (default data/demo/directory/aude-exemple.json)
"""
import csv
import gzip
import io
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRANCE = os.path.join(ROOT, "data", "demo", "france")
DATE = "2026-01-15"
SOURCE = "maillage-exemple"
EPCI = "200035707"  # CC Piège-Lauragais-Malepère
# The telemedicine cabin and the two carts of the contract, at town halls of
# three of its communes (an example placement).
CABIN_COMMUNE = "11049"   # Bram
CART_COMMUNES = ["11136", "11418"]  # Fanjeaux, Villasavary
HEALTH_CENTRES = ["11076", "11206", "11304"]  # Castelnaudary, Limoux, Quillan
CCAS = ["11069", "11076", "11206", "11262"]  # Carcassonne, Castelnaudary, Limoux, Narbonne
FRANCE_SERVICES = ["11049", "11033", "11203"]  # Bram, Belpech, Lézignan-Corbières


def read_gz_json(name):
    with gzip.open(os.path.join(FRANCE, name), "rt", encoding="utf-8") as f:
        return json.load(f)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "data", "demo", "directory", "aude-exemple.json")
    communes = {c["code"]: c for c in read_gz_json("communes.json.gz")
                if c.get("departement") == "11" and c.get("type") == "commune-actuelle"}
    epci = [e for e in read_gz_json("epci.json.gz") if e["code"] == EPCI][0]
    members = {m["code"] if isinstance(m, dict) else m for m in epci["membres"]}
    points = {}
    with gzip.open(os.path.join(FRANCE, "laposte_hexasmal_2020.csv.gz"), "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            code = row["Code_commune_INSEE"]
            if code in communes and code not in points and row["coordonnees_gps"]:
                lat, lon = (float(x) for x in row["coordonnees_gps"].split(","))
                points[code] = (lat, lon, row["Code_postal"])
    bpe = {}
    with gzip.open(os.path.join(FRANCE, "bpe19_ensemble_sante.csv.gz"), "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if row["DEP"] == "11" and row["TYPEQU"] in ("D301", "D201"):
                key = (row["DEPCOM"], row["TYPEQU"])
                bpe[key] = bpe.get(key, 0) + int(row["NB_EQUIP"])
    for code in [CABIN_COMMUNE] + CART_COMMUNES:
        assert code in members, code

    structures, services = [], []

    def place(code):
        c = communes[code]
        lat, lon, postcode = points[code]
        return {"code_postal": postcode, "code_insee": code, "commune": c["nom"],
                "latitude": lat, "longitude": lon}

    def structure(sid, nom, cat, code, **extra):
        s = {"source": SOURCE, "id": sid, "nom": nom, "date_maj": DATE}
        s.update(place(code))
        s["maillage_categorie"] = cat
        s.update(extra)
        structures.append(s)
        return s

    def service(sid, structure_id, nom, description, code, **extra):
        v = {"source": SOURCE, "id": sid, "structure_id": structure_id, "nom": f"{nom} (exemple)",
             "description": description, "date_maj": DATE}
        v.update(extra)
        v.update(place(code))
        services.append(v)

    # Pharmacies and GP practices where the BPE 2019 counts some (its
    # commune codes that are still communes of the Aude).
    skipped = 0
    for (code, typequ), n in sorted(bpe.items()):
        if code not in communes or code not in points:
            skipped += 1
            continue
        nom = communes[code]["nom"]
        if typequ == "D301":
            structure(f"pharmacie-{code}", f"Pharmacie de {nom} (exemple)", "pharmacy", code,
                      description="Pharmacie d'officine (exemple : la BPE 2019 en compte "
                                  f"{n} dans la commune).",
                      horaires_accueil="Mo-Fr 09:00-12:30,14:00-19:30; Sa 09:00-12:30; PH off")
        else:
            structure(f"medecins-{code}", f"Cabinet de médecine générale de {nom} (exemple)",
                      "gp_practice", code,
                      description="Médecins généralistes (exemple : la BPE 2019 en compte "
                                  f"{n} dans la commune).",
                      horaires_accueil="Mo-Fr 08:30-12:00,14:00-19:00",
                      maillage_praticiens=n)

    for code in HEALTH_CENTRES:
        nom = communes[code]["nom"]
        sid = f"centre-sante-{code}"
        structure(sid, f"Centre de santé de {nom} (exemple)", "health_centre", code,
                  description="Centre de santé pluriprofessionnel (exemple).",
                  horaires_accueil="Mo-Fr 08:00-19:00; Sa 08:00-12:00; PH off")
        service(f"{sid}-consultations", sid, "Consultations de médecine générale",
                "Consultations avec ou sans rendez-vous (exemple).", code,
                type="accompagnement", thematiques=["sante--acces-aux-soins"],
                publics=["tous-publics"], frais="payant",
                modes_accueil=["en-presentiel"], modes_mobilisation=["telephoner", "se-presenter"],
                mobilisable_par=["usagers"],
                horaires_accueil="Mo-Fr 08:00-19:00; Sa 08:00-12:00; PH off")

    contract = ("Contrat local de santé Piège-Lauragais-Malepère : "
                "télémédecine en mairie (exemple)")
    code = CABIN_COMMUNE
    nom = communes[code]["nom"]
    sid = f"cabine-{code}"
    structure(sid, f"Mairie de {nom}, cabine de télémédecine (exemple)", "cabin", code,
              adresse="Mairie", description="Cabine de téléconsultation installée en mairie "
                                            "(exemple).",
              horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00; PH off",
              maillage_role_reseau=contract,
              maillage_missions="Accueil des patients, aide à la téléconsultation",
              telephone="04 68 00 00 00", courriel="mairie@exemple.example.org",
              maillage_publie_contact=True)
    service(f"{sid}-teleconsultation", sid, "Téléconsultation en cabine",
            "Téléconsultation avec un médecin, appareils de mesure dans la cabine (exemple).",
            code, type="accompagnement", thematiques=["sante--acces-aux-soins"],
            publics=["tous-publics"], frais="payant", modes_accueil=["en-presentiel"],
            modes_mobilisation=["se-presenter", "telephoner"], mobilisable_par=["usagers"],
            zone_eligibilite=[EPCI], horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00; PH off")
    for code in CART_COMMUNES:
        nom = communes[code]["nom"]
        sid = f"chariot-{code}"
        structure(sid, f"Mairie de {nom}, chariot de téléconsultation (exemple)", "cart", code,
                  adresse="Mairie", description="Chariot de téléconsultation assistée par une "
                                                "infirmière (exemple).",
                  horaires_accueil='Tu,Th 09:00-12:00 "sur rendez-vous"',
                  maillage_role_reseau=contract)
        service(f"{sid}-teleconsultation", sid, "Téléconsultation assistée",
                "Téléconsultation accompagnée par une infirmière, sur rendez-vous (exemple).",
                code, type="accompagnement", thematiques=["sante--acces-aux-soins"],
                publics=["seniors", "tous-publics"], frais="payant",
                modes_accueil=["en-presentiel"], modes_mobilisation=["telephoner"],
                mobilisable_par=["usagers", "professionnels"], zone_eligibilite=[EPCI],
                horaires_accueil='Tu,Th 09:00-12:00 "sur rendez-vous"')

    for i, code in enumerate(CCAS):
        nom = communes[code]["nom"]
        sid = f"ccas-{code}"
        extra = {}
        if i % 2 == 0:  # some publish their contact details for invitations
            extra = {"telephone": "04 68 00 00 00", "courriel": f"ccas-{code}@exemple.example.org",
                     "maillage_publie_contact": True}
        structure(sid, f"CCAS de {nom} (exemple)", "social", code, adresse="Mairie",
                  description="Centre communal d'action sociale (exemple).",
                  reseaux_porteurs=["ccas-cias"],
                  horaires_accueil="Mo-Fr 08:30-12:00,13:30-17:00; PH off",
                  maillage_missions="Accueil, aides facultatives, orientation vers les soins",
                  **extra)
        service(f"{sid}-acces-soins", sid, "Orientation vers les soins",
                "Aide à trouver un médecin traitant et à ouvrir ses droits (exemple).", code,
                type="accompagnement", thematiques=["sante--acces-aux-soins"],
                publics=["tous-publics"], frais="gratuit", modes_accueil=["en-presentiel"],
                modes_mobilisation=["se-presenter", "telephoner"],
                mobilisable_par=["usagers", "professionnels"], zone_eligibilite=[code],
                horaires_accueil="Mo-Fr 08:30-12:00,13:30-17:00; PH off")
    for i, code in enumerate(FRANCE_SERVICES):
        nom = communes[code]["nom"]
        sid = f"france-services-{code}"
        extra = {}
        if i % 2 == 1:
            extra = {"telephone": "04 68 00 00 00",
                     "courriel": f"france-services-{code}@exemple.example.org",
                     "maillage_publie_contact": True}
        structure(sid, f"France services de {nom} (exemple)", "social", code,
                  description="Maison France services : démarches administratives (exemple).",
                  reseaux_porteurs=["france-service"],
                  horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off",
                  maillage_role_reseau="Partenaire : relais d'information sur l'offre de soins",
                  **extra)
        service(f"{sid}-droits-sante", sid, "Droits santé et démarches en ligne",
                "Aide pour le compte ameli, la complémentaire santé solidaire et les "
                "rendez-vous en ligne (exemple).", code,
                type="accompagnement",
                thematiques=["sante--acces-aux-soins", "numerique--acceder-a-des-services-en-ligne"],
                publics=["tous-publics"], frais="gratuit", modes_accueil=["en-presentiel"],
                modes_mobilisation=["se-presenter"], mobilisable_par=["usagers"],
                horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off")

    os.makedirs(os.path.dirname(out), exist_ok=True)
    text = json.dumps({"structures": structures, "services": services}, ensure_ascii=False,
                      indent=2) + "\n"
    with io.open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"{out}: {len(structures)} structures, {len(services)} services "
          f"({skipped} BPE rows of former communes left out)", file=sys.stderr)


if __name__ == "__main__":
    main()
