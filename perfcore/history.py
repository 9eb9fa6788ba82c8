"""One metric of one model on one instance across releases: rows, gaps and an SVG line chart.

Reads the release history of :mod:`perfcore.releases` (``releases/index.csv`` and
``releases/<version>/<platform>/<table>.csv``). A release whose table, row or value is
missing is a *gap*, shown as such, never interpolated. A model or instance that no release
has is an error naming what the history does have. No Sphinx or pandas import (the chart
imports matplotlib when it is drawn).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from perfcore import charts
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import DataFileError, UserError
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.releases import Release, read_index

_TABLE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.csv$")
CONTEXT_COLUMNS = ("Neuron Version", "Batch Size")


class HistoryError(UserError):
    """A history that names nothing or cannot be drawn; the message says what exists."""


@dataclass(frozen=True)
class Point:
    """One release: the value (None for a gap), its text as written or why it is missing."""

    release: Release
    value: float | None
    text: str
    context: dict[str, str]
    origin: str  # "<version>/<platform>/<table>.csv:<line>", or "" for a gap


@dataclass(frozen=True)
class History:
    table: str
    model: str
    instance: str
    metric: str
    where: dict[str, str]
    points: list[Point]
    files: list[Path]  # the files read (for build dependencies)


def parse_where(text: str) -> dict[str, str]:
    """``Column=value; Column=value`` into a mapping; an item without ``=`` is an error."""
    where: dict[str, str] = {}
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise HistoryError(f"expected Column=value items separated by ';', got {item!r}")
        where[column.strip()] = value.strip()
    return where


def load_history(releases_dir: Path, table: str, model: str, instance: str, metric: str,
                 where: dict[str, str] | None = None) -> History:
    """The metric's value in every release of the index, oldest first."""
    if not _TABLE.match(table):
        raise HistoryError(f"table: expected <platform>/<file>.csv, got {table!r}")
    releases = read_index(Path(releases_dir))
    if not releases:
        raise HistoryError(f"{Path(releases_dir) / 'index.csv'}: no releases to draw")
    where = dict(where or {})
    points: list[Point] = []
    files: list[Path] = [Path(releases_dir) / "index.csv"]
    seen_models: set[str] = set()
    seen_instances: set[str] = set()
    for release in releases:
        path = Path(releases_dir) / release.version / table
        if not path.is_file():
            points.append(Point(release, None, "table not published", {}, ""))
            continue
        files.append(path)
        text = read_csv_text(path, f"{release.version}/{table}")
        _require(text, ("Model", "Inst. Type"))
        rows = _model_rows(text, model, seen_models)
        seen_instances.update(_cell(text, row, "Inst. Type") for row in rows)
        points.append(_point(release, text, rows, instance, metric, where))
    _check_named(table, model, instance, metric, points, seen_models, seen_instances)
    return History(table, model, instance, metric, where, points, files)


def _require(text: CsvText, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in text.columns]
    if missing:
        raise DataFileError(text.path, 1, f"no {', '.join(missing)} column")


def _cell(text: CsvText, row: int, column: str) -> str:
    return text.rows[row][text.columns.index(column)].strip()


def _model_rows(text: CsvText, model: str, seen: set[str]) -> list[int]:
    rows = []
    for index in range(len(text.rows)):
        name = _cell(text, index, "Model")
        seen.add(name)
        if name.casefold() == model.strip().casefold():
            rows.append(index)
    return rows


def _point(release: Release, text: CsvText, rows: list[int], instance: str, metric: str,
           where: dict[str, str]) -> Point:
    if metric not in text.columns:
        return Point(release, None, f"no {metric} column", {}, "")
    absent = [c for c in where if c not in text.columns]
    if absent:
        return Point(release, None, f"no {', '.join(absent)} column", {}, "")
    matching = [r for r in rows
                if _cell(text, r, "Inst. Type").casefold() == instance.strip().casefold()
                and all(_cell(text, r, c) == v for c, v in where.items())]
    if not matching:
        return Point(release, None, "no row", {}, "")
    if len(matching) > 1:
        raise _ambiguous(text, matching)
    row = matching[0]
    written = _cell(text, row, metric)
    value = parse_number(written)
    if value is None or not math.isfinite(value):
        return Point(release, None, f"{written!r} is not a number" if written else "empty",
                     {}, "")
    context = {c: _cell(text, row, c) for c in CONTEXT_COLUMNS if c in text.columns}
    return Point(release, value, written, context, f"{text.path}:{text.lines[row]}")


