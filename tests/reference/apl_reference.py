#!/usr/bin/env python3
"""An independent computation of the DREES APL for a bundle, to check
maillage's table against.

Written separately from the C engine and sharing none of its code: its own
parsing (Python's csv, json and gzip modules), its own code-history mapping,
a plain haversine, and the E2SFCA evaluated over all pairs of communes (no
spatial index). It implements the documented method (docs/methodology.md)
with the model parameters of a parameter file (by default the shipped fit,
data/model/apl-<profession>.txt, read here by its own parser): the crow-fly
time with its access time, the DREES steps smoothed by a log-normal error
on time (Φ through math.erfc, no table), the activity per practitioner as a
power of the demand within reach, health centres as extra GPs. The two must
agree to rounding.

Usage: apl_reference.py BUNDLE FRANCE TABLE.csv [--profession mg] [--params FILE]
Compares the `apl` column of TABLE.csv (written by `maillage access`) with
its own values; prints the largest relative difference and exits 1 when it
exceeds 1e-9 or when the communes differ.
"""
import csv
import gzip
import io
import json
import math
import os
import sys

BPE_TYPE = {"mg": "D201", "inf": "D232", "mk": "D233", "sf": "D231", "cd": "D221"}
PER_HEAD = {"mg": 4265.0}
SCALE = {"mg": 1.0}
STEPS = [(10.0, 1.0), (15.0, 0.66), (20.0, 0.33)]
CATCHMENT = 20.0
SPREAD_Z = 2.5
EARTH_KM = 6371.0088
HERE = os.path.dirname(os.path.abspath(__file__))


def read_params(path):
    """key = value lines, '#' comments; every key of the model."""
    p = {"speed_kmh": 60.0, "detour": 1.3, "access_minutes": 0.0, "time_spread": 0.0,
         "activity_exponent": 0.0, "activity_reference": 0.0, "centre_practitioners": 0.0}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, value = (x.strip() for x in line.split("=", 1))
            if key not in p:
                raise ValueError("%s: unknown key %s" % (path, key))
            p[key] = float(value)
    return p


def open_text(folder, name):
    """Opens name or name.gz in folder or one of its direct sub-folders."""
    dirs = [folder] + sorted(os.path.join(folder, d) for d in os.listdir(folder)
                             if os.path.isdir(os.path.join(folder, d)))
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return open(p, encoding="utf-8-sig", newline="")
        if os.path.exists(p + ".gz"):
            return io.TextIOWrapper(gzip.open(p + ".gz"), encoding="utf-8-sig", newline="")
    raise FileNotFoundError(name)


def phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def weight(t, spread):
    if spread == 0:
        for upper, w in STEPS:
            if t < upper:
                return w
        return 0.0
    if t >= STEPS[-1][0] * math.exp(SPREAD_Z * spread):
        return 0.0
    if t <= 0:
        return STEPS[0][1]
    x, prev = 0.0, 0.0
    for upper, w in STEPS:
        cur = phi(math.log(upper / t) / spread)
        x += w * (cur - prev)
        prev = cur
    return x


