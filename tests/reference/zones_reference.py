"""Independent reference for `maillage access --zones` (Python 3, stdlib only).

Recomputes, from the same zones and matrix files, every measure of the zones
mode as docs/methodology.md ("Any zones") defines it, pair by pair over
dictionaries rather than on the C code's sparse rows, and the figures with
``stats_reference`` (exact rational arithmetic where possible). The C code
and this module share no code; they share only the written definitions.

Usage:
  zones_reference.py compute ZONES MATRIX --supply COL --demand COL
      [--id COL] [--catchment MIN] [--steps SPEC] [--weight COL]
      [--group COL] [--poverty-line X]
    prints {"zones": {id: {measure: value}}, "figures": {measure: {...}}}
  zones_reference.py generate N SEED DIR
    writes DIR/zones.csv and DIR/matrix.csv: N zones with random supply,
    demand, weight and group, and a random matrix (a few pairs beyond 20
    minutes, some at exactly 20, some zones without their own time).
"""

import argparse
import csv
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stats_reference as ref  # noqa: E402

MEASURES = ["2sfca", "e2sfca", "bfca", "gravity", "cumulative", "nearest"]
BETA = 0.1


def parse_steps(spec):
    """'10:1,15:0.66,20:0.33' -> [(10.0, 1.0), (15.0, 0.66), (20.0, 0.33)]."""
    out = []
    for item in spec.split(","):
        upper, weight = item.split(":")
        out.append((float(upper), float(weight)))
    return out


def step_weight(steps, t):
    """Open on the right: the weight of the first band whose upper bound
    exceeds t; 0 from the last bound on."""
    for upper, weight in steps:
        if t < upper:
            return weight
    return 0.0


def read_zones(path, id_col, supply_col, demand_col, weight_col, group_col):
    zones = {}
    order = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            zid = row[id_col]
            if zid in zones:
                raise ValueError("duplicated id %r" % zid)
            zones[zid] = {
                "S": float(row[supply_col]),
                "P": float(row[demand_col]),
                "w": float(row[weight_col]) if weight_col else float(row[demand_col]),
                "g": row[group_col] if group_col else None,
            }
            order.append(zid)
    return zones, order


# The names the matrix columns may have, the first present wins: ours,
# IPEA's accessibility and r5r's, INSEE Metric's (docs/formats.md).
MATRIX_NAMES = (("from", "from_id", "idSrc"), ("to", "to_id", "idDst"),
                ("minutes", "travel_time", "travel_time_p50", "duree"))


def read_pairs(path, zones, catchment):
    """{(i, j): t} for t <= catchment, plus (i, i): 0 where the matrix has
    no time from i to itself."""
    given = {}
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        cf, ct, cm = (next(n for n in names if n in rd.fieldnames) for names in MATRIX_NAMES)
        for row in rd:
            i, j, t = row[cf], row[ct], float(row[cm])
            if i not in zones or j not in zones:
                raise ValueError("id not a zone")
            if (i, j) in given:
                raise ValueError("pair given twice")
            given[(i, j)] = t
    pairs = {k: t for k, t in given.items() if t <= catchment}
    for i in zones:
        if (i, i) not in given:
            pairs[(i, i)] = 0.0
    return pairs


def two_step(zones, pairs, f_demand, f_supply):
    """R_j = S_j / sum_i f_demand(i,j) P_i (0 when that is 0);
    A_i = sum_j f_supply(i,j) R_j."""
    seen = {j: [] for j in zones}
    for (i, j) in pairs:
        seen[j].append(f_demand(i, j) * zones[i]["P"])
    ratio = {}
    for j, terms in seen.items():
        dj = math.fsum(terms)
        ratio[j] = zones[j]["S"] / dj if dj > 0 else 0.0
    acc = {i: [] for i in zones}
    for (i, j) in pairs:
        acc[i].append(f_supply(i, j) * ratio[j])
    return {i: math.fsum(v) for i, v in acc.items()}


