"""CSV (UTF-8 with BOM, so Excel opens the Chinese text) and Excel (one sheet per problem type)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridwatch.delivery.columns import display_frame, sheet_name, type_title

MAX_WIDTH = 60
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
EXPLORATION_FILL = PatternFill("solid", fgColor="FFF4CC")


def display_width(text: object) -> int:
    """Columns a text needs in a spreadsheet: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def write_csv(part: pd.DataFrame, path: Path) -> Path:
    """One list as CSV, UTF-8 with BOM."""
    display_frame(part).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def write_excel(lists: pd.DataFrame, path: Path, notes: list[tuple[str, str]]) -> Path:
    """One workbook per district: a sheet per problem type (frozen header, fitted widths) and a notes sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for ptype, part in lists.groupby("problem_type", sort=True):
        ws = wb.create_sheet(sheet_name(str(ptype)))
        frame = display_frame(part.sort_values("rank"))
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append(list(row))
        _style_sheet(ws, frame, part.sort_values("rank")["slot"].tolist())
        ws.sheet_properties.tabColor = "4472C4"
        ws.title = sheet_name(str(ptype))
        ws.oddHeader.center.text = type_title(str(ptype))
    about = wb.create_sheet("说明 About")
    for key, value in notes:
        about.append([key, value])
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    wb.save(path)
    return path


def _style_sheet(ws, frame: pd.DataFrame, slots: list[str]) -> None:
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, col in enumerate(frame.columns, start=1):
        values = [col, *frame[col].astype(str).head(500).tolist()]
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(display_width(v) for v in values) + 2)
    for r, slot in enumerate(slots, start=2):
        if slot == "exploration":
            for cell in ws[r]:
                cell.fill = EXPLORATION_FILL
    ws.auto_filter.ref = ws.dimensions
