"""One metric of one model on one instance across releases: rows, gaps and an SVG line chart.

Reads the release history of :mod:`perfcore.releases` (``releases/index.csv`` and
``releases/<version>/<platform>/<table>.csv``). A release whose table, row or value is
missing is a *gap*, shown as such, never interpolated. A model or instance that no release
has is an error naming what the history does have. No Sphinx or pandas import (the chart
imports matplotlib when it is drawn).

A model is its id in the model catalog (:mod:`perfcore.models`), so a row renamed between
releases (``Stable Diffusion XL`` to ``Stable Diffusion XL Base``) stays on one line.

Every point sits at the release it belongs to. A release folder holds the CSVs as they stood
just before the next release in the index, so a folder can hold a row measured with a later
SDK than its own (the imported history has no folder for Neuron 2.7 to 2.9, and the April 2023
updates that published 2.9.0 measurements are in folder 2.6.0). Such a row is drawn at the
version its ``Neuron Version`` states, and the folder's own release is a gap saying so.
A change of configuration between two points (batch size, sequence length, data type, ...)
is marked on the line and in the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from perfcore import charts
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import DataFileError, UserError
from perfcore.models import ModelCatalog
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.releases import Release, ReleaseError, read_index, version_key

_TABLE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*/[A-Za-z0-9_-][A-Za-z0-9_.-]*\.csv$")
VERSION_COLUMN = "Neuron Version"
# A value of one of these that differs from the previous point's is a configuration change.
CONFIG_COLUMNS = ("Batch Size", "Sequence Length", "Image Size", "Model Data Type", "TP Degree",
                  "Input Length", "Output Length", "Run Mode", "N Models", "Model Copies",
                  "Workers per Model")
CONTEXT_COLUMNS = (VERSION_COLUMN, *CONFIG_COLUMNS)


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
    folder: str = ""  # the release folder the row is in, when it is not the point's release
    # (column, before, after) for each configuration column that changed since the last point
    changes: tuple[tuple[str, str, str], ...] = ()


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
                 where: dict[str, str] | None = None,
                 models: ModelCatalog | None = None) -> History:
    """The metric's value at every release of the index, oldest first (see the module)."""
    if not _TABLE.match(table):
        raise HistoryError(f"table: expected <platform>/<file>.csv, got {table!r}")
    releases = read_index(Path(releases_dir))
    if not releases:
        raise HistoryError(f"{Path(releases_dir) / 'index.csv'}: no releases to draw")
    models = models or ModelCatalog.none()
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
        rows = _model_rows(text, model, seen_models, models)
        seen_instances.update(_cell(text, row, "Inst. Type") for row in rows)
        points.append(_point(release, text, rows, instance, metric, where))
    _check_named(table, model, instance, metric, points, seen_models, seen_instances)
    points = _mark_changes(_at_their_releases(points))
    return History(table, models.display_name(model), instance, metric, where, points, files)


def _stated_version(point: Point) -> str | None:
    """The SDK version a point's row states, when it is a version (``2.9.0``)."""
    text = point.context.get(VERSION_COLUMN, "").strip()
    try:
        version_key(text)
    except ReleaseError:
        return None
    return text


def _at_their_releases(points: list[Point]) -> list[Point]:
    """A row measured with a later SDK than its folder's release moves to that version; the
    folder's release becomes a gap naming where the row went (see the module)."""
    placed: list[Point] = []
    taken = {point.release.version for point in points}
    for point in points:
        stated = _stated_version(point) if point.value is not None else None
        if stated is None or version_key(stated) <= version_key(point.release.version):
            placed.append(point)
            continue
        placed.append(Point(point.release, None, f"its row was measured with Neuron {stated} "
                                                 f"(drawn at {stated})", {}, ""))
        if any(version_key(stated) == version_key(version) for version in taken):
            continue  # that release has a row of its own
        taken.add(stated)
        moved = Release(stated, "", f"published in release folder {point.release.version}")
        placed.append(Point(moved, point.value, point.text, point.context, point.origin,
                            folder=point.release.version))
    return sorted(placed, key=lambda point: version_key(point.release.version))


