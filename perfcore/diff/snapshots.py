"""One side of a comparison, read into rows of one shape whichever its source:

- a results JSONL file (schema v1, written by ``collect run``), or several (``a.jsonl,b.jsonl``);
- a directory of published CSVs (``data/`` or ``data/<platform>/``, read recursively);
- ``git:<rev>`` or ``git:<rev>:<path>``: the published CSVs under ``data/`` (or ``<path>``)
  at a git revision (:mod:`perfcore.diff.revision`).

Key fields, their columns and the record fields stating them come from the schema
(:data:`perfcore.columns.COMPARISON_KEYS`, ``SCHEMA``, :func:`perfcore.columns.record_value`);
both readers normalise a key alike (:func:`perfcore.diff.keys.normalise_key`): a published
CSV's ``FP32`` is a record's ``fp32``, a token table's rows are ``generate`` rows and an
inference table's ``offline`` ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfcore.columns import (
    BY_NAME,
    COMPARISON_KEYS,
    SCHEMA,
    UNPUBLISHED_METRIC_FIELDS,
    key_columns,
    published_name,
    record_value,
)
from perfcore.csvfile import parse_csv_text
from perfcore.diff.keys import ALL_KEY_FIELDS, OPTIONAL_KEY_FIELDS, normalise_key
from perfcore.diff.revision import GitError, files_at
from perfcore.errors import DataFileError, UserError
from perfcore.models import ModelCatalog
from perfcore.numbers import parse_number
from perfcore.records import read_records
from perfcore.releases import PRICE_TABLE, RELEASES_DIR
from perfcore.textfile import decode_utf8, read_text

MEASURED = tuple(dict.fromkeys(column.metric for column in SCHEMA if column.metric))
# Today's names of the columns holding each metric, in schema order (the first set one wins);
# a CSV's legacy column names are read as today's (perfcore.columns.published_name).
METRIC_COLUMNS = {metric: tuple(column.name for column in SCHEMA if column.metric == metric)
                  for metric in MEASURED}
THROUGHPUT_UNITS = {column.name: column.unit for column in SCHEMA if column.metric == "throughput"}
KEY_COLUMNS = key_columns()
UNPUBLISHED_KEY_FIELDS = {key.name: key.record_field for key in COMPARISON_KEYS
                          if key.name not in KEY_COLUMNS}
# The records' mode a published table holds, by its throughput unit: token tables hold
# generation, the others offline inference.
TABLE_MODE = {"tokens/s": "generate"}
# Every row has these fields (None where it has none).
ROW_FIELDS = (*ALL_KEY_FIELDS, *MEASURED, "throughput_unit", "windows", "run", "status",
              "origin")


class DiffError(UserError):
    """Bad input for a comparison; the message names the file (and line) and what was expected."""


@dataclass(frozen=True)
class Snapshot:
    """One side of a comparison: normalised rows plus where they came from."""

    spec: str
    kind: str  # "results", "csv" or "git"
    rows: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()
    dependencies: tuple[Path, ...] = ()


def _rows_frame(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Every row with every field of :data:`ROW_FIELDS` (None where it has none)."""
    return tuple({name: row.get(name) for name in ROW_FIELDS} for row in rows)


# --------------------------------------------------------------------------- results files


def read_results_jsonl(path: Path | str, models: ModelCatalog | None = None) -> Snapshot:
    """Normalised rows of one results file, or of several (``a.jsonl,b.jsonl``): a
    configuration's records of one run (resume) count once, the later one; records of other
    runs are repeated runs (see :func:`perfcore.diff.compare.compare`)."""
    paths = [Path(part) for part in str(path).split(",") if part]
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for one in paths:
        if not one.is_file():
            raise DiffError(f"{one}: no such results file")
        read = read_records(one)
        if read.torn_line:
            notes.append(f"{one}:{read.torn_line}: ignored a torn last line (unfinished write)")
        rows += [_normalise_record(record, one, number, models or ModelCatalog.none())
                 for record, number in zip(read.records, read.line_numbers, strict=True)]
    return Snapshot(str(path), "results", _rows_frame(rows), tuple(notes), tuple(paths))


