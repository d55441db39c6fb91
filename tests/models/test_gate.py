"""The champion/challenger gate on hand-made metric sets."""

import pytest

from models.gate import promotion_decision

BASELINES = {
    "long_run": {"hr@5": 0.30, "deviance": 0.50},
    "ewma": {"hr@5": 0.32, "deviance": 0.55},
    "last_week": {"hr@5": 0.20, "deviance": 0.40},  # best deviance, weak ranking
}


@pytest.mark.parametrize("challenger, champion, promote, n_reasons", [
    ({"hr@5": 0.35, "deviance": 0.38}, None, True, 0),                                     # first model, beats all
    ({"hr@5": 0.35, "deviance": 0.45}, None, False, 1),                                    # deviance not below 0.40
    ({"hr@5": 0.31, "deviance": 0.38}, None, False, 1),                                    # HR below ewma 0.32
    ({"hr@5": 0.35, "deviance": 0.38}, {"hr@5": 0.36, "deviance": 0.30}, False, 2),        # champion better on both
    ({"hr@5": 0.37, "deviance": 0.35}, {"hr@5": 0.36, "deviance": 0.36}, True, 0),         # beats champion and baselines
    ({"hr@5": 0.37, "deviance": 0.37}, {"hr@5": 0.36, "deviance": 0.36}, False, 1),        # worse deviance than champion
    ({"hr@5": 0.32, "deviance": 0.38}, None, False, 1),                                    # a tie is not a win
    ({"deviance": 0.38}, None, False, 1),                                                  # missing HR@5
])
def test_gate(challenger, champion, promote, n_reasons):
    ok, reasons = promotion_decision(challenger, champion, BASELINES)
    assert ok is promote
    assert len(reasons) == n_reasons


def test_gate_without_baselines_judges_against_the_champion_only():
    ok, _ = promotion_decision({"hr@5": 0.4, "deviance": 0.3}, {"hr@5": 0.39, "deviance": 0.31}, {})
    assert ok
