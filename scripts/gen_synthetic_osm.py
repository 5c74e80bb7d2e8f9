#!/usr/bin/env python3
"""Writes a synthetic road network of realistic shape as OSM XML, for the
routing benchmark (bench/README.md, bench_routing). Deterministic: the same
arguments give the same file, byte for byte.

Shape: towns of Zipf-like sizes scattered over a square region, each a
street grid (residential ways, 120 m blocks, a node mid-block as real ways
have); secondary roads from every town to its 3 nearest towns, primary roads
between the larger towns (2 nearest), and a motorway network (two one-way
carriageways with one-way slip roads) joining the largest towns as a minimum
spanning tree. Roads wiggle and carry a node every ~250 m. With the defaults
the file has about 2.4 million nodes.

Usage: scripts/gen_synthetic_osm.py OUT.osm [--towns N] [--size KM] [--seed S]
"""
import argparse
import math
import random

LAT0, LON0 = 44.0, 2.0
M_PER_DEG_LAT = 111195.0
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--towns", type=int, default=2400)
    ap.add_argument("--size", type=float, default=400.0, help="side of the region, km")
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    side = a.size * 1000.0

    nodes = []  # (x, y) metres; id = index + 1
    ways = []   # (node ids, tags)

    def node(x, y):
        nodes.append((x, y))
        return len(nodes)

    # Towns: size rank r -> grid half-width.
    towns = []
    for r in range(a.towns):
        half = max(7, int(100 / math.sqrt(r + 1) + rnd.random() * 3))
        towns.append((rnd.uniform(0.05, 0.95) * side, rnd.uniform(0.05, 0.95) * side, half))

    centres = []
    block = 120.0
    for (cx, cy, half) in towns:
        n = 2 * half + 1
        grid = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                grid[i][j] = node(cx + (j - half) * block + rnd.uniform(-8, 8),
                                  cy + (i - half) * block + rnd.uniform(-8, 8))
        centres.append(grid[half][half])
        # Streets: every row and column, with a mid-block node.
        for i in range(n):
            ids = []
            for j in range(n):
                if j:
                    x0, y0 = nodes[grid[i][j - 1] - 1]
                    x1, y1 = nodes[grid[i][j] - 1]
                    ids.append(node((x0 + x1) / 2, (y0 + y1) / 2 + rnd.uniform(-5, 5)))
                ids.append(grid[i][j])
            main_street = i == half
            ways.append((ids, {"highway": "tertiary" if main_street else "residential"}))
        for j in range(n):
            ids = []
            for i in range(n):
                if i:
                    x0, y0 = nodes[grid[i - 1][j] - 1]
                    x1, y1 = nodes[grid[i][j] - 1]
                    ids.append(node((x0 + x1) / 2 + rnd.uniform(-5, 5), (y0 + y1) / 2))
                ids.append(grid[i][j])
            tags = {"highway": "tertiary" if j == half else "residential"}
            if j % 7 == 3 and j != half:
                tags["oneway"] = "yes" if (j // 7) % 2 else "-1"
            ways.append((ids, tags))

    def road(a_id, b_id, tags, step=250.0, wiggle=0.04):
        xa, ya = nodes[a_id - 1]
        xb, yb = nodes[b_id - 1]
        length = math.hypot(xb - xa, yb - ya)
        k = max(1, int(length / step))
        nx, ny = -(yb - ya) / (length or 1), (xb - xa) / (length or 1)
        amp = length * wiggle * rnd.uniform(-1, 1)
        ids = [a_id]
        for s in range(1, k):
            t = s / k
            off = amp * math.sin(math.pi * t)
            ids.append(node(xa + (xb - xa) * t + nx * off, ya + (yb - ya) * t + ny * off))
        ids.append(b_id)
        ways.append((ids, tags))

    def nearest(i, pool, k):
        xi, yi, _ = towns[i]
        d = sorted((math.hypot(towns[j][0] - xi, towns[j][1] - yi), j) for j in pool if j != i)
        return [j for _, j in d[:k]]

    done = set()
    everyone = range(len(towns))
    for i in everyone:
        for j in nearest(i, everyone, 3):
            key = (min(i, j), max(i, j))
            if key not in done:
                done.add(key)
                tags = {"highway": "secondary"}
                if rnd.random() < 0.3:
                    tags["maxspeed"] = "FR:rural"
                road(centres[i], centres[j], tags)
    large = [i for i in everyone if towns[i][2] >= 8]
    for i in large:
        for j in nearest(i, large, 2):
            key = (min(i, j), max(i, j))
            if ("p",) + key not in done:
                done.add(("p",) + key)
                road(centres[i], centres[j], {"highway": "primary"})

    # Motorways: minimum spanning tree (Prim) over the 15 largest towns.
    big = list(range(min(15, len(towns))))
    inside, edges = {big[0]}, []
    while len(inside) < len(big):
        best = min((math.hypot(towns[i][0] - towns[j][0], towns[i][1] - towns[j][1]), i, j)
                   for i in inside for j in big if j not in inside)
        edges.append((best[1], best[2]))
        inside.add(best[2])
    for (i, j) in edges:
        for (s, t) in ((i, j), (j, i)):
            xs, ys, hs = towns[s]
            xt, yt, ht = towns[t]
            dx, dy = xt - xs, yt - ys
            L = math.hypot(dx, dy)
            ux, uy = dx / L, dy / L
            # Carriageway s -> t, 15 m to its right, outside both towns.
            ox, oy = uy * 15, -ux * 15
            rs, rt = (hs + 4) * block, (ht + 4) * block
            a_id = node(xs + ux * rs + ox, ys + uy * rs + oy)
            b_id = node(xt - ux * rt + ox, yt - uy * rt + oy)
            road(a_id, b_id, {"highway": "motorway", "oneway": "yes"}, step=400.0, wiggle=0.02)
            road(centres[s], a_id, {"highway": "motorway_link", "oneway": "yes"})
            road(b_id, centres[t], {"highway": "motorway_link", "oneway": "yes"})

    with open(a.out, "w", encoding="ascii") as f:
        w = f.write
        w('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<osm version="0.6" generator="maillage gen_synthetic_osm.py">\n')
        for k, (x, y) in enumerate(nodes, 1):
            w('<node id="%d" lat="%.7f" lon="%.7f" version="1"/>\n'
              % (k, LAT0 + y / M_PER_DEG_LAT, LON0 + x / M_PER_DEG_LON))
        for k, (ids, tags) in enumerate(ways, 1):
            w('<way id="%d" version="1">' % k)
            w("".join('<nd ref="%d"/>' % i for i in ids))
            w("".join('<tag k="%s" v="%s"/>' % kv for kv in tags.items()))
            w("</way>\n")
        w("</osm>\n")
    print("%s: %d nodes, %d ways, %d towns" % (a.out, len(nodes), len(ways), len(towns)))


if __name__ == "__main__":
    main()
