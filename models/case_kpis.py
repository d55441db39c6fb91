"""Case assessment (考核): 立案率, 按期处置率, 结案率, 按期结案率, 返工率, 延期率 and a composite score.

Computed from the SCD2 case history as known at an as-of time: each case is taken in the last
version known by then, with its first deadline and first handling taken over all versions known
by then. A week can be recomputed later; cases that changed after the week closed (handled late,
reopened for rework, extended) then count as they are known at the new as-of time. Formulas
(numerator / denominator of the counts below) and weights live in gridwatch/config/kpi.yaml.

pandas, not Spark: a city files some 10^5 cases a year, which fits in memory many times over, and
the as-of logic is a per-case reduction that reads best as plain frame code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

CONFIG_FILE = Path(__file__).resolve().parents[1] / "gridwatch" / "config" / "kpi.yaml"
TIMEZONE = "Asia/Shanghai"
TIMES = ("reported_at", "filed_at", "dispatched_at", "handled_at", "verified_at", "closed_at", "deadline")
COUNTS = ("reported", "filed", "due", "handled_on_time", "closed", "closed_on_time", "extended", "handled",
          "reworked")
LEVEL_DISTRICT, LEVEL_DEPARTMENT = "district", "department"
ALL_DEPARTMENTS = "全部 all"


@dataclass(frozen=True)
class KpiConfig:
    """KPI formulas and weights from kpi.yaml."""

    kpis: dict[str, dict]
    close_grace_hours: float = 0.0

    @classmethod
    def load(cls, path: str | Path | None = None) -> KpiConfig:
        raw = yaml.safe_load(Path(path or CONFIG_FILE).read_text(encoding="utf-8"))
        cfg = cls(kpis=raw["kpis"], close_grace_hours=float(raw.get("close_grace_hours", 0)))
        for name, k in cfg.kpis.items():
            for part in ("numerator", "denominator"):
                if k[part] not in COUNTS:
                    raise ValueError(f"kpi {name}: {part} {k[part]!r} is not one of {COUNTS}")
            if k["better"] not in ("higher", "lower"):
                raise ValueError(f"kpi {name}: better must be 'higher' or 'lower'")
        return cfg

    @property
    def version(self) -> str:
        """Short hash of formulas and weights, stored with every computed row."""
        text = json.dumps({"kpis": self.kpis, "grace": self.close_grace_hours}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _local(s: pd.Series) -> pd.Series:
    """Timestamps as Asia/Shanghai wall clock without a zone (Delta reads give UTC instants)."""
    s = pd.to_datetime(s, errors="coerce")
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    return s


def _known_at(h: pd.DataFrame) -> pd.Series:
    """When each version became known: valid_from, else its latest lifecycle time."""
    latest = h[[t for t in TIMES if t != "deadline"]].max(axis=1)
    return h["valid_from"].fillna(latest) if "valid_from" in h else latest


def _district(h: pd.DataFrame) -> pd.Series:
    for col in ("district_code", "grid_code", "reported_grid_code"):
        if col in h:
            return h[col].astype(str).str[:6]
    raise KeyError("the case history needs district_code or a grid code")


def case_states(history: pd.DataFrame, as_of: datetime) -> pd.DataFrame:
    """One row per case as known at as_of: latest version's state plus first deadline and first handling."""
    h = history.copy()
    for t in TIMES:
        h[t] = _local(h[t]) if t in h else pd.NaT
    if "valid_from" in h:
        h["valid_from"] = _local(h["valid_from"])
    h["known_at"] = _known_at(h)
    h = h[h["known_at"] <= pd.Timestamp(as_of)].sort_values(["case_no", "version"])
    if h.empty:
        return pd.DataFrame(columns=["case_no", "district_code", "department", *TIMES, "original_deadline",
                                     "first_handled_at", "rework_count"])
    g = h.groupby("case_no", sort=True)
    last = g.tail(1).set_index("case_no")
    out = pd.DataFrame({
        "district_code": _district(last),
        "department": last["department"].fillna("未指定 unassigned").astype(str),
        **{t: last[t] for t in TIMES},
        "original_deadline": g["deadline"].first(),  # first non-null deadline, in version order
        "first_handled_at": g["handled_at"].min(),
        "rework_count": g["rework_count"].max().fillna(0).astype(int),
    })
    return out.reset_index()