def _mark_changes(points: list[Point]) -> list[Point]:
    """Each point whose configuration differs from the previous point's says how."""
    marked: list[Point] = []
    previous: dict[str, str] | None = None
    for point in points:
        if point.value is None:
            marked.append(point)
            continue
        changes = () if previous is None else tuple(
            (column, previous.get(column) or "n/a", point.context.get(column) or "n/a")
            for column in CONFIG_COLUMNS
            if (column in point.context or column in previous)
            and previous.get(column, "") != point.context.get(column, ""))
        marked.append(Point(point.release, point.value, point.text, point.context, point.origin,
                            point.folder, changes))
        previous = point.context
    return marked


def _require(text: CsvText, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in text.columns]
    if missing:
        raise DataFileError(text.path, 1, f"no {', '.join(missing)} column")


def _cell(text: CsvText, row: int, column: str) -> str:
    return text.rows[row][text.columns.index(column)].strip()


def _model_rows(text: CsvText, model: str, seen: set[str], models: ModelCatalog) -> list[int]:
    """The rows of ``model``: its id, whatever name the release wrote."""
    wanted = models.id_of(model)
    rows = []
    for index in range(len(text.rows)):
        name = _cell(text, index, "Model")
        seen.add(name)
        row = dict(zip(text.columns, text.rows[index], strict=True))
        if models.id_of(name, row).casefold() == wanted.casefold():
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
    if not instances:
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
    """Header and rows of the history table: values as written, gaps say why, configuration
    changes named; the SDK version and batch size always, other configuration columns when
    they change."""
    shown = [VERSION_COLUMN, "Batch Size"]
    shown += [c for c in CONFIG_COLUMNS if c not in shown
              and len({p.context.get(c, "") for p in history.points if p.value is not None}) > 1]
    context = [c for c in shown if any(c in p.context for p in history.points)]
    header = ["Release", "Date", history.metric, *context, "Configuration change", "Row"]
    rows = [[p.release.version, p.release.date or f"(in release {p.folder}'s files)",
             p.text if p.value is not None else f"gap: {p.text}",
             *(p.context.get(c, "") for c in context), change_text(p.changes), p.origin]
            for p in history.points]
    return header, rows


def description(history: History) -> str:
    values = "; ".join(f"{p.release.version}: {p.text if p.value is not None else 'no value'}"
                       + (f" ({change_text(p.changes)})" if p.changes else "")
                       for p in history.points)
    return f"{history.metric} of {history.model} on {history.instance} by release. {values}."


def history_chart_svg(history: History, title: str | None = None) -> str:
    """A line chart over the releases in version order; a gap breaks the line, and a change of
    configuration is a dashed line at its release, labelled with what changed."""
    versions = [p.release.version for p in history.points]
    values = [math.nan if p.value is None else p.value for p in history.points]
    heading = title or f"{history.model} on {history.instance}: {history.metric}"

    def draw(figure) -> None:
        axes = figure.add_subplot(1, 1, 1)
        positions = list(range(len(versions)))
        axes.plot(positions, values, marker="o", color=charts.COLORS[0], linewidth=1.5)
        top = max((v for v in values if not math.isnan(v)), default=1.0)
        for position, point in zip(positions, history.points, strict=True):
            if point.value is None:
                axes.axvspan(position - 0.4, position + 0.4, color="#999999", alpha=0.15,
                             linewidth=0)
            if point.changes:
                axes.axvline(position - 0.5, color="#b35900", linestyle="--", linewidth=1)
                axes.annotate(_short_change(point.changes), (position - 0.45, top * 1.02),
                              fontsize=7, color="#b35900", rotation=90, va="bottom")
        axes.set_xticks(positions, versions, rotation=60, ha="right")
        axes.set_xlim(-0.6, len(versions) - 0.4)
        axes.set_ylim(bottom=0, top=top * 1.45 if any(p.changes for p in history.points)
                      else None)
        axes.set_xlabel("Release (shaded: no published value; dashed: configuration change)")
        axes.set_ylabel(history.metric)
        axes.set_title(heading)

    width = max(6.0, 0.35 * len(versions) + 2.0)
    return charts._render(draw, width, 4.2, heading, description(history))


def change_text(changes: tuple[tuple[str, str, str], ...]) -> str:
    """``Batch Size 8 -> 16; Sequence Length 128 -> 512``."""
    return "; ".join(f"{column} {before} -> {after}" for column, before, after in changes)


def _short_change(changes: tuple[tuple[str, str, str], ...]) -> str:
    """``batch size 8\u219216``: the label on the chart."""
    return "; ".join(f"{column.lower()} {before}\u2192{after}"
                     for column, before, after in changes)
