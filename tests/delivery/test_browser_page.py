"""The printable page rendered by headless Chromium: the image shows the list and the map; the PDF is A4."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from delivery.world import forecasts_and_explainer, make_world
from gridwatch.delivery import browser
from gridwatch.delivery.archive import ListRules, publish_week
from gridwatch.delivery.svgmap import EXPLORATION_COLOUR, MODEL_COLOUR
from models.risk_list import RiskListConfig, build_risk_list

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.find_chromium() is None,
                       reason="Chromium not installed: apt-get update && apt-get install -y chromium chromium-driver"),
]


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _near(pixel, colour, tol=40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel[:3], colour, strict=True))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    world = make_world()
    week = world.weeks[-1]
    fc, explain = forecasts_and_explainer(world, week)
    config = RiskListConfig.load()
    lists = build_risk_list(fc, world.grid, world.grid_week, week, config, explain=explain)
    out = tmp_path_factory.mktemp("page")
    rules = ListRules(config.exploration_share, config.unlisted_weight, config.recency_weeks, "P≥0.5 高")
    manifest = publish_week(lists[lists["district_code"] == "150603"], world.grid, out, rules,
                            ("html", "pdf"))[0]
    folder = manifest["folder"]
    html = next(f for f in manifest["files"] if f["name"].endswith(".html"))["name"]
    pdf = next(f for f in manifest["files"] if f["name"].endswith(".pdf"))["name"]
    return lists, f"{folder}/{html}", f"{folder}/{pdf}", out


def test_screenshot_shows_the_list_and_the_map(page):
    from pathlib import Path

    lists, html, _, out = page
    png = browser.screenshot(Path(html), out / "page.png")
    img = Image.open(png).convert("RGB")
    w, h = img.size
    px = img.load()
    # The map: model markers (red) and exploration rings (blue) in the upper part of the page.
    red = sum(_near(px[x, y], _rgb(MODEL_COLOUR)) for x in range(0, w // 2, 2) for y in range(0, h // 3, 2))
    blue = sum(_near(px[x, y], _rgb(EXPLORATION_COLOUR)) for x in range(0, w // 2, 2) for y in range(0, h // 3, 2))
    assert red > 50 and blue > 5, (red, blue)
    # The list: rows of dark text below the map, and the highlighted exploration rows (#fff4cc).
    dark_rows = sum(any(sum(px[x, y]) < 200 for x in range(0, w, 3)) for y in range(h // 4, h, 2))
    yellow = sum(_near(px[x, y], (0xFF, 0xF4, 0xCC), tol=6) for x in range(0, w, 4) for y in range(0, h, 4))
    assert dark_rows > 200 and yellow > 100, (dark_rows, yellow)


def test_page_text_and_pdf(page):
    lists, html, pdf, _ = page
    text = open(html, encoding="utf-8").read()
    part = lists[lists["district_code"] == "150603"]
    assert "<svg" in text and text.count("<circle") == len(part)
    assert all(code in text for code in part["grid_code"])
    assert "随机抽查" in text and str(part["seed"].iloc[0]) in text
    data = open(pdf, "rb").read()
    assert data[:5] == b"%PDF-"
    sizes = {tuple(round(float(v)) for v in m) for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\]", data)}
    assert sizes == {(595, 842)}, sizes  # A4 in points


def test_a_print_that_fails_still_publishes_the_list_and_says_why(tmp_path, monkeypatch):
    """Chromium given no time to print: both attempts fail, the other files and the manifest still land."""
    world = make_world()
    week = world.weeks[-1]
    fc, explain = forecasts_and_explainer(world, week)
    config = RiskListConfig.load()
    lists = build_risk_list(fc, world.grid, world.grid_week, week, config, explain=explain)
    rules = ListRules(config.exploration_share, config.unlisted_weight, config.recency_weeks, "P≥0.5 高")
    monkeypatch.setenv("GRIDWATCH_PDF_TIMEOUT_S", "0.001")
    manifests = publish_week(lists, world.grid, tmp_path, rules, ("csv", "html", "pdf"))
    assert len(manifests) == lists["district_code"].nunique() >= 2
    for m in manifests:
        names = sorted(f["name"] for f in m["files"])
        assert not any(n.endswith(".pdf") for n in names), names
        assert sum(n.endswith(".csv") for n in names) == lists["problem_type"].nunique()
        assert "Chromium" in m["skipped"]["pdf"] and "2 attempts" in m["skipped"]["pdf"]
        assert not list(Path(m["folder"]).glob("*.pdf"))
