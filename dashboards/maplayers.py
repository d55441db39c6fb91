"""The grid map's data and deck: compact polygons of the cells that matter, coloured by value."""

from __future__ import annotations

import datetime as dt
import json
import math
import os

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from dashboards import data
from dashboards.geo import GCJ02_BASEMAPS, basemap, box_polygon, cell_polygons, map_style
from dashboards.i18n import bilingual_text, lang, minor_label, t
from dashboards.riskview import reasons_text
from dashboards.ui import iso_label

# A browser draws a few thousand polygons instantly; beyond that the payload, not the GPU, is slow.
MAX_CELLS = int(os.environ.get("GRIDWATCH_MAP_MAX_CELLS", "6000"))
PALETTE = np.array([[255, 237, 160], [254, 178, 76], [240, 59, 32], [128, 0, 38]], dtype=float)


def colours(values: np.ndarray) -> np.ndarray:
    """Yellow -> dark red on a square-root scale of value / max, with alpha."""
    if len(values) == 0:
        return np.zeros((0, 4), dtype=int)
    vmax = float(np.nanmax(values)) or 1.0
    s = np.sqrt(np.clip(values / vmax, 0, 1)) * (len(PALETTE) - 1)
    lo = np.floor(s).astype(int).clip(0, len(PALETTE) - 2)
    frac = (s - lo)[:, None]
    rgb = PALETTE[lo] * (1 - frac) + PALETTE[lo + 1] * frac
    alpha = np.full((len(values), 1), 200.0)
    return np.hstack([rgb, alpha]).round().astype(int)


def _reasons(week: dt.date, ptype: str, district: str | None, cells: pd.DataFrame, measure: str) -> pd.Series:
    """Top reasons per cell: the risk list's reasons where listed, else the week's top event kinds."""
    out = pd.Series("", index=cells.index)
    try:
        rl = data.risk_lists(district)
    except data.TableUnavailable:
        rl = pd.DataFrame()
    if not rl.empty and {"iso_week", "problem_type", "grid_code"} <= set(rl.columns):
        sub = rl[(rl["iso_week"] == iso_label(week)) & (rl["problem_type"] == ptype)]
        if len(sub):
            listed = sub.assign(r=reasons_text(sub)).drop_duplicates("grid_code").set_index("grid_code")["r"]
            out = cells["grid_code"].map(listed).fillna("")
    if measure == "count":
        minors = data.cell_minor_codes(week, ptype, district)
        if not minors.empty:
            minors = minors.sort_values(["cell_id", "n"], ascending=[True, False])
            minors = minors[minors.groupby("cell_id").cumcount() < 3]
            names = {c: minor_label(c) for c in minors["minor_code"].astype(str).unique()}
            minors["label"] = minors["minor_code"].astype(str).map(names) + " " + minors["n"].astype(str)
            top = minors.groupby("cell_id")["label"].agg("；".join)
            fallback = cells["cell_id"].map(top).fillna("")
            out = out.where(out != "", fallback)
    return out.map(bilingual_text)


def map_cells(week: dt.date, ptype: str, measure: str, district: str | None) -> pd.DataFrame:
    """Cells to draw for one week and type: non-zero counts or the highest forecasts, with places."""
    counts = data.cell_counts(week, ptype, district) if week in set(data.weeks()) else pd.DataFrame(
        columns=["cell_id", "incidents", "reports"])
    if measure == "forecast":
        fc = data.cell_forecasts(week, ptype, district, top=MAX_CELLS)
        fc = fc[fc["expected"] > 0]
        cells = fc.merge(counts, on="cell_id", how="left")
        value = "expected"
    else:  # counts only: the forecast columns come with the forecast view (no forecast scan per week here)
        cells = counts.nlargest(MAX_CELLS, "incidents")
        value = "incidents"
    for c in ("incidents", "reports"):
        if c in cells:
            cells[c] = cells[c].fillna(0).astype(int)
    cells = data.with_places(cells.reset_index(drop=True))
    cells["value"] = cells[value].astype(float) if len(cells) else []
    cells["street"] = cells["street_en"] if lang() == "en" else cells["street_zh"]
    cells["reasons"] = _reasons(week, ptype, district, cells, measure) if len(cells) else []
    return cells


