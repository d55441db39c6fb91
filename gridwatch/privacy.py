"""Privacy scan: no caller phone number or name in silver, gold, the outbox or the logs of a data home.

Callers' names come from the landed hotline files (the only source that carries them); phone numbers are found
by their shape (Chinese mobile numbers), so a number from any source or typed into any free text is caught.

A caller's name is an ordinary string of two or three characters, so it also occurs by chance inside other
words: a caller named 周乌兰 "appears" in 最近一周乌兰木伦街. A name match is therefore dismissed when it
overlaps a place word of the city's gazetteer that runs past the name: reference places and the prefixes of
their names (乌兰木伦 from 乌兰木伦公园), roads from the landed addresses, districts, streets and communities
of the unit grid. A name standing on its own, or followed by a place word that does not swallow it, is reported.

`gridwatch privacy-scan` runs it on a data home; the exit status is 1 when anything is found.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from spark_jobs.pii import PHONE_PATTERN

# Not part of a longer token: decimals (0.16650390625), hex ids (dust-20241125-a14290168192) are not phones.
PHONE = re.compile(PHONE_PATTERN)
HASH = re.compile(r"[0-9a-f]{32,}")
TEXT_SUFFIXES = {".csv", ".txt", ".json", ".html", ".htm", ".md", ".out", ".err", ".log", ".yaml"}
ROAD = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:大道|大街|路|街|巷|胡同))(?=\d|附近|$|与|和|交)")
ADMIN_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,7}?(?:区|旗|镇|街道|乡|苏木)){1,2}")
MIN_TERM = 2
MAX_FINDINGS_PER_COLUMN = 5


@dataclass(frozen=True)
class Finding:
    where: str
    column: str
    kind: str
    sample: str


def _decode(data: bytes) -> str | None:
    for enc in ("utf-8-sig", "gbk"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _hotline_rows(home: Path) -> Iterable[dict]:
    for path in sorted((home / "landing" / "hotline").rglob("*.csv")):
        text = _decode(path.read_bytes())
        if text is not None:
            yield from csv.DictReader(io.StringIO(text))


def landing_caller_names(home: Path) -> set[str]:
    """Caller names present in the landed hotline files (UTF-8 with or without BOM, or GBK)."""
    return {n for row in _hotline_rows(home) if len(n := (row.get("caller_name") or "").strip()) >= MIN_TERM}


def _table(home: Path, layer: str, name: str):
    from deltalake import DeltaTable

    path = home / "lakehouse" / layer / name
    return DeltaTable(str(path)) if (path / "_delta_log").is_dir() else None


def gazetteer(home: Path) -> set[str]:
    """Place words of the city: reference places and their name prefixes, roads, districts, streets, communities."""
    terms: set[str] = set()
    places = _table(home, "bronze", "reference_places")
    if places is not None:
        for name in places.to_pandas(columns=["name"])["name"].dropna().astype(str):
            terms |= {name[:k] for k in range(MIN_TERM, len(name) + 1)}
    grid = _table(home, "silver", "unit_grid")
    if grid is not None:
        cols = [c for c in grid.schema().to_arrow().names if c.endswith("_zh")]
        for _, values in grid.to_pandas(columns=cols).items():
            terms |= {v for v in values.dropna().astype(str).unique() if len(v) >= MIN_TERM}
    for row in _hotline_rows(home):
        addr = ADMIN_PREFIX.sub("", (row.get("address") or "").strip())
        m = ROAD.match(addr)
        if m:
            terms.add(m.group(1))
    return terms


class NameMatcher:
    """Finds callers' names in text, except where a place word overlaps the name and runs past it."""

    def __init__(self, names: set[str], places: set[str]):
        self.pattern = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True))) if names else None
        self.places = {p for p in places if len(p) >= MIN_TERM}
        self.longest = max(map(len, self.places), default=0)

    def _inside_place(self, text: str, i: int, j: int) -> bool:
        for s in range(max(0, i - self.longest + 1), j):
            for e in range(max(s + MIN_TERM, i + 1), min(len(text), s + self.longest) + 1):
                if (s < i or e > j) and text[s:e] in self.places:
                    return True
        return False

    def find(self, text: str) -> str | None:
        if self.pattern is None:
            return None
        for m in self.pattern.finditer(text):
            if not self._inside_place(text, m.start(), m.end()):
                return m.group(0)
        return None


