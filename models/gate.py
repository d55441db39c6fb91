"""The champion/challenger gate: a new model takes over only when it beats the champion and every baseline."""

from __future__ import annotations

from collections.abc import Mapping

GATE_METRICS = ("hr@5", "deviance")
LOWER_IS_BETTER = {"deviance"}


def _better(metric: str, a: float, b: float) -> bool:
    return a < b if metric in LOWER_IS_BETTER else a > b


def promotion_decision(challenger: Mapping[str, float], champion: Mapping[str, float] | None,
                       baselines: Mapping[str, Mapping[str, float]],
                       metrics: tuple[str, ...] = GATE_METRICS) -> tuple[bool, list[str]]:
    """(promote?, reasons): the challenger must beat the champion (if any) and the best baseline on each metric.

    All metric sets must come from the same origins. The best baseline is taken per metric (highest
    HR@5%, lowest deviance), so no single baseline can hide a weakness.
    """
    reasons = []
    for m in metrics:
        c = challenger.get(m)
        if c is None:
            reasons.append(f"challenger lacks {m}")
            continue
        if champion is not None and champion.get(m) is not None and not _better(m, c, champion[m]):
            reasons.append(f"{m}: {c:.4f} does not beat the champion's {champion[m]:.4f}")
        vals = {n: b[m] for n, b in baselines.items() if b.get(m) is not None}
        if vals:
            best_name = (min if m in LOWER_IS_BETTER else max)(vals, key=vals.get)
            if not _better(m, c, vals[best_name]):
                reasons.append(f"{m}: {c:.4f} does not beat the best baseline {best_name} ({vals[best_name]:.4f})")
    return (not reasons), reasons