def _record_key(name: str, record: dict[str, Any]) -> Any:
    """What ``record`` states for key ``name``: through its column's record fields, or the
    record field a key no column publishes is declared with."""
    if name == "instance_type":  # the machine is in the record's env (results schema v1)
        env = record.get("env") if isinstance(record.get("env"), dict) else {}
        return env.get("instance_type") or record.get("instance_type")
    if name == "mode":
        return record.get("mode") or "offline"
    if name in KEY_COLUMNS:
        # a field that is a key of its own (n_models) is compared under that key only, also
        # where another key's column publishes it (DP Degree: a token table's copies)
        fields = [field for field in BY_NAME[KEY_COLUMNS[name]].record_fields
                  if field == name or field not in ALL_KEY_FIELDS]
        return record_value(KEY_COLUMNS[name], {field: record.get(field) for field in fields})
    field = UNPUBLISHED_KEY_FIELDS[name]
    return record.get(field) if field else None


def _record_metric(metric: str, record: dict[str, Any]) -> Any:
    """The value of the first column holding ``metric`` that ``record`` states, else that of
    the metric's unpublished fields (an open-loop record's achieved rate, request latency)."""
    for column in METRIC_COLUMNS[metric]:
        value = record_value(column, record)
        if value is not None:
            return value
    return _first(record, UNPUBLISHED_METRIC_FIELDS.get(metric, ()))


