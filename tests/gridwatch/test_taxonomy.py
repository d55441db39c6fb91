"""Crosswalks are data: every source code maps to a known minor code and problem type."""

import pytest

from gridwatch.taxonomy import (
    CROSSWALK_KEYS,
    FORECAST_TYPES,
    PROBLEM_TYPES,
    crosswalk,
    minor_codes,
    type_name,
)


@pytest.mark.parametrize("source", sorted(CROSSWALK_KEYS))
def test_every_crosswalk_row_maps_to_a_problem_type(source):
    cw = crosswalk(source)
    assert not cw.empty
    assert cw[CROSSWALK_KEYS[source]].is_unique
    assert cw["problem_type"].isin(PROBLEM_TYPES).all(), cw[~cw["problem_type"].isin(PROBLEM_TYPES)]


def test_forecast_types_have_minor_codes_and_names():
    mc = minor_codes()
    for t in FORECAST_TYPES:
        assert (mc["problem_type"] == t).any()
    assert type_name("parking", "zh") == "乱停车"
    assert type_name("violation", "en") == "Illegal construction"
