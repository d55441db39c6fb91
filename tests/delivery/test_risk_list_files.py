"""The published files opened with their real readers: Chinese intact, one sheet per type, reasons, the draw."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from delivery.world import TYPES, forecasts_and_explainer, make_world
from gridwatch.delivery.archive import ArchiveMismatch, ListRules, publish_week, verify_folder
from gridwatch.delivery.columns import HEADERS, sheet_name
from models.risk_list import (
    RiskListConfig,
    build_risk_list,
    draw_exploration,
    draw_uniform,
    exploration_seed,
    iso_week_label,
)

CONFIG = RiskListConfig.load()
FORMATS = ("csv", "excel", "html")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    world = make_world()
    week = world.weeks[-1]
    fc, explain = forecasts_and_explainer(world, week)
    lists = build_risk_list(fc, world.grid, world.grid_week, week, CONFIG, explain=explain)
    outbox = tmp_path_factory.mktemp("outbox")
    rules = ListRules(CONFIG.exploration_share, CONFIG.unlisted_weight, CONFIG.recency_weeks, "P≥0.5 高")
    manifests = publish_week(lists, world.grid, outbox, rules, FORMATS)
    return world, week, lists, manifests, rules, outbox


def test_csv_reads_back_with_chinese_intact(published):
    world, week, lists, manifests, _, _ = published
    for m in manifests:
        for ptype in TYPES:
            path = f"{m['folder']}/risk_list_{iso_week_label(week)}_{m['district_code']}_{ptype}.csv"
            with open(path, "rb") as f:
                assert f.read(3) == b"\xef\xbb\xbf"  # BOM, so Excel reads UTF-8
            csv = pd.read_csv(path, encoding="utf-8-sig", dtype={HEADERS["grid_code"]: str})
            assert list(csv.columns) == list(HEADERS.values())
            expect = lists[(lists["district_code"] == m["district_code"]) & (lists["problem_type"] == ptype)]
            assert csv[HEADERS["grid_code"]].tolist() == expect["grid_code"].tolist()
            assert csv[HEADERS["street_zh"]].tolist() == expect["street_zh"].tolist()
            assert set(csv[HEADERS["slot"]]) == {"模型", "随机抽查"}
            assert csv[HEADERS["reason_1"]].str.contains(" / ").all()
            assert csv[HEADERS["grid_code"]].str.fullmatch(r"\d{15}").all()


def test_excel_has_one_sheet_per_type_frozen_and_fitted(published):
    world, week, lists, manifests, _, _ = published
    for m in manifests:
        wb = openpyxl.load_workbook(f"{m['folder']}/risk_list_{iso_week_label(week)}_{m['district_code']}.xlsx")
        type_sheets = [s for s in wb.sheetnames if s != "说明 About"]
        assert type_sheets == [sheet_name(t) for t in sorted(TYPES)]
        for ptype in TYPES:
            ws = wb[sheet_name(ptype)]
            assert ws.freeze_panes == "A2"
            header = [c.value for c in ws[1]]
            assert header == list(HEADERS.values())
            rows = list(ws.iter_rows(min_row=2, values_only=True))
            expect = lists[(lists["district_code"] == m["district_code"]) & (lists["problem_type"] == ptype)]
            assert len(rows) == len(expect)
            col = {h: i for i, h in enumerate(header)}
            assert all(r[col[HEADERS["reason_1"]]] for r in rows)  # every row has a reason
            assert any("起" in (r[col[HEADERS["reason_1"]]] or "") + (r[col[HEADERS["reason_2"]]] or "")
                       for r in rows)
            street_width = ws.column_dimensions["D"].width
            assert street_width >= 2 * max(len(s) for s in expect["street_zh"])  # CJK counts double
        notes = dict(wb["说明 About"].iter_rows(values_only=True))
        assert str(lists[lists["district_code"] == m["district_code"]]["seed"].iloc[0]) in notes.values()


def test_exploration_share_within_one_slot(published):
    _, _, lists, _, _, _ = published
    for (_, _), part in lists.groupby(["district_code", "problem_type"]):
        share = (part["slot"] == "exploration").sum()
        assert abs(share - CONFIG.exploration_share * len(part)) <= 1
        model = part[part["slot"] == "model"]
        assert model["expected"].is_monotonic_decreasing
        explore = part[part["slot"] == "exploration"]
        assert explore["expected"].max() <= model["expected"].min()  # drawn from the cells the model left


def test_draw_is_reproducible_from_the_printed_seed(published):
    world, week, lists, _, _, outbox = published
    iso = iso_week_label(week)
    for (district, ptype), part in lists.groupby(["district_code", "problem_type"]):
        seed = int(part["seed"].iloc[0])
        assert seed == exploration_seed(iso, district, ptype)
        # Redraw from outside: every district cell not in a model slot is a candidate; no list was published
        # before, so all weigh the same (the unlisted weight).
        cells = world.grid[world.grid["district_code"] == district]["grid_code"]
        model_cells = set(part.loc[part["slot"] == "model", "grid_code"])
        candidates = sorted(set(cells) - model_cells)
        n = int((part["slot"] == "exploration").sum())
        redrawn = draw_exploration(candidates, n, seed, [CONFIG.unlisted_weight] * len(candidates))
        assert redrawn == part.loc[part["slot"] == "exploration", "grid_code"].tolist()
        # and the published rule, by hand: the n largest ln(u)/w
        keys = {c: math.log(draw_uniform(seed, c)) / CONFIG.unlisted_weight for c in candidates}
        assert sorted(keys, key=keys.get, reverse=True)[:n] == redrawn
        manifest = json.loads((outbox / "risk_lists" / iso / district / "manifest.json").read_text("utf-8"))
        assert manifest["seeds"][ptype] == seed


def test_draw_prefers_cells_not_listed_lately():
    cands = [f"c{i:03d}" for i in range(200)]
    heavy = set(cands[:100])
    weights = [4.0 if c in heavy else 1.0 for c in cands]
    picks = [draw_exploration(cands, 10, seed, weights) for seed in range(200)]
    share = np.mean([p in heavy for draw in picks for p in draw])
    assert 0.72 < share < 0.88  # about 4/5 of single draws; a little less without replacement
    assert draw_exploration(cands, 10, 5, weights) == draw_exploration(list(reversed(cands)), 10, 5,
                                                                       list(reversed(weights)))


def test_show_risk_list_prints_files_and_top_rows(published, monkeypatch):
    from gridwatch.delivery import show_risk_list
    from gridwatch.settings import Settings

    world, week, lists, manifests, _, outbox = published
    settings = Settings(home=outbox, spark_master="local[1]")
    monkeypatch.setattr(Settings, "outbox", property(lambda self: self.home))
    text = show_risk_list(settings, iso_week_label(week), "table")
    assert all(m["folder"] in text for m in manifests)
    top = lists.sort_values("rank").groupby(["district_code", "problem_type"]).head(1)
    assert all(code in text for code in top["grid_code"])
    assert "康巴什区" in text and "原因一" in text
    only_excel = show_risk_list(settings, None, "excel")
    assert ".xlsx" in only_excel and ".html" not in only_excel
    assert "没有已发布的清单" in show_risk_list(settings, "2020-W01", "table")


def test_publishing_is_write_once_and_verified(published):
    world, week, lists, manifests, rules, outbox = published
    again = publish_week(lists.assign(expected=0.0), world.grid, outbox, rules, FORMATS)
    assert [m["status"] for m in again] == ["verified"] * len(manifests)
    folder = manifests[0]["folder"]
    for f in manifests[0]["files"]:
        assert f["sha256"] == verify_folder(type(outbox)(folder))["files"][manifests[0]["files"].index(f)]["sha256"]
    csv = type(outbox)(folder) / manifests[0]["files"][0]["name"]
    csv.chmod(0o644)
    csv.write_text("tampered", encoding="utf-8")
    with pytest.raises(ArchiveMismatch, match="changed"):
        publish_week(lists, world.grid, outbox, rules, FORMATS)