class CompactDeck(pdk.Deck):
    """A deck that serialises without indentation and keeps Chinese as UTF-8: a third of the bytes."""

    def to_json(self) -> str:
        return json.dumps(self, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def _tooltip() -> dict:
    rows = [(t("cell_code"), "grid_code"), (t("street"), "street"), (t("community"), "community_zh"),
            (t("incidents"), "incidents"), (t("reports"), "reports"), (t("expected"), "expected_s"),
            (t("p_any"), "p_any_s"), (t("reasons"), "reasons")]
    html = "<br/>".join(f"<b>{label}</b>: {{{field}}}" for label, field in rows)
    return {"html": html, "style": {"fontSize": "12px", "fontFamily": "'Noto Sans CJK SC', sans-serif"}}


def _view(district: str | None) -> pdk.ViewState:
    ds = data.districts()
    if district:
        ds = ds[ds["district_code"] == district]
    lon0, lat0, lon1, lat1 = ds["lon0"].min(), ds["lat0"].min(), ds["lon1"].max(), ds["lat1"].max()
    # Fit the extent into a ~800 x 560 px map (deck.gl's world is 512 px wide at zoom 0);
    # latitude spans stretch by 1/cos(lat) in Web Mercator.
    lat_span = max(lat1 - lat0, 0.005) / math.cos(math.radians((lat0 + lat1) / 2))
    fit = min(math.log2(800 * 360 / (512 * max(lon1 - lon0, 0.005))), math.log2(560 * 360 / (512 * lat_span)))
    zoom = max(3.0, min(14.0, fit - 0.2))
    return pdk.ViewState(longitude=(lon0 + lon1) / 2, latitude=(lat0 + lat1) / 2, zoom=zoom, pitch=0)


def deck(cells: pd.DataFrame, district: str | None) -> pdk.Deck:
    """The map: district boxes as outlines and the cells as coloured squares, no tile server by default."""
    shift = basemap() in GCJ02_BASEMAPS
    cell_m, jac = data.grid_geometry()
    ds = data.districts()
    if district:
        ds = ds[ds["district_code"] == district]
    pad_lon, pad_lat = abs(jac[0, 0]) * cell_m / 2, abs(jac[1, 1]) * cell_m / 2
    boxes = [{"polygon": box_polygon(r.lon0 - pad_lon, r.lat0 - pad_lat, r.lon1 + pad_lon, r.lat1 + pad_lat, shift),
              "name": r.district_zh if lang() == "zh" else r.district_en} for r in ds.itertuples()]
    layers = [pdk.Layer("PolygonLayer", data=boxes, id="districts", get_polygon="polygon", filled=False, stroked=True,
                        get_line_color=[90, 90, 90, 200], line_width_min_pixels=1.5, pickable=False)]
    if len(cells):
        payload = pd.DataFrame({
            "polygon": cell_polygons(cells["lon"].to_numpy(), cells["lat"].to_numpy(), cell_m, jac, shift),
            "c": colours(cells["value"].to_numpy(float)).tolist(),
            "grid_code": cells["grid_code"], "street": cells["street"], "community_zh": cells["community_zh"],
            "incidents": cells["incidents"] if "incidents" in cells else 0,
            "reports": cells["reports"] if "reports" in cells else 0,
            "expected_s": cells["expected"].map(lambda v: "—" if pd.isna(v) else f"{v:.2f}")
            if "expected" in cells else "—",
            "p_any_s": cells["p_any"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}") if "p_any" in cells else "—",
            "reasons": cells["reasons"],
        })
        layers.append(pdk.Layer("PolygonLayer", data=payload, id="cells", get_polygon="polygon", get_fill_color="c",
                                get_line_color="c", line_width_min_pixels=1, filled=True, stroked=True,
                                pickable=True, auto_highlight=True))  # the outline keeps 100 m cells visible zoomed out
    return CompactDeck(layers=layers, initial_view_state=_view(district), map_provider=None,
                    map_style=map_style(), tooltip=_tooltip())
