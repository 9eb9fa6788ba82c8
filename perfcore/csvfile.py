"""Read a data CSV as text, checking every row. No Sphinx import.

Values stay exactly as written (``2.20`` stays ``2.20``, ``None`` stays ``None``);
each row remembers the line it starts on so later errors can point at it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfcore.errors import DataFileError
from perfcore.textfile import read_text


@dataclass(frozen=True)
class CsvText:
    """A CSV read as text: header, rows of strings, and the line each row starts on."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]

    def to_frame(self) -> Any:
        """A pandas DataFrame of the text, indexed by CSV line number (for notebooks)."""
        import pandas as pd  # the site itself does not need pandas for declarative tables

        return pd.DataFrame(list(self.rows), columns=list(self.columns),
                            index=pd.Index(self.lines, name="line"), dtype=object)


def read_csv_text(path: str | Path, shown_as: str | None = None) -> CsvText:
    """Read ``path``; errors name ``shown_as`` (default: the path) and the line."""
    shown = shown_as or str(path)
    return _parse(read_text(path, shown).splitlines(keepends=True), shown)


def _parse(text_lines: list[str], shown: str) -> CsvText:
    reader = csv.reader(text_lines, strict=True)
    header: list[str] | None = None
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    for start, record in _records(reader, shown):
        if not record or record == [""]:
            continue
        if header is None:
            header = _check_header(record, shown, start)
            continue
        if len(record) != len(header):
            raise DataFileError(
                shown, start,
                f"expected {len(header)} fields as in the header, found {len(record)}",
            )
        rows.append(tuple(record))
        lines.append(start)
    if header is None:
        raise DataFileError(shown, 0, "file is empty (expected a header row)")
    return CsvText(path=shown, columns=tuple(header), rows=tuple(rows), lines=tuple(lines))


def _records(reader, shown: str) -> Iterator[tuple[int, list[str]]]:
    """``(line the record starts on, record)``; a CSV syntax error names that line."""
    last_line = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            message = str(err)
            if "unexpected end of data" in message or "EOF" in message:
                message = "a quoted field is not closed (a '\"' is missing)"
            raise DataFileError(shown, last_line + 1, f"unreadable CSV: {message}") from None
        yield last_line + 1, record
        last_line = reader.line_num


def _check_header(record: list[str], shown: str, line: int) -> list[str]:
    header = [name.strip() for name in record]
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            hint = " (a trailing comma?)" if position == len(header) else ""
            raise DataFileError(shown, line, f"header column {position} has no name{hint}")
        if name in seen:
            raise DataFileError(shown, line, f"header names column {name!r} twice")
        seen.add(name)
    return header
