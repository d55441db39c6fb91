"""Publishing weekly risk lists: CSV, Excel, a printable page (HTML/PDF), the archive and the delivery hook."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gridwatch.settings import Settings


def show_risk_list(settings: Settings, week: str | None = None, fmt: str = "table") -> str:
    """Where a week's published lists are, and their top rows (the `gridwatch risk-list` command)."""
    from gridwatch.delivery.show import show_risk_list as _show

    return _show(settings, week, fmt)