def _ambiguous(text: CsvText, rows: list[int]) -> DataFileError:
    differing = [c for c in text.columns
                 if len({_cell(text, r, c) for r in rows}) > 1]
    lines = ", ".join(str(text.lines[r]) for r in rows)
    return DataFileError(text.path, text.lines[rows[1]],
                         f"{len(rows)} rows match (lines {lines}); narrow them with :where: on "
                         f"one of {', '.join(differing) or '(no column differs)'}")


def _check_named(table: str, model: str, instance: str, metric: str, points: list[Point],
                 models: set[str], instances: set[str]) -> None:
    if not any(name.casefold() == model.strip().casefold() for name in models):
        raise HistoryError(f"no release of {table} has a row with Model {model!r} "
                           f"(models: {_listing(models)})")
    if not instances or not any(i.casefold() == instance.strip().casefold() for i in instances):
        raise HistoryError(f"no release of {table} has {model!r} on {instance!r} "
                           f"(its instances: {_listing(instances)})")
    if all(p.value is None for p in points):
        reasons = _listing({p.text for p in points})
        raise HistoryError(f"no release of {table} has a {metric!r} value for {model!r} on "
                           f"{instance!r} ({reasons})")


def _listing(names: set[str], most: int = 12) -> str:
    ordered = sorted((n for n in names if n), key=lambda n: (sort_key(n), n))
    shown = ", ".join(ordered[:most])
    return shown + (f", ... ({len(ordered)} in all)" if len(ordered) > most else "") \
        if ordered else "none"


# --------------------------------------------------------------------------- output


def history_rows(history: History) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the history table: values as written, gaps say why."""
    context = [c for c in CONTEXT_COLUMNS if any(c in p.context for p in history.points)]
    header = ["Release", "Date", history.metric, *context, "Row"]
    rows = [[p.release.version, p.release.date,
             p.text if p.value is not None else f"gap: {p.text}",
             *(p.context.get(c, "") for c in context), p.origin]
            for p in history.points]
    return header, rows


def description(history: History) -> str:
    values = "; ".join(f"{p.release.version}: {p.text if p.value is not None else 'no value'}"
                       for p in history.points)
    return f"{history.metric} of {history.model} on {history.instance} by release. {values}."


def history_chart_svg(history: History, title: str | None = None) -> str:
    """A line chart over the releases in version order; a gap breaks the line."""
    versions = [p.release.version for p in history.points]
    values = [math.nan if p.value is None else p.value for p in history.points]
    heading = title or f"{history.model} on {history.instance}: {history.metric}"

    def draw(figure) -> None:
        axes = figure.add_subplot(1, 1, 1)
        positions = list(range(len(versions)))
        axes.plot(positions, values, marker="o", color=charts.COLORS[0], linewidth=1.5)
        for position, value in zip(positions, values, strict=True):
            if math.isnan(value):
                axes.axvspan(position - 0.4, position + 0.4, color="#999999", alpha=0.15,
                             linewidth=0)
        axes.set_xticks(positions, versions, rotation=60, ha="right")
        axes.set_xlim(-0.6, len(versions) - 0.4)
        axes.set_ylim(bottom=0)
        axes.set_xlabel("Release (shaded: no published value)")
        axes.set_ylabel(history.metric)
        axes.set_title(heading)

    width = max(6.0, 0.35 * len(versions) + 2.0)
    return charts._render(draw, width, 4.2, heading, description(history))
