"""Open data through the same pipeline: a profile and a small CSV written here, bronze to gold/features."""

from __future__ import annotations

import csv
import gzip
from datetime import date, timedelta

import numpy as np
import pytest
from pyproj import Transformer
from pyspark.sql import functions as F

from gridwatch.opendata import load_profile, run_open_data, spark_pattern

MONDAY = date(2013, 1, 7)
SITES = [(-87.650, 41.850), (-87.652, 41.851), (-87.700, 41.900)]  # two close sites, one far
TO_FEET = Transformer.from_crs("EPSG:4326", "EPSG:3435", always_xy=True)
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)


def good_rows() -> list[dict]:
    rows = []
    for week in range(10):
        for s, (lon, lat) in enumerate(SITES):
            if s == 2 and week < 7:
                continue  # the far site first appears after the universe date
            day = MONDAY + timedelta(weeks=week, days=s)
            cat = "Construction Site Cleanliness/Fence" if (week + s) % 3 == 0 else "Garbage in alley"
            x, y = TO_FEET.transform(lon, lat)
            rows.append({"Id": f"R{week}-{s}", "Created": day.strftime("%m/%d/%Y"), "Status": "Completed",
                         "Nature": cat, "X": f"{x:.3f}", "Y": f"{y:.3f}", "lon": lon, "lat": lat})
    return rows


def bad_rows() -> list[tuple[dict, str]]:
    x, y = TO_FEET.transform(*SITES[0])
    base = {"Status": "Completed", "Nature": "Garbage in alley", "X": f"{x:.3f}", "Y": f"{y:.3f}"}
    return [
        ({**base, "Id": "B1", "Created": ""}, "missing_time"),
        ({**base, "Id": "B2", "Created": "13/45/2013"}, "unparseable_time"),
        ({**base, "Id": "B3", "Created": "01/03/2000"}, "time_out_of_range"),
        ({**base, "Id": "B4", "Created": "01/08/2013", "X": ""}, "missing_coordinates"),
        ({**base, "Id": "B5", "Created": "01/08/2013", "X": "0", "Y": "0"}, "outside_bounds"),
        ({**base, "Id": "B6", "Created": "01/08/2013", "Status": "Completed - Dup"}, "excluded_by_profile"),
        ({**base, "Id": "R0-0", "Created": "01/07/2013", "Nature": "Garbage in alley"}, "duplicate_key_conflict"),
    ]


@pytest.fixture
def profile(tmp_path):
    rows = good_rows() + [r for r, _ in bad_rows()]
    data = tmp_path / "exports" / "requests.csv.gz"
    data.parent.mkdir()
    with gzip.open(data, "wt", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["Id", "Created", "Status", "Nature", "X", "Y"], extrasaction="ignore", delimiter=";")
        w.writeheader()
        w.writerows(rows)
    path = tmp_path / "profiles" / "test-city.yaml"
    path.parent.mkdir()
    path.write_text("""
name: test-city
source: ../exports/requests.csv.gz
delimiter: ";"
id: Id
time: {column: Created, format: "%m/%d/%Y", timezone: America/Chicago}
location: {x: X, y: Y, crs: "EPSG:3435"}
category: {column: Nature, map: {"Construction Site Cleanliness/Fence": violation}, default: sanitation}
filter: {column: Status, exclude: ["Completed - Dup", "Open - Dup"]}
period: {start: "2011-01-03", end: "2014-12-28"}
grid: {cell_m: 150}
universe: {before: "2013-02-18"}
""", encoding="utf-8")
    return path


def test_profile_and_time_pattern(profile):
    p = load_profile(profile)
    assert p.source.name == "requests.csv.gz" and p.source.exists()
    assert p.types == ("violation", "sanitation") and p.forecast_types == ("violation", "sanitation")
    assert spark_pattern("%m/%d/%Y %H:%M") == "MM/dd/yyyy HH:mm"


def test_open_data_bronze_to_features(spark, profile, tmp_path):
    home = tmp_path / "home"
    result = run_open_data(spark, profile, home)
    good = good_rows()
    assert result["quarantined"] == {reason: 1 for _, reason in bad_rows()}
    assert result["grid"] == {"crs": "EPSG:32616", "cell_m": 150.0}   # UTM 16N: the feet CRS is not metric
    violation = sum(r["Nature"].startswith("Construction") for r in good)
    assert result["events"] == {"violation": violation, "sanitation": len(good) - violation}

    reports = spark.read.format("delta").load(result["paths"]["reports"]).toPandas().set_index("source_key")
    assert len(reports) == len(good)
    for r in good:
        got = reports.loc[r["Id"]]
        assert abs(got["lon"] - r["lon"]) < 1e-6 and abs(got["lat"] - r["lat"]) < 1e-6
        ux, uy = TO_UTM.transform(r["lon"], r["lat"])
        col, row = int(np.floor(ux / 150)) + 2 ** 21, int(np.floor(uy / 150)) + 2 ** 21
        assert got["cell_id"] == row * 2 ** 22 + col
    assert str(reports.loc["R0-1", "week_start"]) == "2013-01-07"

    # The universe holds the cells with an event before 2013-02-18: not the far site that starts later.
    feats = spark.read.format("delta").load(result["paths"]["features"])
    cells = {r.cell_id for r in feats.select("cell_id").distinct().collect()}
    early = {reports.loc[r["Id"], "cell_id"] for r in good if date.fromisoformat(
        f"{r['Created'][6:]}-{r['Created'][:2]}-{r['Created'][3:5]}") < date(2013, 2, 18)}
    assert cells == early and result["cells"] == len(early)
    assert result["first_target_week"] == "2013-02-18" and result["weeks"] == 11
    assert feats.count() == len(early) * 2 * 11
    cols = set(feats.columns)
    assert not any(c.startswith(("place_", "video_", "dust_", "truck_", "case_", "cal_")) for c in cols)
    assert {"lag_1", "nbr1_lag1", "kde_300m_4w", "other_violation_lag1"} <= cols
    site0 = reports.loc["R3-0", "cell_id"]
    row = feats.where((F.col("cell_id") == int(site0)) & (F.col("week_start") == date(2013, 1, 28))
                      & (F.col("problem_type") == "sanitation")).first()
    assert row["lag_1"] == (0 if (2 + 0) % 3 == 0 else 1) and row["y"] == (0 if (3 + 0) % 3 == 0 else 1)

    again = run_open_data(spark, profile, home)                # the same file is never ingested twice
    bronze = spark.read.format("delta").load(again["paths"]["bronze"])
    assert bronze.count() == len(good) + len(bad_rows())
    assert again["events"] == result["events"]
