"""What a simulation run produces: seed, span, scale and the city it lays over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Shanghai"


def last_sunday(today: dt.date | None = None) -> dt.date:
    """The last Sunday on or before today in Asia/Shanghai."""
    today = today or dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    return today - dt.timedelta(days=(today.weekday() + 1) % 7)


@dataclass(frozen=True)
class SimConfig:
    """One simulated city history: `weeks` ISO weeks ending on `end_date` (a Sunday)."""

    seed: int = 20260
    # The default city is sized so that `make run` builds it end to end in about ten minutes on two
    # cores: 80 weeks give the backtest 26 origins after a year of history (same week last year) and
    # its training and tuning weeks. A denser, longer city: --weeks 104 --scale 1 (docs/FORECASTING.md
    # gives the forecaster's figures on both).
    weeks: int = 80
    end_date: dt.date = field(default_factory=last_sunday)
    scale: float = 0.5  # multiplies every volume: incidents, reports, sensors, trucks (drivers.py: at 1)
    city: str = "ordos"
    cell_m: float = 100.0
    fault_rate: float = 0.002  # share of records with realistic dirt (missing coordinate, resend, ...)

    def __post_init__(self) -> None:
        if self.end_date.weekday() != 6:
            raise ValueError(f"end_date {self.end_date} is not a Sunday; weeks run Monday to Sunday")
        if self.weeks < 1 or self.scale <= 0:
            raise ValueError("weeks must be >= 1 and scale > 0")

    @property
    def start_date(self) -> dt.date:
        """Monday of the first simulated week."""
        return self.end_date - dt.timedelta(days=7 * self.weeks - 1)
