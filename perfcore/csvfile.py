"""Read a data CSV as text, checking every row, and write CSV text. No Sphinx import.

Values stay exactly as written (``2.20`` stays ``2.20``, ``None`` stays ``None``), but a
number with a possible decimal comma (``812,5``) is an error at its line, never a guess;
each row remembers the line it starts on so later errors can point at it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfcore.errors import DataFileError
from perfcore.numbers import ambiguous_comma
from perfcore.textfile import read_text


@dataclass(frozen=True)
class CsvText:
    """A CSV read as text: header, rows of strings, and the line each row starts on."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    end_lines: tuple[int, ...] = ()  # last physical line of each row (quoted newlines span)
    header_line: int = 1

    def to_frame(self) -> Any:
        """A pandas DataFrame of the text, indexed by CSV line number (for notebooks)."""
        import pandas as pd  # the site itself does not need pandas for declarative tables

        return pd.DataFrame(list(self.rows), columns=list(self.columns),
                            index=pd.Index(self.lines, name="line"), dtype=object)


def read_csv_text(path: str | Path, shown_as: str | None = None, *,
                  bad_rows: list[DataFileError] | None = None) -> CsvText:
    """Read ``path``; errors name ``shown_as`` (default: the path) and the line.

    With ``bad_rows`` (an importer of other people's files), a row with the wrong number of
    fields is left out and its located error appended there instead of raised.
    """
    shown = shown_as or str(path)
    return _parse(read_text(path, shown).splitlines(keepends=True), shown, bad_rows)


def parse_csv_text(text: str, shown: str) -> CsvText:
    """The same checks as :func:`read_csv_text` for CSV text already in memory (``git show``)."""
    return _parse(text.removeprefix("\ufeff").splitlines(keepends=True), shown)


def _parse(text_lines: list[str], shown: str,
           bad_rows: list[DataFileError] | None = None) -> CsvText:
    reader = csv.reader(text_lines, strict=True)
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    end_lines: list[int] = []
    for start, last_line, record in _records(reader, shown):
        if not record or record == [""]:
            continue
        if header is None:
            header, header_line = _check_header(record, shown, start), last_line
            continue
        error = _row_error(record, header, shown, start)
        if error is not None:
            if bad_rows is None:
                raise error
            bad_rows.append(error)
            continue
        rows.append(tuple(record))
        lines.append(start)
        end_lines.append(last_line)
    if header is None:
        raise DataFileError(shown, 0, "file is empty (expected a header row)")
    return CsvText(path=shown, columns=tuple(header), rows=tuple(rows), lines=tuple(lines),
                   end_lines=tuple(end_lines), header_line=header_line)


def _row_error(record: list[str], header: list[str], shown: str,
               line: int) -> DataFileError | None:
    """A row with the wrong number of fields, or a number with a possible decimal comma."""
    if len(record) != len(header):
        return DataFileError(
            shown, line, f"expected {len(header)} fields as in the header, found {len(record)}")
    for column, cell in zip(header, record, strict=True):
        why = ambiguous_comma(cell) if "," in cell else None
        if why:
            return DataFileError(shown, line, f"column {column!r}: {why}")
    return None


def _records(reader, shown: str) -> Iterator[tuple[int, int, list[str]]]:
    """``(first line, last line, record)``; a CSV syntax error names the line it starts on."""
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
        yield last_line + 1, reader.line_num, record
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


def format_csv_text(rows: Iterable[Sequence[Any]], newline: str = "\n") -> str:
    """CSV text of ``rows`` (the header is a row), quoted as :func:`parse_csv_text` reads it
    back: the one CSV writer (publish's upserts, release indexes and imports)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue()
