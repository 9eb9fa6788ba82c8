"""Upsert rows into a published CSV: keyed, atomic (temp file + ``os.replace``) and
serialized by a lock file, keeping rows and columns it does not touch byte-for-byte.

Rows are read with the one CSV reader (:mod:`perfcore.csvfile`) and their original text is
kept: a row that is not replaced is written back exactly as it was read (unless new columns
have to be added to the header, which rewrites every row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from perfcore.atomic import write_atomic
from perfcore.columns import key_default
from perfcore.csvfile import format_csv_text, parse_csv_text
from perfcore.errors import DataFileError

LOCK_TIMEOUT_S = 60


@dataclass
class Changes:
    added: list[tuple] = field(default_factory=list)
    replaced: list[tuple] = field(default_factory=list)
    unchanged: list[tuple] = field(default_factory=list)
    kept_newer: list[tuple] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.replaced)} replaced",
                 f"{len(self.unchanged)} unchanged"]
        if self.kept_newer:
            parts.append(f"{len(self.kept_newer)} kept (the CSV has a newer run)")
        details = [f"{kind} {' | '.join(key)}" for kind, keys in
                   (("added", self.added), ("replaced", self.replaced),
                    ("kept", self.kept_newer)) for key in keys]
        return ", ".join(parts) + "".join(f"\n  {line}" for line in details)


@dataclass
class Table:
    header: list[str]
    header_text: str
    rows: list[dict[str, str]]
    raw: list[str]
    lines: list[int]
    newline: str = "\n"


def read_table(path: Path, key_columns: Sequence[str]) -> Table | None:
    """The CSV at ``path`` with each row's original text, or None when there is none yet."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return None
    parsed = parse_csv_text(text, str(path))
    check_header(path, list(parsed.columns), key_columns[:1])
    physical = text.splitlines(keepends=True)  # as the reader counts lines
    newline = "\r\n" if physical[0].endswith("\r\n") else "\n"
    table = Table(list(parsed.columns), "".join(physical[:parsed.header_line]), [], [], [],
                  newline)
    for cells, start, end in zip(parsed.rows, parsed.lines, parsed.end_lines, strict=True):
        table.rows.append(dict(zip(parsed.columns, cells, strict=True)))
        table.raw.append("".join(physical[start - 1:end]))
        table.lines.append(start)
    return table


def check_header(path: Path, header: list[str], key_columns: Sequence[str]) -> None:
    missing = [name for name in key_columns if name not in header]
    if missing:
        raise DataFileError(str(path), 1, f"missing key column(s) {', '.join(missing)}; "
                           f"the header has {', '.join(header)}")


def row_key(row: dict[str, str], key_columns: Sequence[str]) -> tuple[str, ...]:
    """A row's key; a blank or absent key cell means the column's default (``1`` copy), so
    a CSV written before a key column existed still upserts the same rows."""
    return tuple(row.get(name, "").strip() or key_default(name) for name in key_columns)


def encode_row(values: Sequence[str], newline: str) -> str:
    return format_csv_text([values], newline)


def upsert_csv(path: Path, rows: list[dict[str, str]], columns: Sequence[str],
               key_columns: Sequence[str], keep_if_blank: Sequence[str] = ()) -> Changes:
    """Insert or replace ``rows`` by ``key_columns``; returns what changed.

    The CSV must have the first key column; a key column it lacks (a CSV from before the
    column was part of the key) counts as blank, i.e. the column's default (:func:`row_key`).

    A row whose ``Run ID`` is older than the one in the CSV does not replace it.
    Columns in ``keep_if_blank`` keep the CSV's value when the new row leaves them blank
    (e.g. a script link added by hand).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path.parent / f".{path.name}.lock"), timeout=LOCK_TIMEOUT_S):
        table = read_table(path, key_columns)
        if table is None:
            table = Table(list(columns), encode_row(columns, "\n"), [], [], [])
        changes = merge(path, table, rows, columns, key_columns, keep_if_blank)
        if changes.changed:
            write_atomic(path, render(table, columns))
    return changes


def merge(path: Path, table: Table, rows: list[dict[str, str]], columns: Sequence[str],
          key_columns: Sequence[str], keep_if_blank: Sequence[str]) -> Changes:
    """Apply ``rows`` to ``table`` in place (replaced rows lose their raw text)."""
    index: dict[tuple, int] = {}
    for position, row in enumerate(table.rows):
        key = row_key(row, key_columns)
        if key in index:
            raise DataFileError(str(path), table.lines[position], f"key {' | '.join(key)} is also "
                               f"on line {table.lines[index[key]]}; publish cannot tell which "
                               "row to replace")
        index[key] = position
    changes = Changes()
    for new in rows:
        key = row_key(new, key_columns)
        if key not in index:
            table.rows.append(dict(new))
            table.raw.append("")
            index[key] = len(table.rows) - 1
            changes.added.append(key)
            continue
        old = table.rows[index[key]]
        merged = {**old, **new}
        for name in keep_if_blank:
            if not new.get(name) and old.get(name):
                merged[name] = old[name]
        if all(old.get(name, "") == merged[name] for name in columns):
            changes.unchanged.append(key)
        elif old.get("Run ID") and new.get("Run ID", "") < old["Run ID"]:
            changes.kept_newer.append(key)
        else:
            table.rows[index[key]] = merged
            table.raw[index[key]] = ""
            changes.replaced.append(key)
    return changes


def render(table: Table, columns: Sequence[str]) -> str:
    header = table.header + [name for name in columns if name not in table.header]
    rewrite_all = header != table.header
    parts = [encode_row(header, table.newline) if rewrite_all else table.header_text]
    if not parts[0].endswith(("\n", "\r")):
        parts[0] += table.newline
    for row, raw in zip(table.rows, table.raw, strict=True):
        if raw and not rewrite_all:
            parts.append(raw if raw.endswith(("\n", "\r")) else raw + table.newline)
        else:
            parts.append(encode_row([row.get(name, "") for name in header], table.newline))
    return "".join(parts)
