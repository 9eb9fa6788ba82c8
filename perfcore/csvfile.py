"""Read a data CSV as text, checking every row, and write CSV text. No Sphinx import.

Values stay exactly as written (``2.20`` stays ``2.20``, ``None`` stays ``None``), but a
number with a possible decimal comma (``812,5``) is an error at its line, never a guess;
each row remembers the line it starts on so later errors can point at it.

Malformed rows (another number of fields than the header, a quoted field never closed, a
possible decimal comma) are errors for the site's own data. For other people's files
(``collect migrate``, ``collect release import``) there is one policy, :data:`MALFORMED`:
``leave-out`` reports each with its file and line and reads every other row; ``keep``
keeps what pandas keeps (a short row with its last cells blank, so its later cells may sit
in the wrong column; a decimal comma as text). pandas refuses a row with too many fields and
an unclosed quote, so those are left out under either policy.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfcore.errors import DataFileError
from perfcore.numbers import ambiguous_comma
from perfcore.textfile import read_text

RAISE, LEAVE_OUT, KEEP = "error", "leave-out", "keep"
MALFORMED = (RAISE, LEAVE_OUT, KEEP)  # what to do with a malformed row


@dataclass(frozen=True)
class MalformedRow:
    """A row that is not well-formed, where it is, and what the reader did with it."""

    path: str
    line: int
    problem: str
    kept: bool
    keepable: bool  # pandas reads it (a short row, a decimal comma)
    blank_cells: int = 0  # cells a kept short row gets at its end

    def __str__(self) -> str:
        if self.kept:
            treatment = "kept as pandas read it" + (
                f" (its last {self.blank_cells} cell(s) blank, so its later cells may sit in "
                "the wrong column)" if self.blank_cells else " (as text)")
        elif self.keepable:
            treatment = "left out (--keep-malformed keeps it as pandas read it)"
        else:
            treatment = "left out (pandas refuses it too)"
        return f"{self.path}:{self.line}: {self.problem}; {treatment}"


@dataclass(frozen=True)
class CsvText:
    """A CSV read as text: header, rows of strings, and the line each row starts on."""

    path: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]
    end_lines: tuple[int, ...] = ()  # last physical line of each row (quoted newlines span)
    header_line: int = 1
    malformed: tuple[MalformedRow, ...] = ()  # rows left out or kept (policy leave-out/keep)


def read_csv_text(path: str | Path, shown_as: str | None = None, *,
                  malformed: str = RAISE) -> CsvText:
    """Read ``path``; errors name ``shown_as`` (default: the path) and the line.

    ``malformed`` is one of :data:`MALFORMED`: ``error`` raises at the first malformed row
    (the site's data), ``leave-out`` and ``keep`` record each in ``CsvText.malformed``
    (other people's files; see the module docstring).
    """
    shown = shown_as or str(path)
    return _parse(read_text(path, shown).splitlines(keepends=True), shown, malformed)


def parse_csv_text(text: str, shown: str, *, malformed: str = RAISE) -> CsvText:
    """The same checks as :func:`read_csv_text` for CSV text already in memory (``git show``)."""
    return _parse(text.removeprefix("\ufeff").splitlines(keepends=True), shown, malformed)


def _parse(text_lines: list[str], shown: str, policy: str = RAISE) -> CsvText:
    if policy not in MALFORMED:
        raise ValueError(f"malformed-row policy {policy!r} is not one of {', '.join(MALFORMED)}")
    header: list[str] | None = None
    header_line = 1
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    end_lines: list[int] = []
    bad: list[MalformedRow] = []
    for start, last_line, record in _records(text_lines, shown, policy, bad):
        if not record or record == [""]:
            continue
        if header is None:
            header, header_line = _check_header(record, shown, start), last_line
            continue
        problem = _row_problem(record, header, shown, start, policy)
        if problem is not None:
            bad.append(problem)
            if not problem.kept:
                continue
            record = record + [""] * problem.blank_cells
        rows.append(tuple(record))
        lines.append(start)
        end_lines.append(last_line)
    if header is None:
        raise DataFileError(shown, 0, "file is empty (expected a header row)")
    return CsvText(path=shown, columns=tuple(header), rows=tuple(rows), lines=tuple(lines),
                   end_lines=tuple(end_lines), header_line=header_line,
                   malformed=tuple(sorted(bad, key=lambda row: row.line)))


def _row_problem(record: list[str], header: list[str], shown: str, line: int,
                 policy: str) -> MalformedRow | None:
    """A row with the wrong number of fields, or a number with a possible decimal comma;
    raises under the ``error`` policy."""
    problem, keepable, blanks = None, False, 0
    if len(record) != len(header):
        problem = f"expected {len(header)} fields as in the header, found {len(record)}"
        keepable = len(record) < len(header)
        blanks = len(header) - len(record) if keepable else 0
    else:
        for column, cell in zip(header, record, strict=True):
            why = ambiguous_comma(cell) if "," in cell else None
            if why:
                problem, keepable = f"column {column!r}: {why}", True
                break
    if problem is None:
        return None
    if policy == RAISE:
        raise DataFileError(shown, line, problem)
    kept = keepable and policy == KEEP
    return MalformedRow(shown, line, problem, kept, keepable, blanks if kept else 0)


def _records(text_lines: list[str], shown: str, policy: str,
             bad: list[MalformedRow]) -> Iterator[tuple[int, int, list[str]]]:
    """``(first line, last line, record)``; a CSV syntax error names the line it starts on.

    Under ``leave-out``/``keep`` the row that starts there is recorded as malformed and
    reading resumes on the next line (a quote never closed would swallow the rest).
    """
    offset = 0
    while offset < len(text_lines):
        reader = csv.reader(text_lines[offset:], strict=True)
        last_line = offset
        try:
            for record in reader:
                yield last_line + 1, offset + reader.line_num, record
                last_line = offset + reader.line_num
            return
        except csv.Error as err:
            message = str(err)
            if "unexpected end of data" in message or "EOF" in message:
                message = "a quoted field is not closed (a '\"' is missing)"
            if policy == RAISE:
                raise DataFileError(shown, last_line + 1,
                                    f"unreadable CSV: {message}") from None
            bad.append(MalformedRow(shown, last_line + 1, f"unreadable CSV: {message}",
                                    kept=False, keepable=False))
            offset = last_line + 1


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


def format_csv_text(rows: Iterable[Sequence[object]], newline: str = "\n") -> str:
    """CSV text of ``rows`` (the header is a row), quoted as :func:`parse_csv_text` reads it
    back: the one CSV writer (publish's upserts, release indexes and imports)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue()