def _first(record: dict[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        if record.get(name) is not None:
            return record[name]
    return None


def _normalise_record(record: dict[str, Any], path: Path, number: int,
                      models: ModelCatalog) -> dict[str, Any]:
    if not record.get("model"):
        raise DiffError(f"{path}:{number}: record has no 'model'")
    row: dict[str, Any] = {name: normalise_key(name, _record_key(name, record))
                           for name in ALL_KEY_FIELDS}
    row["model"] = normalise_key("model", models.id_of(str(record["model"])))
    try:
        for metric in MEASURED:
            row[metric] = parse_number(_record_metric(metric, record))
        windows = record.get("throughput_windows")
        row["windows"] = tuple(v for v in (parse_number(w) for w in windows) if v is not None) \
            if isinstance(windows, list) else None
    except ValueError as exc:  # a number written with a decimal comma
        raise DataFileError(str(path), number, str(exc)) from None
    row["run"] = str(record.get("run_id") or f"{path}:{number}")
    row["throughput_unit"] = "tokens/s" if record.get("mode") == "generate" else "inferences/s"
    row["status"] = str(record.get("status") or "ok")
    row["origin"] = f"{path}:{number}"
    return row


# --------------------------------------------------------------------------- published CSVs


def _read_csv_text(text: str, origin: str, models: ModelCatalog | None = None
                   ) -> tuple[list[dict[str, Any]], str | None]:
    """Rows of one published CSV, or a note saying why the file is not a results table."""
    if not text.strip():
        return [], f"{origin}: skipped (empty file)"
    table = parse_csv_text(text, origin)
    columns = [published_name(column) for column in table.columns]
    throughput_column = next((c for c in THROUGHPUT_UNITS if c in columns), None)
    model, instance = KEY_COLUMNS["model"], KEY_COLUMNS["instance_type"]
    if model not in columns or instance not in columns or throughput_column is None:
        return [], f"{origin}: skipped (no {model}, {instance} and throughput columns)"
    rows = [_normalise_csv_row(dict(zip(columns, cells, strict=True)), throughput_column,
                               f"{origin}:{line}", models or ModelCatalog.none())
            for cells, line in zip(table.rows, table.lines, strict=True)]
    for row in rows:
        row["table"] = table_name(origin)
    return rows, None


def _normalise_csv_row(cells: dict[str, str], throughput_column: str, origin: str,
                       models: ModelCatalog) -> dict:
    row: dict[str, Any] = {
        name: normalise_key(name, cells.get(column)) for name, column in KEY_COLUMNS.items()
    }
    model = KEY_COLUMNS["model"]
    row["model"] = normalise_key("model", models.id_of(cells.get(model, ""), cells))
    # keys no column publishes (open-loop settings) are not stated in a CSV
    row.update({name: "" for name in OPTIONAL_KEY_FIELDS if name not in KEY_COLUMNS})
    unit = THROUGHPUT_UNITS[throughput_column]
    row["mode"] = TABLE_MODE.get(unit, "offline")
    row["throughput"] = parse_number(cells.get(throughput_column))
    for metric in MEASURED:
        if metric != "throughput":
            row[metric] = parse_number(_first(cells, METRIC_COLUMNS[metric]))
    row["throughput_unit"] = unit
    row["windows"] = None
    row["run"] = None
    row["status"] = "ok"
    row["origin"] = origin
    return row


def table_name(path: str) -> str:
    """The ``table`` key of a published CSV's rows: its file name without ``.csv``
    (``throughput_data_encoder``; a git origin ``<rev>:data/inf2/x.csv`` too).

    The one place a snapshot reads published CSV names: which files are results tables is
    :func:`is_results_csv`.
    """
    return Path(path).stem


def is_results_csv(path: str, relative: str) -> bool:
    """A CSV of a snapshot that may hold published results (``relative``: its path inside the
    snapshot's folder): not the release history under ``releases/`` (name a release's folder
    to read it), nor an imported release's ``prices.csv``. Other CSVs without results
    columns (sweeps) are skipped with a note when read."""
    return (path.endswith(".csv") and Path(path).name != PRICE_TABLE
            and RELEASES_DIR not in Path(relative).parts[:-1])


def read_csv_snapshot(directory: Path, models: ModelCatalog | None = None) -> Snapshot:
    """Rows of every published results CSV under ``directory`` (recursively, sorted)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DiffError(f"{directory}: not a directory of published CSVs")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    files = sorted(path for path in directory.rglob("*.csv")
                   if is_results_csv(path.name, path.relative_to(directory).as_posix()))
    if not files:
        raise DiffError(f"{directory}: no CSV files found")
    for path in files:
        file_rows, note = _read_csv_text(read_text(path, str(path)), str(path), models)
        rows.extend(file_rows)
        if note:
            notes.append(note)
    return Snapshot(str(directory), "csv", _rows_frame(rows), tuple(notes), tuple(files))


def read_git_snapshot(spec: str, repo: Path, models: ModelCatalog | None = None) -> Snapshot:
    """Rows of the published CSVs at ``git:<rev>[:<path>]`` (path defaults to ``data``)."""
    _, _, rest = spec.partition(":")
    rev, _, subpath = rest.partition(":")
    if not rev:
        raise DiffError(f"{spec}: expected git:<rev> or git:<rev>:<path>")
    subpath = (subpath or "data").strip("/")
    try:
        files = files_at(repo, rev, subpath,
                         lambda name: is_results_csv(name, name[len(subpath):].lstrip("/")))
    except GitError as err:
        raise DiffError(f"{spec}: {err}") from None
    if not files:
        raise DiffError(f"{spec}: no CSV files under {subpath}/ at revision {rev} in {repo}")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for name, content in files:
        origin = f"{rev}:{name}"
        file_rows, note = _read_csv_text(decode_utf8(content, origin), origin, models)
        rows.extend(file_rows)
        if note:
            notes.append(note)
    return Snapshot(spec, "git", _rows_frame(rows), tuple(notes))


def load_snapshot(spec: str, repo: Path | None = None,
                  models: ModelCatalog | None = None) -> Snapshot:
    """Read one side: a results JSONL file, a CSV directory or ``git:<rev>[:<path>]``.

    With a model catalog (:mod:`perfcore.models`), each row's model is its catalog id, so
    one model matches whatever either side calls it.
    """
    if spec.startswith("git:"):
        return read_git_snapshot(spec, Path(repo) if repo else Path.cwd(), models)
    if "," in spec and not Path(spec).exists():  # several results files: repeated runs
        return read_results_jsonl(spec, models)
    path = Path(spec)
    if path.is_dir():
        return read_csv_snapshot(path, models)
    if not path.exists():
        raise DiffError(f"{spec}: no such file or directory (expected a results JSONL file, "
                        "a directory of published CSVs or git:<rev>)")
    if path.suffix == ".csv":
        raise DiffError(f"{spec}: expected a directory of published CSVs, not a single CSV file")
    return read_results_jsonl(path, models)
