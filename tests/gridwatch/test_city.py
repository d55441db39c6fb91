"""The unit grid: 15-digit codes, one district per cell, projected squares of the configured size."""

import numpy as np
import pytest

from gridwatch.city import MAX_CELLS_PER_COMMUNITY, build_unit_grid, load_city, unit_grid


@pytest.fixture(scope="module")
def grid():
    return unit_grid("ordos")


def test_codes_are_unique_and_fifteen_digits(grid):
    assert grid["grid_code"].is_unique
    assert grid["cell_id"].is_unique
    assert grid["grid_code"].str.fullmatch(r"\d{15}").all()


def test_code_is_county_street_community_number(grid):
    assert (grid["grid_code"].str[:6] == grid["district_code"]).all()
    assert (grid["grid_code"].str[6:9] == grid["street_code"]).all()
    assert (grid["grid_code"].str[9:12] == grid["community_code"]).all()


def test_every_district_has_cells_and_the_overlap_goes_to_one(grid):
    counts = grid.groupby("district_code").size()
    assert set(counts.index) == {"150602", "150603", "150627"}
    # ~100 m cells over the three built-up boxes: tens of thousands of cells, not millions
    assert 20_000 < len(grid) < 60_000
    # the Kangbashi / 阿镇 boxes overlap near the river; each cell there belongs to Kangbashi only
    overlap = grid[(grid.lon > 109.72) & (grid.lon < 109.80) & (grid.lat > 39.575) & (grid.lat < 39.585)]
    assert not overlap.empty and set(overlap["district_code"]) == {"150603"}


def test_communities_fit_a_three_digit_grid_number(grid):
    sizes = grid.groupby(["district_code", "street_code", "community_code"]).size()
    assert sizes.max() <= MAX_CELLS_PER_COMMUNITY
    assert grid["grid_code"].str[12:].astype(int).min() == 1


def test_cells_are_squares_of_the_configured_size(grid):
    city = load_city("ordos")
    spec = city.grid_spec()
    col, row = spec.cell_index(grid["x"].to_numpy(), grid["y"].to_numpy())
    assert np.array_equal(col, grid["col"].to_numpy()) and np.array_equal(row, grid["row"].to_numpy())
    a = grid.iloc[0]
    b = grid[(grid["row"] == a["row"]) & (grid["col"] == a["col"] + 1)].iloc[0]
    assert b["x"] - a["x"] == pytest.approx(100.0)


def test_cell_size_is_configuration():
    coarse = build_unit_grid(load_city("ordos", cell_m=200))
    assert 0.2 < len(coarse) / len(unit_grid("ordos")) < 0.3
