"""Landed files: where they are, which day they belong to, and their identity (path + SHA-256)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gridwatch.settings import Settings
from spark_jobs.ingest.contracts import contract

_DT_DIR = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class LandedFile:
    """One file in landing/<source>/dt=YYYY-MM-DD/, identified by its relative path and content hash."""

    source: str
    path: Path
    source_file: str  # relative to the data home, '/'-separated
    dt: date
    bytes: int
    sha256: str

    @property
    def batch_id(self) -> str:
        """Deterministic batch id of this file's ingestion: a re-run after a crash reuses it."""
        digest = hashlib.sha1(f"{self.source_file}\n{self.sha256}".encode()).hexdigest()[:12]
        return f"{self.source}-{self.dt:%Y%m%d}-{digest}"

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def landed_paths(settings: Settings, source: str, dates: list[date] | None = None) -> list[tuple[Path, date]]:
    """Files of a source under landing, optionally only for some days, sorted by day and name."""
    spec = contract(source)
    root = settings.landing / source
    if not root.is_dir():
        return []
    wanted = set(dates) if dates is not None else None
    out = []
    for day_dir in sorted(root.iterdir()):
        m = _DT_DIR.match(day_dir.name)
        if not (m and day_dir.is_dir()):
            continue
        day = date.fromisoformat(m.group(1))
        if wanted is not None and day not in wanted:
            continue
        for f in sorted(day_dir.iterdir()):
            if f.is_file() and not f.name.startswith((".", "_")) and f.suffix.lower() in spec.suffixes:
                out.append((f, day))
    return out


def relative_name(settings: Settings, path: Path) -> str:
    """A landed file's name relative to the data home, as stored in bronze and the ledger."""
    return path.resolve().relative_to(settings.home.resolve()).as_posix()


def describe(settings: Settings, source: str, path: Path, day: date) -> LandedFile:
    """Identity of one landed file (reads the whole file once to hash it)."""
    return LandedFile(source, path, relative_name(settings, path), day, path.stat().st_size, file_sha256(path))
