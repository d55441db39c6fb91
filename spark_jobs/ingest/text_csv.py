"""CSV files decoded per file in Python: UTF-8 or GBK (detected per file), BOMs, quoted newlines, stray delimiters."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from spark_jobs.pii import scrub_text_py

_BAD = re.compile("[\udc80-\udcff]")  # bytes the chosen codec could not decode (surrogateescape)


@dataclass
class CsvRecord:
    """One record: where it starts, its raw text, and its fields or the reason it was rejected."""

    line: int
    raw: str
    values: dict[str, str | None] | None
    reason: str | None = None
    detail: str | None = None


@dataclass
class ParsedCsv:
    """A whole file: its encoding, header, records (good and rejected) and fields beyond the contract."""

    encoding: str
    header: list[str]
    records: list[CsvRecord] = field(default_factory=list)
    extra_fields: list[str] = field(default_factory=list)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file, choosing UTF-8 or GB18030/GBK by fewer undecodable bytes; those stay as surrogates."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", "surrogateescape"), "utf-8-sig"
    utf = data.decode("utf-8", "surrogateescape")
    if not _BAD.search(utf):
        return utf, "utf-8"
    # GB18030 decodes almost any bytes, so judge by lines: a UTF-8 file with a few broken lines still has
    # most of its non-ASCII lines valid UTF-8; a GBK export has almost none.
    wide = [line for line in data.split(b"\n") if not line.isascii()]
    valid = sum(1 for line in wide if _is_utf8(line))
    if valid * 2 >= len(wide):
        return utf, "utf-8"
    return data.decode("gb18030", "surrogateescape"), "gbk"


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def printable_raw(text: str) -> str:
    """Raw record text for storage: line ends trimmed, undecodable bytes shown as \\xNN."""
    return _BAD.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text.rstrip("\r\n"))


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _one_record(lines: list[str], start: int) -> tuple[list[str] | None, int]:
    """Parse the record starting at lines[start]; return its fields and how many lines it used."""
    used = 0

    def feed() -> Iterator[str]:
        nonlocal used
        for j in range(start, len(lines)):
            used += 1
            yield lines[j]

    try:
        row = next(csv.reader(feed(), strict=True))
    except (csv.Error, StopIteration):
        return None, max(used, 1)
    return row, used


def _loose_tokens(raw: str) -> list[str]:
    """Best-effort fields of a broken record (first line only), to find what must be masked."""
    try:
        return next(csv.reader([raw.split("\n", 1)[0].rstrip("\r")], strict=False), [])
    except csv.Error:
        return raw.split(",")


def parse_csv(data: bytes, fields: tuple[str, ...], key: tuple[str, ...],
              pii_names: tuple[str, ...] = ()) -> ParsedCsv:
    """Parse a landed CSV file against its contract fields (header names map to fields by name).

    Rejected records keep their raw text with phone and ID numbers masked, and the caller's name
    masked where the record still shows it (quarantine is a silver table: no PII there).
    """
    text, encoding = decode_bytes(data)
    lines = _lines(text)
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines):
        return ParsedCsv(encoding, [])
    header_row, used = _one_record(lines, i)
    header = [h.strip().lstrip("\ufeff") for h in (header_row or [])]
    parsed = ParsedCsv(encoding, header, extra_fields=[h for h in header if h not in fields])
    drift = not set(key) <= set(header)
    i += used
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        row, used = _one_record(lines, i)
        raw = "".join(lines[i:i + used])
        if (row is None or len(row) != len(header)) and used > 1:
            # An unclosed quote swallowed the following lines: reject only its first line.
            row, used, raw = None, 1, lines[i]
        rec = CsvRecord(i + 1, printable_raw(raw), None)
        if _BAD.search(raw):
            rec.reason, rec.detail = "bad_encoding", f"不能按 {encoding} 解码 / not decodable as {encoding}"
        elif drift:
            rec.reason, rec.detail = "schema_drift", f"表头缺少主键 {list(key)} / header lacks key {list(key)}"
        elif row is None or len(row) != len(header):
            n = "?" if row is None else len(row)
            rec.reason, rec.detail = "malformed_record", f"列数 {n} ≠ 表头 {len(header)} / {n} fields, header has {len(header)}"
        else:
            by_name = dict(zip(header, row, strict=False))
            rec.values = {f: by_name.get(f) for f in fields}
        if rec.reason:
            tokens = row or _loose_tokens(raw)
            names = [tokens[header.index(n)] for n in pii_names if n in header and header.index(n) < len(tokens)]
            rec.raw = scrub_text_py(rec.raw, *names)
        parsed.records.append(rec)
        i += used
    return parsed
