"""A small map of the listed cells as inline SVG, drawn from cell centres (no tile server)."""

from __future__ import annotations

import math
from html import escape

import pandas as pd

MODEL_COLOUR = "#d62728"        # listed by the model
EXPLORATION_COLOUR = "#1f77b4"  # drawn at random (双随机)
TIER_RADIUS = {"高": 4.5, "中": 3.5, "低": 2.5}


def svg_map(listed: pd.DataFrame, extent: tuple[float, float, float, float], streets: pd.DataFrame | None = None,
            width: int = 340, height: int = 260, labels: int = 10) -> str:
    """Listed cells (red: model, blue ring: random draw) inside the district's extent, street names as context."""
    lon0, lat0, lon1, lat1 = extent
    kx = math.cos(math.radians((lat0 + lat1) / 2))  # equirectangular, true to scale at this latitude
    span_x, span_y = max((lon1 - lon0) * kx, 1e-9), max(lat1 - lat0, 1e-9)
    pad = 10
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return pad + (lon - lon0) * kx * scale, height - pad - (lat - lat0) * scale

    x0, y0 = xy(lon0, lat1)
    x1, y1 = xy(lon1, lat0)
    out = [f'<svg class="map" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="网格位置图 map of listed cells">',
           f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
           'fill="#f4f4f0" stroke="#999" stroke-width="1"/>']
    if streets is not None:
        for s in streets.itertuples(index=False):
            sx, sy = xy(s.lon, s.lat)
            out.append(f'<text x="{sx:.1f}" y="{sy:.1f}" font-size="8" fill="#888" '
                       f'text-anchor="middle">{escape(str(s.street_zh))}</text>')
    for r in listed.sort_values("rank", ascending=False).itertuples(index=False):
        cx, cy = xy(r.lon, r.lat)
        rad = TIER_RADIUS.get(r.tier, 3)
        if r.slot == "exploration":
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{rad:.1f}" fill="none" '
                       f'stroke="{EXPLORATION_COLOUR}" stroke-width="1.6"><title>{escape(r.grid_code)}</title></circle>')
        else:
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{rad:.1f}" fill="{MODEL_COLOUR}" '
                       f'fill-opacity="0.8"><title>{escape(r.grid_code)}</title></circle>')
        if r.rank <= labels:
            out.append(f'<text x="{cx + 5:.1f}" y="{cy - 3:.1f}" font-size="8" fill="#222">{r.rank}</text>')
    bar_m = 1000
    bar_px = bar_m / 111_320 * scale
    out.append(f'<line x1="{pad}" y1="{height - 4}" x2="{pad + bar_px:.1f}" y2="{height - 4}" stroke="#333" stroke-width="2"/>'
               f'<text x="{pad + bar_px + 4:.1f}" y="{height - 2}" font-size="8">1 km</text>')
    out.append("</svg>")
    return "\n".join(out)