def measures(zones, pairs, steps, beta=BETA):
    out = {}
    one = lambda i, j: 1.0  # noqa: E731
    out["2sfca"] = two_step(zones, pairs, one, one)
    w = {k: step_weight(steps, t) for k, t in pairs.items()}
    step = lambda i, j: w[(i, j)]  # noqa: E731
    out["e2sfca"] = two_step(zones, pairs, step, step)
    row, col = {}, {}
    for (i, j), v in w.items():
        row.setdefault(i, []).append(v)
        col.setdefault(j, []).append(v)
    row = {k: math.fsum(v) for k, v in row.items()}
    col = {k: math.fsum(v) for k, v in col.items()}
    by_row = lambda i, j: w[(i, j)] / row[i] if row[i] > 0 else 0.0  # noqa: E731
    by_col = lambda i, j: w[(i, j)] / col[j] if col[j] > 0 else 0.0  # noqa: E731
    out["bfca"] = two_step(zones, pairs, by_row, by_col)
    grav, cum, near = ({i: [] for i in zones} for _ in range(3))
    for (i, j), t in pairs.items():
        s = zones[j]["S"]
        grav[i].append(s * math.exp(-beta * t))
        cum[i].append(s)
        if s > 0:
            near[i].append(t)
    out["gravity"] = {i: math.fsum(v) for i, v in grav.items()}
    out["cumulative"] = {i: math.fsum(v) for i, v in cum.items()}
    out["nearest"] = {i: (min(v) if v else None) for i, v in near.items()}
    return out


def figures(values, zones, order, poverty_line, grouped, fgt):
    x = [float("nan") if values[i] is None else values[i] for i in order]
    w = [zones[i]["w"] for i in order]
    counted = [i for i in order if zones[i]["w"] > 0 and values[i] is not None]
    f = {"zones_counted": len(counted), "weight": math.fsum(zones[i]["w"] for i in counted)}
    for key in ("mean", "gini", "theil", "theil_between", "theil_within", "fgt0", "fgt1", "fgt2"):
        f[key] = None
    if not counted:
        return f
    f["mean"] = ref.mean(x, w)
    if f["mean"] > 0:
        f["gini"] = ref.gini(x, w)
        g = [zones[i]["g"] for i in order] if grouped else None
        f["theil"], f["theil_between"], f["theil_within"] = ref.theil(x, w, g)
    if fgt and poverty_line is not None:
        for a in range(3):
            f["fgt%d" % a] = ref.fgt(x, w, poverty_line, a)
    return f


def compute(args):
    zones, order = read_zones(args.zones, args.id, args.supply, args.demand, args.weight,
                              args.group)
    pairs = read_pairs(args.matrix, zones, args.catchment)
    m = measures(zones, pairs, parse_steps(args.steps), args.beta)
    out = {"zones": {i: {k: m[k][i] for k in MEASURES} for i in order}, "figures": {}}
    for k in MEASURES:
        out["figures"][k] = figures(m[k], zones, order, args.poverty_line, args.group is not None,
                                    k != "nearest")
    json.dump(out, sys.stdout, indent=1)
    print()


def generate(n, seed, folder):
    rnd = random.Random(seed)
    ids = ["z%04d" % k for k in range(n)]
    with open(os.path.join(folder, "zones.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["id", "population", "jobs", "group", "households"])
        for zid in ids:
            jobs = rnd.choice([0, 0, 0, rnd.randint(1, 40)])
            pop = rnd.choice([0, rnd.randint(1, 5000), rnd.randint(1, 500)])
            wr.writerow([zid, pop, jobs, "g%d" % rnd.randint(0, 3), rnd.randint(0, 2000)])
    # Zones on a line at random positions: times grow with distance, with
    # noise and asymmetry; every pair within 30 minutes is written, so some
    # are beyond the 20-minute cutoff; some times are exactly 20.
    pos = [rnd.uniform(0, 200) for _ in ids]
    with open(os.path.join(folder, "matrix.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["from", "to", "minutes"])
        for a, ia in enumerate(ids):
            for b, ib in enumerate(ids):
                if a == b:
                    if rnd.random() < 0.5:
                        wr.writerow([ia, ib, rnd.choice([0, 1.5, 3])])
                    continue
                t = abs(pos[a] - pos[b]) * rnd.uniform(0.9, 1.3)
                if t > 30:
                    continue
                if rnd.random() < 0.05:
                    t = 20
                wr.writerow([ia, ib, "%.3f" % t if t != 20 else "20"])


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("compute")
    c.add_argument("zones")
    c.add_argument("matrix")
    c.add_argument("--id", default="id")
    c.add_argument("--supply", required=True)
    c.add_argument("--demand", required=True)
    c.add_argument("--weight")
    c.add_argument("--group")
    c.add_argument("--catchment", type=float, default=20.0)
    c.add_argument("--steps", default="10:1,15:0.66,20:0.33")
    c.add_argument("--poverty-line", type=float)
    c.add_argument("--beta", type=float, default=BETA)
    g = sub.add_parser("generate")
    g.add_argument("n", type=int)
    g.add_argument("seed", type=int)
    g.add_argument("folder")
    args = ap.parse_args()
    if args.cmd == "compute":
        compute(args)
    else:
        generate(args.n, args.seed, args.folder)


if __name__ == "__main__":
    main()