def _scan_values(values: Iterable, where: str, column: str, names: NameMatcher) -> list[Finding]:
    out = []
    for v in values:
        s = str(v)
        if HASH.fullmatch(s):  # a record hash or pseudonym token: hex digits, not a phone number
            continue
        m = PHONE.search(s)
        if m:
            out.append(Finding(where, column, "phone", m.group(0)))
        n = names.find(s)
        if n:
            out.append(Finding(where, column, "name", n))
        if len(out) >= MAX_FINDINGS_PER_COLUMN:
            break
    return out


def _flatten(v):
    return " ".join(map(str, v)) if hasattr(v, "__len__") and not isinstance(v, (str, bytes)) else v


def _text_columns(table) -> list[str]:
    """Columns that can hold text: strings, and arrays, maps or structs (whatever they hold)."""
    return [f.name for f in table.schema().fields
            if type(f.type).__name__ != "PrimitiveType" or f.type.type in ("string", "binary")]


def _scan_delta(home: Path, names: NameMatcher) -> list[Finding]:
    from deltalake import DeltaTable

    from gridwatch import deltaread

    lake = home / "lakehouse"
    found: list[Finding] = []
    for log in sorted(p for layer in ("silver", "gold") for p in (lake / layer).glob("*/_delta_log")):
        table = DeltaTable(str(log.parent))
        cols = _text_columns(table)
        if not cols:
            continue
        df = deltaread.to_pandas(table, columns=cols)
        for col in df.columns:
            if df[col].dtype == object:
                vals = df[col].dropna().map(_flatten).astype(str).unique()
                found += _scan_values(vals, str(log.parent.relative_to(home)), col, names)
    return found


def _scan_files(home: Path, root: Path, names: NameMatcher) -> list[Finding]:
    found: list[Finding] = []
    for path in sorted(root.rglob("*")) if root.exists() else []:
        suffix = path.suffix.lower()
        where = str(path.relative_to(home))
        if suffix in TEXT_SUFFIXES and path.is_file():
            found += _scan_values([path.read_bytes().decode("utf-8", "ignore")], where, "-", names)
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            cells = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
            found += _scan_values(cells, where, "-", names)
        elif suffix == ".db" and path.is_file():
            found += _scan_sqlite(path, where, names)
    return found


def _scan_sqlite(path: Path, where: str, names: NameMatcher) -> list[Finding]:
    """Every text value of every table of a SQLite store (Dagster's event logs, MLflow's tracking store)."""
    found: list[Finding] = []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            for col in cols:
                rows = con.execute(f'SELECT DISTINCT "{col}" FROM "{table}" WHERE typeof("{col}") = \'text\'')
                found += _scan_values((r[0] for r in rows), f"{where}:{table}", col, names)
    finally:
        con.close()
    return found


def scan_home(home: Path, names: set[str] | None = None) -> list[Finding]:
    """Every phone number or caller name in silver/gold tables, the outbox, Dagster's logs and MLflow's store."""
    home = Path(home)
    names = names if names is not None else landing_caller_names(home)
    matcher = NameMatcher(names, gazetteer(home))
    found = _scan_delta(home, matcher)
    for folder in ("outbox", "dagster", "mlflow", "models"):
        found += _scan_files(home, home / folder, matcher)
    return found


def scan_report(home: Path) -> dict:
    """The scan as a JSON-able report for `gridwatch privacy-scan --json`."""
    names = landing_caller_names(Path(home))
    findings = scan_home(Path(home), names)
    return {"home": str(home), "caller_names": len(names), "clean": not findings,
            "findings": [asdict(f) for f in findings]}
