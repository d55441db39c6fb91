"""Unit-grid assignment: every point gets the cell gridwatch.city computes; outside points get none."""

from __future__ import annotations

import numpy as np

from gridwatch.city import load_city, unit_grid
from spark_jobs.grid import assign_cells, cell_of, unit_grid_frame


def test_assign_cells_agrees_with_city_grid(spark):
    city = load_city()
    grid = unit_grid()
    sample = grid.sample(40, random_state=1)
    spec = city.grid_spec()
    rng = np.random.default_rng(5)
    # Points jittered inside their cells, plus two far outside and one in the box but owned by no district.
    dx = rng.uniform(-45, 45, len(sample))
    dy = rng.uniform(-45, 45, len(sample))
    lon, lat = city.to_wgs84(sample.x.to_numpy() + dx, sample.y.to_numpy() + dy)
    rows = [(f"p{i}", float(lon[i]), float(lat[i])) for i in range(len(sample))]
    rows += [("far_west", 108.0, 39.7), ("far_north", 109.9, 41.0), ("nulls", None, None)]
    owned = set(grid.cell_id)
    all_ids = np.arange(spec.ncols * spec.nrows)
    unowned = np.setdiff1d(all_ids, grid.cell_id.to_numpy())
    if len(unowned):
        u = int(unowned[0])
        ux, uy = spec.x0 + (u % spec.ncols + 0.5) * spec.cell_m, spec.y0 + (u // spec.ncols + 0.5) * spec.cell_m
        ulon, ulat = city.to_wgs84([ux], [uy])
        rows.append(("box_gap", float(ulon[0]), float(ulat[0])))
    df = spark.createDataFrame(rows, "id string, lon double, lat double")
    out = assign_cells(df, unit_grid_frame(spark, city), city).toPandas().set_index("id")
    expected = sample.set_index(np.array([f"p{i}" for i in range(len(sample))]))
    got = out.loc[expected.index]
    assert (got.cell_id.astype("int64") == expected.cell_id).all()
    assert (got.grid_code == expected.grid_code).all()
    assert (got.district_code == expected.district_code).all()
    assert (got.community_code == expected.community_code).all()
    for outside in ["far_west", "far_north", "nulls"] + (["box_gap"] if len(unowned) else []):
        assert out.loc[outside, "cell_id"] is None or np.isnan(out.loc[outside, "cell_id"])
    assert set(got.cell_id.astype("int64")) <= owned


def test_cell_of_outside_box_is_none():
    assert cell_of(108.0, 39.7) is None
    assert cell_of(109.958, 39.822) is not None