def main():
    bundle, france, table = sys.argv[1:4]
    opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    prof = opts.get("--profession", "mg")
    params = read_params(opts.get("--params", os.path.join(HERE, "..", "..", "data", "model",
                                                          "apl-%s.txt" % prof)))
    speed, detour, access = params["speed_kmh"], params["detour"], params["access_minutes"]
    spread, gamma = params["time_spread"], params["activity_exponent"]
    reference = params["activity_reference"]
    centre_heads = params["centre_practitioners"] if prof == "mg" else 0.0
    if gamma != 0 and reference <= 0:
        raise ValueError("the parameter file needs activity_reference with activity_exponent")
    reach = max(CATCHMENT, STEPS[-1][0] * math.exp(SPREAD_Z * spread) if spread > 0 else 0)

    communes = json.load(open_text(france, "communes.json"))
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    alias = {}
    for c in communes:
        if c["type"] == "commune-actuelle":
            for old in c.get("anciensCodes", []):
                alias.setdefault(old, c["code"])
        elif c["type"] == "arrondissement-municipal":
            alias.setdefault(c["code"], c["commune"])
        else:
            alias.setdefault(c["code"], c["chefLieu"])

    def resolve(code):
        for _ in range(5):
            if code in current:
                return code
            code = alias.get(code)
            if code is None:
                return None
        return None

    point, rank = {}, {}
    for row in csv.DictReader(open_text(france, "laposte_hexasmal_2020.csv"), delimiter=";"):
        code, gps = row["Code_commune_INSEE"], row["coordonnees_gps"]
        cur = resolve(code)
        if not gps or cur is None:
            continue
        r = 2 if cur == code else 1
        if r > rank.get(cur, 0):
            lat, lon = (float(v) for v in gps.split(","))
            point[cur], rank[cur] = (lat, lon), r

    heads, centres = {}, {}
    for row in csv.DictReader(open_text(france, "bpe19_ensemble_sante.csv"), delimiter=";"):
        kind = {BPE_TYPE[prof]: heads, "D108": centres}.get(row["TYPEQU"])
        if kind is not None:
            cur = resolve(row["DEPCOM"])
            if cur is not None:
                kind[cur] = kind.get(cur, 0) + int(row["NB_EQUIP"])
    per_head = PER_HEAD.get(prof, 1.0)
    if centre_heads > 0:
        total = sum(heads.values())
        per_head *= total / (total + centre_heads * sum(centres.values()))

    # The national file in the France folder, when there is one, gives the
    # standardised population of every commune; the bundle's file its own.
    national = {}
    try:
        with open_text(france, "apl_%s_2021.csv" % prof) as f:
            nrows = list(csv.reader(f))
        for row in nrows[1:]:
            cur = resolve(row[0])
            if cur is not None and len(row) == len(nrows[0]) and row[-1].strip():
                national[cur] = national.get(cur, 0.0) + float(row[-1])
    except FileNotFoundError:
        pass
    std, study = {}, set()
    with open_text(bundle, "apl_%s_2021.csv" % prof) as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        cur = resolve(row[0])
        if cur is None:
            continue
        study.add(cur)
        if row[-1].strip():
            std[cur] = std.get(cur, 0.0) + float(row[-1])
    contours = json.load(open_text(bundle, "communes.geojson"))
    for feat in contours["features"]:
        cur = resolve(feat["properties"]["code"])
        if cur is not None:
            study.add(cur)

    codes = sorted(current)
    national.update(std)
    demand = {c: national.get(c, float(current[c].get("population", 0))) for c in codes}
    practitioners = {c: heads.get(c, 0) + centre_heads * centres.get(c, 0) for c in codes}

    def minutes(a, b):
        if a == b:
            return 0.0
        (la1, lo1), (la2, lo2) = point[a], point[b]
        p1, p2 = math.radians(la1), math.radians(la2)
        h = (math.sin((p2 - p1) / 2) ** 2 +
             math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2)
        km = 2 * EARTH_KM * math.asin(math.sqrt(min(1.0, h)))
        return access + km * detour / speed * 60

    # Every commune within 2 catchments of the study can matter: compare all
    # pairs among communes with a point within a generous box of the study.
    pts = [point[c] for c in study if c in point]
    lat0, lat1 = min(p[0] for p in pts) - 1, max(p[0] for p in pts) + 1
    lon0, lon1 = min(p[1] for p in pts) - 1.5, max(p[1] for p in pts) + 1.5
    region = [c for c in codes if c in point and lat0 <= point[c][0] <= lat1
              and lon0 <= point[c][1] <= lon1]
    w = {}
    for a in region:
        for b in region:
            t = minutes(a, b)
            if t <= reach:
                x = weight(t, spread)
                if x > 0:
                    w[(a, b)] = x
    seen = {}
    for (a, b), x in w.items():
        seen[b] = seen.get(b, 0.0) + x * demand[a]
    # Activity per practitioner: a power of the demand within reach (the
    # table is symmetric, so the demand reaching b is the demand b reaches).
    supply = {}
    for c in region:
        act = 1.0
        if gamma != 0 and practitioners[c] > 0:
            d = seen.get(c, 0.0)
            act = min(5.0, max(0.2, (d / reference) ** gamma)) if d > 0 else 0.2
        supply[c] = practitioners[c] * per_head * act
    ratio = {b: supply[b] / d for b, d in seen.items() if d > 0}
    apl = {}
    for (a, b), x in w.items():
        if a in study:
            apl[a] = apl.get(a, 0.0) + x * ratio.get(b, 0.0)
    for c in study:
        apl[c] = apl.get(c, 0.0) * SCALE.get(prof, 1e5)

    ours = {}
    with open(table, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ours[row["code_insee"]] = float(row["apl"])
    if set(ours) != study:
        print("communes differ: only in table %s, only here %s"
              % (sorted(set(ours) - study)[:10], sorted(study - set(ours))[:10]))
        return 1
    worst, where = 0.0, None
    for c in study:
        rel = abs(ours[c] - apl[c]) / max(1e-12, abs(apl[c]))
        if rel > worst:
            worst, where = rel, c
    print("%d communes; largest relative difference %.3g (commune %s)" % (len(study), worst, where))
    return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
