"""Regenerate web/public/geo/ from the boundary files bundled in data/geo (run by hand; credits in NOTICE.md).

Usage: python web/scripts/make_geo.py data/geo
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HF = "E09000013"


def _perp(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def simplify(ring, tol):
    if len(ring) < 5:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = 0.0, -1
        for k in range(i + 1, j):
            d = _perp(ring[k], ring[i], ring[j])
            if d > best:
                best, idx = d, k
        if best > tol and idx > 0:
            keep[idx] = True
            stack += [(i, idx), (idx, j)]
    out = [p for p, k in zip(ring, keep, strict=True) if k]
    return out if len(out) >= 4 else ring


def geom(g, tol, digits):
    def ring(r):
        r = simplify(r, tol) if tol else r
        return [[round(x, digits), round(y, digits)] for x, y in r]

    if g["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r) for r in g["coordinates"]]}
    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in poly] for poly in g["coordinates"]]}


def main(src: Path, dst: Path) -> None:
    boroughs = json.loads((src / "London_Borough_Excluding_MHW.geojson").read_text())
    feats = []
    for f in boroughs["features"]:
        p = f["properties"]
        feats.append({"type": "Feature", "properties": {"name": p["NAME"], "code": p["GSS_CODE"]},
                      "geometry": geom(f["geometry"], 0.0004, 5)})
    (dst / "london-boroughs.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    hf = [f for f in boroughs["features"] if f["properties"]["GSS_CODE"] == HF]
    out = [{"type": "Feature", "properties": {"name": f["properties"]["NAME"], "code": HF},
            "geometry": geom(f["geometry"], 0.00002, 6)} for f in hf]
    (dst / "hf-borough.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": out}))
    wards = json.loads((src / "hf" / "ward" / f"{HF}.geojson").read_text())
    wf = [{"type": "Feature", "properties": {"name": f["properties"]["WD25NM"], "code": f["properties"]["WD25CD"]},
           "geometry": geom(f["geometry"], 0, 6)} for f in wards["features"]]
    (dst / "hf-wards.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": wf}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "public" / "geo")
