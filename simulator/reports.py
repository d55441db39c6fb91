"""Who reports each real event: hotline callers, 110, cameras and patrols, minutes apart and metres off."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridwatch.taxonomy import crosswalk
from simulator.layout import Layout

# Per type: chance that a source reports an event (video only where a camera sees it), and a second caller.
REPORTING = {
    #              hotline police110 video  patrol second_call transfer(hotline->case)
    "stall":      (0.42, 0.06, 0.60, 0.24, 0.08, 0.20),
    "parking":    (0.45, 0.18, 0.55, 0.10, 0.06, 0.15),
    "violation":  (0.55, 0.04, 0.25, 0.36, 0.10, 0.40),
    "sanitation": (0.45, 0.02, 0.30, 0.36, 0.05, 0.25),
    "dust":       (0.45, 0.06, 0.20, 0.30, 0.05, 0.30),
    "other":      (0.62, 0.25, 0.00, 0.00, 0.05, 0.00),
}
# Median minutes from the event to the report, and the spread of the reported position in metres.
DELAY_MIN = {"hotline": 14.0, "police110": 6.0, "video": 1.0, "cases": 35.0}
JITTER_M = {"hotline": 40.0, "police110": 35.0, "video": 12.0, "cases": 8.0}

REPORT_COLUMNS = ["source", "event_id", "problem_type", "minor_code", "report_time", "x", "y", "event_pos",
                  "camera", "case_origin", "link"]


def video_minor_codes() -> set[str]:
    return set(crosswalk("video")["minor_code"])


def case_minor_codes() -> set[str]:
    return set(crosswalk("cases")["minor_code"])


def _delay(rng: np.random.Generator, source: str, n: int) -> np.ndarray:
    """Seconds after the event: lognormal around the source's median, a few much later."""
    sec = DELAY_MIN[source] * 60 * rng.lognormal(0.0, 0.7, n)
    late = rng.random(n) < (0.03 if source == "hotline" else 0.0)
    sec[late] += rng.uniform(3600, 12 * 3600, late.sum())
    return sec


def _make(rng: np.random.Generator, events: pd.DataFrame, idx: np.ndarray, source: str, layout: Layout,
          after: np.ndarray | None = None) -> pd.DataFrame:
    ev = events.iloc[idx]
    base = ev["event_time"].to_numpy() if after is None else after
    t = base + pd.to_timedelta(np.round(_delay(rng, source, len(idx))), unit="s").to_numpy()
    j = JITTER_M[source]
    return pd.DataFrame({
        "source": source, "event_id": ev["event_id"].to_numpy(), "problem_type": ev["problem_type"].to_numpy(),
        "minor_code": ev["minor_code"].to_numpy(), "report_time": t,
        "x": ev["x"].to_numpy() + rng.normal(0, j, len(idx)), "y": ev["y"].to_numpy() + rng.normal(0, j, len(idx)),
        "event_pos": ev["pos"].to_numpy(), "camera": layout.camera_cover[ev["pos"].to_numpy()],
        "case_origin": "", "link": "",
    })


def assign_reports(events: pd.DataFrame, layout: Layout, rng: np.random.Generator) -> pd.DataFrame:
    """Every report of every event: at least one per event, about 1.5 on average, sorted by report time."""
    n = len(events)
    if n == 0:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    probs = np.array([REPORTING[t] for t in events["problem_type"]])
    covered = layout.camera_cover[events["pos"].to_numpy()] >= 0
    on_video = covered & events["minor_code"].isin(video_minor_codes()).to_numpy()
    in_cases = events["minor_code"].isin(case_minor_codes()).to_numpy()
    u = rng.random((n, 4))
    take = u < probs[:, :4]
    take[:, 2] &= on_video
    take[:, 3] &= in_cases
    none = ~take.any(axis=1)
    # Every real event is reported at least once: by the hotline, else a patrol.
    take[none & (rng.random(n) < 0.75), 0] = True
    still = ~take.any(axis=1)
    take[still & in_cases, 3] = True
    take[still & ~in_cases, 0] = True
    parts = []
    for k, source in enumerate(("hotline", "police110", "video", "cases")):
        idx = np.flatnonzero(take[:, k])
        part = _make(rng, events, idx, source, layout)
        if source == "cases":
            part["case_origin"] = "patrol"
        parts.append(part)
        if source == "video":  # the same camera sees it again a few minutes later
            again = idx[rng.random(len(idx)) < 0.12]
            rep = _make(rng, events, again, "video", layout,
                        after=events["event_time"].to_numpy()[again] + np.timedelta64(300, "s"))
            parts.append(rep)
    second = np.flatnonzero(rng.random(n) < probs[:, 4])
    parts.append(_make(rng, events, second, "hotline", layout,
                       after=events["event_time"].to_numpy()[second] + np.timedelta64(600, "s")))
    rep = pd.concat(parts, ignore_index=True)
    # Some hotline orders are passed on to the case system as a case of their own.
    hot = np.flatnonzero((rep["source"] == "hotline").to_numpy())
    ptype = rep["problem_type"].to_numpy()[hot]
    share = np.array([REPORTING[t][5] for t in ptype])
    tr = hot[(rng.random(len(hot)) < share) & rep["minor_code"].iloc[hot].isin(case_minor_codes()).to_numpy()]
    transfer = rep.iloc[tr].copy()
    transfer["source"] = "cases"
    transfer["case_origin"] = "hotline"
    transfer["link"] = [f"hotline#{i}" for i in tr]  # filled with the order number once it is known
    transfer["report_time"] = transfer["report_time"] + pd.to_timedelta(rng.uniform(600, 5400, len(tr)).round(), unit="s")
    rep["link"] = rep["link"].astype(object)
    rep = pd.concat([rep, transfer], ignore_index=True)
    rep["row"] = np.arange(len(rep))
    return rep.sort_values(["report_time", "row"], kind="stable").reset_index(drop=True)
