"""The self-check: each original body under pandas (a child process with a time limit)
against the declarative table built from the same CSVs.

Verdicts, per table: ``same rows`` (the same headers, and every cell the same, in the same
order); ``same rows, natural order`` (plain pandas ordered some column by its text, e.g. a
cost formatted as ``$10.5`` before ``$9.2``; sorted by value the rows are the same); otherwise
the first difference (headers, then cells, then the number of rows); or the body failed under
pandas too. Two cells are the same when the text is, or when both are the same number
(``100.0`` and ``100.00``); headers must be the same text.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfcore.numbers import parse_number
from perfcore.tabledata import BuiltTable

ROOT = Path(__file__).resolve().parents[2]
SAME = "same rows"
SAME_NATURAL = "same rows, natural order"


def passed(verdict: str | None) -> bool:
    """Shown as the page showed it: the same rows, or pandas' rows in natural order (also
    where a page sorting text as plain pandas does kept other rows with ``head(n)``)."""
    return verdict is not None and (verdict == SAME or verdict.startswith(SAME_NATURAL))


@dataclass(frozen=True)
class CheckJob:
    body: str
    page: Path
    first_line: int  # page line just before the body's first line


def pandas_available() -> bool:
    return importlib.util.find_spec("pandas") is not None


def run_pandas(jobs: list[CheckJob], time_limit_s: float) -> list[dict[str, Any]]:
    """Results of the child process, or one error per job when it fails or runs too long."""
    payload = json.dumps([{"body": job.body, "page": str(job.page),
                           "first_line": job.first_line} for job in jobs])
    try:
        done = subprocess.run([sys.executable, "-m", "collect.migrate.check_child"],
                              input=payload, capture_output=True, text=True, cwd=ROOT,
                              timeout=time_limit_s, check=False)
    except subprocess.TimeoutExpired:
        return [_failed(f"pandas did not finish within {time_limit_s:g} s")] * len(jobs)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [_failed(f"the pandas child process failed: {last}")] * len(jobs)
    return json.loads(done.stdout)


def _failed(message: str) -> dict[str, Any]:
    return {"unchecked": message}


def verdict(result: dict[str, Any], table: BuiltTable) -> str:
    """One line: same rows / same rows, natural order / the first differing cell."""
    if "unchecked" in result:
        return f"not checked: {result['unchecked']}"
    plain, natural = result["plain"], result["natural"]
    if "error" in plain:
        return f"fails under pandas too: {plain['error']}"
    ours = [[cell.text for cell in row] for row in table.rows]
    columns = list(plain["columns"])
    if columns != list(table.columns):
        return f"different columns: {column_difference(columns, list(table.columns))}"
    if _same(plain["rows"], ours):
        return SAME
    if "error" not in natural and _same(natural["rows"], ours):
        if _same(sorted(plain["rows"]), sorted(natural["rows"])):
            return SAME_NATURAL
        return (f"{SAME_NATURAL}; sorted by text, as plain pandas does, the page showed other "
                f"rows ({first_difference(plain['rows'], ours, columns)})")
    reference = natural if "error" not in natural else plain
    return first_difference(reference["rows"], ours, columns)


def column_difference(theirs: list[str], ours: list[str]) -> str:
    """The first header that differs, and what is missing or extra."""
    missing = [name for name in theirs if name not in ours]
    extra = [name for name in ours if name not in theirs]
    parts = []
    if missing:
        parts.append(f"pandas also shows {', '.join(map(repr, missing))}")
    if extra:
        parts.append(f"the migrated table also shows {', '.join(map(repr, extra))}")
    if not parts:
        position = next(i for i, (a, b) in enumerate(zip(theirs, ours, strict=True)) if a != b)
        parts.append(f"column {position + 1} is {theirs[position]!r} in pandas, "
                     f"{ours[position]!r} migrated")
    return "; ".join(parts)


def _same(theirs: list[list[str]], ours: list[list[str]]) -> bool:
    return len(theirs) == len(ours) and all(
        _cells_equal(a, b) for row_a, row_b in zip(theirs, ours, strict=True)
        for a, b in zip(row_a, row_b, strict=True))


def _cells_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    left, right = parse_number(a), parse_number(b)
    return left is not None and left == right


def first_difference(theirs: list[list[str]], ours: list[list[str]], columns: list[str]) -> str:
    for position, (row_a, row_b) in enumerate(zip(theirs, ours, strict=False), start=1):
        for column, a, b in zip(columns, row_a, row_b, strict=True):
            if not _cells_equal(a, b):
                return f"row {position}, {column}: pandas {a!r}, migrated {b!r}"
    return f"pandas has {len(theirs)} rows, the migrated table {len(ours)}"