def case_counts(states: pd.DataFrame, week_start: date, close_grace_hours: float = 0.0) -> pd.DataFrame:
    """The per-case flags of one week (one row per case that belongs to any cohort of the week)."""
    lo = pd.Timestamp(week_start)
    hi = lo + pd.Timedelta(days=7)

    def in_week(s: pd.Series) -> pd.Series:
        return (s >= lo) & (s < hi)

    s = states
    reported = in_week(s["reported_at"])
    due = s["filed_at"].notna() & in_week(s["original_deadline"])
    grace = pd.Timedelta(hours=close_grace_hours)
    handled = in_week(s["first_handled_at"])
    flags = pd.DataFrame({
        "case_no": s["case_no"], "district_code": s["district_code"], "department": s["department"],
        "reported": reported,
        "filed": reported & s["filed_at"].notna(),
        "due": due,
        "handled_on_time": due & s["handled_at"].notna() & (s["handled_at"] <= s["deadline"]),
        "closed": due & s["closed_at"].notna(),
        "closed_on_time": due & s["closed_at"].notna() & (s["closed_at"] <= s["deadline"] + grace),
        "extended": due & (s["deadline"] > s["original_deadline"]),
        "handled": handled,
        "reworked": handled & (s["rework_count"] > 0),
    })
    return flags[flags[list(COUNTS)].any(axis=1)]


def _rates(frame: pd.DataFrame, config: KpiConfig) -> pd.DataFrame:
    num_w = np.zeros(len(frame))
    den_w = np.zeros(len(frame))
    for name, k in config.kpis.items():
        den = frame[k["denominator"]].astype(float)
        rate = frame[k["numerator"]].astype(float) / den.where(den > 0)
        frame[name] = rate
        score = rate if k["better"] == "higher" else 1 - rate
        ok = score.notna().to_numpy()
        num_w += np.where(ok, float(k["weight"]) * score.fillna(0).to_numpy(), 0.0)
        den_w += np.where(ok, float(k["weight"]), 0.0)
    frame["composite_score"] = np.where(den_w > 0, 100 * num_w / np.where(den_w > 0, den_w, 1), np.nan)
    return frame


def case_kpis(history: pd.DataFrame, week_start: date, as_of: datetime | None = None,
              config: KpiConfig | None = None, computed_at: datetime | None = None) -> pd.DataFrame:
    """gold/case_kpis rows of one week: per district (all departments) and per district and department."""
    return case_kpis_weeks(history, [week_start], as_of, config, computed_at)


def case_kpis_weeks(history: pd.DataFrame, weeks: list[date], as_of: datetime | None = None,
                    config: KpiConfig | None = None, computed_at: datetime | None = None) -> pd.DataFrame:
    """gold/case_kpis rows of several weeks, from one reading of the case states as known at as_of."""
    config = config or KpiConfig.load()
    now = computed_at or datetime.now(UTC)
    as_of = as_of or now.astimezone(_tz()).replace(tzinfo=None)
    states = case_states(history, as_of)
    counts = list(COUNTS)
    parts = []
    for week in sorted({w - timedelta(days=w.weekday()) for w in weeks}):
        flags = case_counts(states, week, config.close_grace_hours)
        by_dept = flags.groupby(["district_code", "department"], as_index=False)[counts].sum()
        by_dept["level"] = LEVEL_DEPARTMENT
        by_district = flags.groupby("district_code", as_index=False)[counts].sum()
        by_district["department"], by_district["level"] = ALL_DEPARTMENTS, LEVEL_DISTRICT
        out = pd.concat([by_district, by_dept], ignore_index=True)
        out[counts] = out[counts].astype("int64")
        out = _rates(out, config)
        y, w, _ = week.isocalendar()
        out.insert(0, "iso_week", f"{y}-W{w:02d}")
        out.insert(0, "week_start", week)
        parts.append(out.sort_values(["district_code", "level", "department"]))
    out = pd.concat(parts, ignore_index=True)
    out["as_of"] = pd.Timestamp(as_of)
    out["computed_at"] = pd.Timestamp(now).tz_convert("UTC") if pd.Timestamp(now).tzinfo else pd.Timestamp(now)
    out["kpi_config_version"] = config.version
    return out.reset_index(drop=True)


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(TIMEZONE)
