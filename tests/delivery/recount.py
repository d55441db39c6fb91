"""List figures recounted by hand (dictionaries and loops, no group-bys), shared by the scoring tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping


def recount_list_scores(count: Mapping[tuple, float], district_of: Mapping[str, str], lists,
                        week_of: Callable = lambda r: r.week_start,
                        district: Callable = lambda r: r.district_code) -> dict:
    """Per (iso week, district, type, slot): listed, hit, captured, district incidents, hit cells and cells.

    count: incidents per (cell, week, type); district_of: cell → district code; lists: risk-list rows.
    """
    cells_in: dict = defaultdict(int)
    for d in district_of.values():
        cells_in[d] += 1
    total: dict = defaultdict(float)
    hit_cells: dict = defaultdict(int)
    for (cell, week, ptype), n in count.items():
        total[(week, district_of[cell], ptype)] += n
        hit_cells[(week, district_of[cell], ptype)] += n >= 1
    out: dict = {}
    for r in lists.itertuples():
        week, dist = week_of(r), district(r)
        for slot in ("all", r.slot):
            acc = out.setdefault((r.iso_week, dist, r.problem_type, slot), {"n": 0, "hit": 0, "cap": 0})
            n = count.get((r.cell_id, week, r.problem_type), 0)
            acc["n"] += 1
            acc["hit"] += n >= 1
            acc["cap"] += n
            acc["dist"] = total[(week, dist, r.problem_type)]
            acc["dist_hit"] = hit_cells[(week, dist, r.problem_type)]
            acc["cells"] = cells_in[dist]
    return out
