"""Ten weeks of lists on the small city, scored, and every figure recomputed independently by plain loops."""

from __future__ import annotations

import pandas as pd
import pytest

from delivery.recount import recount_list_scores
from delivery.world import forecasts_and_explainer, make_world
from models.list_scoring import pooled_by_week, running_chart, score_lists
from models.risk_list import RiskListConfig, build_risk_list

N_WEEKS = 10


@pytest.fixture(scope="module")
def history():
    world = make_world(n_weeks=24)
    config = RiskListConfig.load()
    lists = []
    for week in world.weeks[-N_WEEKS:]:
        fc, explain = forecasts_and_explainer(world, week)
        past = pd.concat(lists) if lists else None
        lists.append(build_risk_list(fc, world.grid, world.grid_week, week, config, explain=explain, past_lists=past))
    lists = pd.concat(lists, ignore_index=True)
    return world, lists, score_lists(lists, world.grid_week, world.grid)


def recompute(world, lists) -> dict:
    """Figures by hand from the dense counts."""
    count = {(r.cell_id, r.week_start, r.problem_type): r.incidents for r in world.counts.itertuples()}
    district_of = dict(zip(world.grid["cell_id"], world.grid["district_code"], strict=True))
    return recount_list_scores(count, district_of, lists)


def test_scores_match_an_independent_recomputation(history):
    world, lists, scores = history
    assert scores["iso_week"].nunique() == N_WEEKS >= 8
    expected = recompute(world, lists)
    assert len(scores) == len(expected)
    for r in scores.itertuples():
        e = expected[(r.iso_week, r.district_code, r.problem_type, r.slot)]
        assert (r.n_listed, r.n_hit, r.captured) == (e["n"], e["hit"], e["cap"])
        assert r.hit_rate == pytest.approx(e["hit"] / e["n"])
        assert r.captured_per_cell == pytest.approx(e["cap"] / e["n"])
        assert r.district_per_cell == pytest.approx(e["dist"] / e["cells"])
        assert r.district_hit_rate == pytest.approx(e["dist_hit"] / e["cells"])
        assert r.lift == pytest.approx((e["cap"] / e["n"]) / (e["dist"] / e["cells"]))
        assert r.share_captured == pytest.approx(e["cap"] / e["dist"])


def test_model_slots_beat_the_district_average(history):
    _, _, scores = history
    pooled = pooled_by_week(scores)
    model = pooled[pooled["slot"] == "model"]
    assert (model["lift"] > 1.5).mean() >= 0.8  # the hand-made city has real hotspots
    explore = scores[scores["slot"] == "exploration"]
    assert len(explore) == N_WEEKS * 4  # every list had exploration slots


def test_exploration_avoids_cells_listed_lately(history):
    _, lists, _ = history
    ex = lists[lists["slot"] == "exploration"]
    assert set(ex["exploration_weight"]) <= {1.0, 4.0}
    assert (ex["exploration_weight"] == 4.0).mean() > 0.8


def test_running_chart_is_a_png(history):
    _, _, scores = history
    png = running_chart(scores)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
