"""The printable A4 page of one district's lists (HTML, with an inline SVG map per problem type)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gridwatch.delivery.columns import SLOT_DISPLAY, type_title
from gridwatch.delivery.svgmap import svg_map

TEMPLATE = "risk_list.html.j2"
REDRAW_RULE = ("u = (int(SHA-256('<seed>:<grid_code>')[:13], 16) + 0.5) / 16^13；key = ln(u) / weight；"
               "候选网格中 key 最大的 n 个 / the n largest keys among candidates "
               "(weight = 近期未上榜 not listed lately ? w : 1)")


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=select_autoescape(["html", "j2"]))


def render_html(lists: pd.DataFrame, district_cells: pd.DataFrame, tier_rule: str, unlisted_weight: float) -> str:
    """One district's lists (all types) as a printable page; district_cells gives the map's extent and streets."""
    first = lists.iloc[0]
    extent = (float(district_cells["lon"].min()), float(district_cells["lat"].min()),
              float(district_cells["lon"].max()), float(district_cells["lat"].max()))
    streets = district_cells.groupby("street_zh", as_index=False)[["lon", "lat"]].mean()
    types = []
    for ptype, part in lists.groupby("problem_type", sort=True):
        part = part.sort_values("rank")
        rows = []
        for r in part.to_dict("records"):
            r["slot_zh"] = SLOT_DISPLAY.get(r["slot"], r["slot"])
            r["last4"] = " ".join(str(int(r[c])) for c in ("n_w_minus_4", "n_w_minus_3", "n_w_minus_2", "n_w_minus_1"))
            r["reasons"] = [(r[f"reason_{i}_zh"], r[f"reason_{i}_en"]) for i in (1, 2, 3) if r[f"reason_{i}_zh"]]
            rows.append(r)
        types.append({
            "problem_type": ptype, "title": type_title(str(ptype)), "n": len(part), "rows": rows,
            "n_model": int((part["slot"] == "model").sum()), "n_explore": int((part["slot"] == "exploration").sum()),
            "seed": int(part["seed"].iloc[0]), "svg": svg_map(part, extent, streets),
        })
    n_explore = sum(t["n_explore"] for t in types)
    share = round(100 * n_explore / max(1, sum(t["n"] for t in types)))
    district_en = district_cells["district_en"].iloc[0] if "district_en" in district_cells else ""
    return _env().get_template(TEMPLATE).render(
        district_zh=first["district_zh"], district_en=district_en, iso_week=first["iso_week"],
        published_at=first["published_at"], model=f"{first['model_name']} {first['model_version']}",
        data_version=first["data_version"], exploration_pct=share, tier_rule=tier_rule,
        redraw=REDRAW_RULE.replace("? w", f"? {unlisted_weight:g}"), types=types,
    )
