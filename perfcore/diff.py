"""Release comparison: what changed in throughput, latency and cost between two runs.

Each side is one of
- a results JSONL file (schema v1, written by ``collect run``),
- a directory of published CSVs (``data/`` or ``data/<platform>/``, read recursively),
- ``git:<rev>`` or ``git:<rev>:<path>``: the published CSVs under ``data/`` (or ``<path>``)
  at a git revision, read with ``git ls-tree`` / ``git show``.

Rows are matched by key: model, instance type, sequence length, dtype, batch size and mode,
plus those of the parallelism/length fields (run mode, model copies, workers per model,
TP/DP degree, input/output length) that both sides record. Both readers normalise the key
the same way (:func:`normalise_key`): a published CSV's ``FP32`` is a record's ``fp32``, a
token table's rows are ``generate`` rows and an inference table's ``offline`` ones (the
CSV's ``Run Mode``, Single Copy or Data Parallel, is the optional ``run_mode``).

A change is flagged (``regression`` / ``improvement``) only when it exceeds BOTH the
relative threshold AND the measured noise. Throughput noise is judged with Welch's
two-sample t-test (alpha 0.01 by default) on repeated runs where both sides have them
(several records of one configuration with different ``run_id``, from one results file or
several: ``a.jsonl,b.jsonl``; each run is a separate process, so the runs' throughputs are
independent samples, and the compared values are the runs' means); with one run on a side it
falls back to that run's per-second throughput windows (``throughput_windows``), which are
correlated, so that test understates the noise. The metric's ``sample`` says which
(``runs`` or ``windows``). Cost scales with 1/throughput at a fixed price, so it shares the
throughput test. Where no distribution is recorded (published CSVs, latency percentiles)
the test says ``noise unknown: threshold only`` and a change beyond the threshold is only a
``possible regression`` / ``possible improvement``: listed, never counted as a regression.

This module does not import Sphinx: the ``perf-diff`` directive and the CLI build on it.
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from perfcore import cost
from perfcore.columns import SCHEMA, key_columns, published_name, record_fields_of
from perfcore.csvfile import parse_csv_text
from perfcore.errors import DataFileError, UserError
from perfcore.formats import display_number
from perfcore.models import ModelCatalog
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.prices import PriceCatalog
from perfcore.records import read_records
from perfcore.tabledata import Rows

DEFAULT_THRESHOLD = 0.05
DEFAULT_ALPHA = 0.01
JSON_SCHEMA = "collect-diff/1"

KEY_FIELDS = ("model", "instance_type", "sequence_length", "dtype", "batch_size", "mode")
OPTIONAL_KEY_FIELDS = (
    "run_mode",  # published CSVs: Single Copy / Data Parallel
    "n_models",
    "workers_per_model",
    "tp_degree",
    "dp_degree",
    "input_length",
    "output_length",
    "image_size",
    # published CSVs: the table (``throughput_data_vision_cnn``), so each table's row is compared
    # with the same table's row: not a superseded table's with its successor's, nor a
    # throughput-optimized row with a latency-optimized one of the same configuration
    "table",
    # open-loop runs: one row per offered rate / concurrency / batcher setting
    "offered_rate",
    "concurrency",
    "max_batch_size",
    "max_batch_delay_ms",
)
METRICS = ("throughput", "latency_p50", "latency_p99", "cost_per_1m")
# +1: a higher value is better; -1: a lower value is better.
METRIC_DIRECTION = {"throughput": 1, "latency_p50": -1, "latency_p99": -1, "cost_per_1m": -1}
METRIC_LABELS = {
    "throughput": "Throughput",
    "latency_p50": "P50 (ms)",
    "latency_p99": "P99 (ms)",
    "cost_per_1m": "Cost per 1M (USD)",
}

CSV_KEY_COLUMNS = key_columns()
# A CSV's legacy column names are read as today's (perfcore.columns.published_name).
CSV_THROUGHPUT_COLUMNS = {column.name: column.unit for column in SCHEMA
                          if column.metric == "throughput"}
CSV_LATENCY_COLUMNS = {metric: tuple(column.name for column in SCHEMA if column.metric == metric)
                       for metric in ("latency_p50", "latency_p99")}
# The published metric fields first (generation rows as token tables show them), then what an
# open-loop record has instead.
JSONL_METRIC_FIELDS = {
    "throughput": (*record_fields_of("throughput"), "achieved_rate"),
    "latency_p50": (*record_fields_of("latency_p50"), "request_latency_ms_p50"),
    "latency_p99": (*record_fields_of("latency_p99"), "request_latency_ms_p99"),
}

NOISE_UNKNOWN = "noise unknown: threshold only"
HISTORY_DIR = "releases"  # data/releases/: frozen releases, never part of a data/ snapshot
RECORD_COLUMNS = (
    *KEY_FIELDS,
    *OPTIONAL_KEY_FIELDS,
    "throughput",
    "latency_p50",
    "latency_p99",
    "throughput_unit",
    "windows",
    "run",
    "status",
    "origin",
)
# Key fields whose text differs only in case between CSVs and records (FP32 / fp32); the
# instance type is compared caseless too, but shown as written (see _keyed).
CASELESS_KEYS = ("dtype",)
UNSTATED = ("not stated", "none", "nan", "n/a")
# Which results-record modes a published table holds: token tables hold generation.
TABLE_MODE = {"tokens/s": "generate", "inferences/s": "offline", "images/s": "offline"}


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


@dataclass
class MetricChange:
    metric: str
    old: float | None
    new: float | None
    change: float | None  # relative: new / old - 1
    verdict: str  # regression, improvement, unchanged, within noise, n/a
    test: str
    p_value: float | None = None
    sample: str | None = None  # what the test compared: "runs" or "windows"


@dataclass
class RowDiff:
    key: dict[str, str]
    old_status: str
    new_status: str
    metrics: list[MetricChange]
    verdict: str
    old_origin: str
    new_origin: str

    def label(self) -> str:
        return format_key(self.key)


@dataclass
class DiffResult:
    old: Snapshot
    new: Snapshot
    threshold: float
    alpha: float
    key_fields: tuple[str, ...]
    matched: list[RowDiff]
    added: list[dict[str, str]]
    removed: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)
    prices: PriceCatalog | None = None
    pricing_model: str = "on-demand"

    @property
    def regressions(self) -> list[RowDiff]:
        return [row for row in self.matched if row.verdict in ("regression", "mixed")]

    @property
    def improvements(self) -> list[RowDiff]:
        return [row for row in self.matched if row.verdict in ("improvement", "mixed")]


# --------------------------------------------------------------------------- statistics


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularised incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), computed without scipy (the site environment has none)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def welch_t_test(sample_a: Sequence[float], sample_b: Sequence[float]) -> float | None:
    """Two-sided p-value of Welch's t-test for equal means; None with fewer than 2 values."""
    a = [float(v) for v in sample_a]
    b = [float(v) for v in sample_b]
    if len(a) < 2 or len(b) < 2:
        return None
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = sum((v - mean_a) ** 2 for v in a) / (len(a) - 1)
    var_b = sum((v - mean_b) ** 2 for v in b) / (len(b) - 1)
    se2_a, se2_b = var_a / len(a), var_b / len(b)
    se2 = se2_a + se2_b
    if se2 == 0.0:
        return 1.0 if mean_a == mean_b else 0.0
    t = (mean_a - mean_b) / math.sqrt(se2)
    dof = se2**2 / (se2_a**2 / (len(a) - 1) + se2_b**2 / (len(b) - 1))
    return regularized_incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t))


# --------------------------------------------------------------------------- reading


def _canonical(value: Any) -> str:
    """Key text: numbers without a trailing '.0', None/NaN as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return "" if text.lower() in ("none", "nan", "n/a") else text
    if math.isfinite(number) and number.is_integer() and "e" not in text.lower():
        return str(int(number))
    return text


def normalise_key(name: str, value: Any) -> str:
    """The one text a key field is compared as, whichever reader it came from."""
    text = _canonical(value)
    if text.lower() in UNSTATED:
        return ""
    if name in CASELESS_KEYS:
        return text.lower()
    if name == "mode" and text == "serve":  # served generation publishes into token tables
        return "generate"
    return text


def _first(record: dict[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        if record.get(name) is not None:
            return record[name]
    return None


def _rows_frame(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Every row with every field of :data:`RECORD_COLUMNS` (None where it has none)."""
    return tuple({name: row.get(name) for name in RECORD_COLUMNS} for row in rows)


def read_results_jsonl(path: Path | str, models: ModelCatalog | None = None) -> Snapshot:
    """Normalised rows of one results file, or of several (``a.jsonl,b.jsonl``): a
    configuration's records of one run (resume) count once, the later one; records of other
    runs are repeated runs (see :func:`compare`)."""
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


def _normalise_record(record: dict[str, Any], path: Path, number: int,
                      models: ModelCatalog) -> dict[str, Any]:
    if not record.get("model"):
        raise DiffError(f"{path}:{number}: record has no 'model'")
    env = record.get("env") if isinstance(record.get("env"), dict) else {}
    row: dict[str, Any] = {name: normalise_key(name, record.get(name))
                           for name in (*KEY_FIELDS, *OPTIONAL_KEY_FIELDS)}
    row["model"] = normalise_key("model", models.id_of(str(record["model"])))
    row["mode"] = normalise_key("mode", record.get("mode") or "offline")
    row["instance_type"] = normalise_key(
        "instance_type", env.get("instance_type") or record.get("instance_type"))
    try:
        for metric, names in JSONL_METRIC_FIELDS.items():
            row[metric] = parse_number(_first(record, names))
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


def _read_csv_text(text: str, origin: str, models: ModelCatalog | None = None
                   ) -> tuple[list[dict[str, Any]], str | None]:
    """Rows of one published CSV, or a note saying why the file is not a results table."""
    if not text.strip():
        return [], f"{origin}: skipped (empty file)"
    table = parse_csv_text(text, origin)
    columns = [published_name(column) for column in table.columns]
    throughput_column = next((c for c in CSV_THROUGHPUT_COLUMNS if c in columns), None)
    if "Model" not in columns or "Inst. Type" not in columns or throughput_column is None:
        return [], f"{origin}: skipped (no Model, Inst. Type and throughput columns)"
    rows = [_normalise_csv_row(dict(zip(columns, cells, strict=True)), throughput_column,
                               f"{origin}:{line}", models or ModelCatalog.none())
            for cells, line in zip(table.rows, table.lines, strict=True)]
    name = Path(origin).stem  # "<rev>:data/inf2/x.csv" (git) too
    for row in rows:
        row["table"] = name
    return rows, None


def _normalise_csv_row(cells: dict[str, str], throughput_column: str, origin: str,
                       models: ModelCatalog) -> dict:
    row: dict[str, Any] = {
        name: normalise_key(name, cells.get(column)) for name, column in CSV_KEY_COLUMNS.items()
    }
    row["model"] = normalise_key("model", models.id_of(cells.get("Model", ""), cells))
    # published CSVs have no open-loop columns: those keys are not stated
    row.update({name: "" for name in OPTIONAL_KEY_FIELDS if name not in CSV_KEY_COLUMNS})
    row["mode"] = TABLE_MODE.get(CSV_THROUGHPUT_COLUMNS[throughput_column], "offline")
    row["throughput"] = parse_number(cells.get(throughput_column))
    for metric, columns in CSV_LATENCY_COLUMNS.items():
        row[metric] = parse_number(_first(cells, columns))
    row["throughput_unit"] = CSV_THROUGHPUT_COLUMNS[throughput_column]
    row["windows"] = None
    row["run"] = None
    row["status"] = "ok"
    row["origin"] = origin
    return row


def _in_release_history(relative: str) -> bool:
    """A CSV under a ``releases/`` folder (data/releases/): the history, not the current data."""
    return HISTORY_DIR in Path(relative).parts[:-1]


def _is_price_table(name: str) -> bool:
    """An imported release's ``prices.csv``: prices, not results (read by the price code)."""
    return Path(name).name == "prices.csv"


def read_csv_snapshot(directory: Path, models: ModelCatalog | None = None) -> Snapshot:
    """Rows of every published results CSV under ``directory`` (recursively, sorted).

    The release history under ``releases/`` is left out: name a release's folder to read it.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DiffError(f"{directory}: not a directory of published CSVs")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    files = sorted(path for path in directory.rglob("*.csv")
                   if not _in_release_history(path.relative_to(directory).as_posix())
                   and not _is_price_table(path.name))
    if not files:
        raise DiffError(f"{directory}: no CSV files found")
    for path in files:
        file_rows, note = _read_csv_text(path.read_text(encoding="utf-8-sig"), str(path), models)
        rows.extend(file_rows)
        if note:
            notes.append(note)
    return Snapshot(str(directory), "csv", _rows_frame(rows), tuple(notes), tuple(files))


def _git(repo: Path, *args: str) -> str:
    try:
        completed = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise DiffError("git: command not found (needed to read a git: snapshot)") from exc
    if completed.returncode != 0:
        message = completed.stderr.strip().splitlines()
        raise DiffError(f"git -C {repo} {' '.join(args)}: {message[-1] if message else 'failed'}")
    return completed.stdout


def read_git_snapshot(spec: str, repo: Path, models: ModelCatalog | None = None) -> Snapshot:
    """Rows of the published CSVs at ``git:<rev>[:<path>]`` (path defaults to ``data``)."""
    _, _, rest = spec.partition(":")
    rev, _, subpath = rest.partition(":")
    if not rev:
        raise DiffError(f"{spec}: expected git:<rev> or git:<rev>:<path>")
    subpath = (subpath or "data").strip("/")
    listing = _git(repo, "ls-tree", "-r", "--name-only", rev, "--", subpath)
    files = sorted(name for name in listing.splitlines() if name.endswith(".csv")
                   and not _in_release_history(name[len(subpath):])
                   and not _is_price_table(name))
    if not files:
        raise DiffError(f"{spec}: no CSV files under {subpath}/ at revision {rev} in {repo}")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for name in files:
        text = _git(repo, "show", f"{rev}:{name}")
        file_rows, note = _read_csv_text(text, f"{rev}:{name}", models)
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


# --------------------------------------------------------------------------- comparing


def cost_per_million(throughput: float | None, hourly_rate: float | None) -> float | None:
    """Cost of 1M inferences (or tokens) at ``throughput`` per second and an hourly rate."""
    if throughput is None or hourly_rate is None or throughput <= 0:
        return None
    return cost.cost_per_million(throughput, hourly_rate)


def _key_fields(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    def stated(rows: Sequence[dict[str, Any]], name: str) -> bool:
        return any(str(row[name]) != "" for row in rows)

    shared = [name for name in OPTIONAL_KEY_FIELDS if stated(old, name) and stated(new, name)]
    return (*KEY_FIELDS, *shared)


def _keyed(rows: Sequence[dict[str, Any]], key_fields: Sequence[str],
           side: str) -> tuple[dict, list[str]]:
    """Rows by key. A configuration published twice with the same numbers (in the throughput
    and the latency table) is one row; one published twice with different numbers keeps the
    later and says so; records of the same key from different runs are repeated runs and
    become one row (:func:`_combine_runs`)."""
    runs: dict[tuple[str, ...], dict[object, dict[str, Any]]] = {}
    notes = []
    for row in rows:
        key = tuple(str(row[name]).lower() if name == "instance_type" else str(row[name])
                    for name in key_fields)
        of_key = runs.setdefault(key, {})
        earlier = of_key.get(row["run"])
        if earlier is not None and _measured(earlier) != _measured(row):
            notes.append(f"{side}: {earlier['origin']} and {row['origin']} state the same "
                         f"configuration ({format_key(_key_dict(row))}) with different "
                         f"numbers; {row['origin']} is compared")
        of_key[row["run"]] = row
    return {key: _combine_runs(list(of_key.values())) for key, of_key in runs.items()}, notes


def _measured(row: dict[str, Any]) -> tuple:
    return (row["throughput"], row["latency_p50"], row["latency_p99"], row["status"],
            row["windows"])


def _mean(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def _combine_runs(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One row for a configuration's runs: with two or more ``ok`` runs, the runs' mean
    metrics and ``runs`` (each run's throughput, the sample of the runs test)."""
    ok = [row for row in rows if row["status"] == "ok" and row["throughput"] is not None]
    if len(ok) < 2:
        return {**rows[-1], "runs": None}
    combined = {**ok[-1], "runs": tuple(row["throughput"] for row in ok),
                "origin": f"{ok[0]['origin']} and {len(ok) - 1} more run(s)"}
    for metric in ("throughput", "latency_p50", "latency_p99"):
        combined[metric] = _mean([row[metric] for row in ok])
    return combined


@dataclass(frozen=True)
class NoiseTest:
    """How a metric's noise was judged: p-value, the test in words, the sample used."""

    p_value: float | None
    test: str
    sample: str | None = None  # "runs", "windows" or None (no test)


def _judge(metric: str, old: float | None, new: float | None, threshold: float,
           noise: NoiseTest, alpha: float) -> MetricChange:
    if old is None or new is None or old <= 0:
        return MetricChange(metric, old, new, None, "n/a", "no value on one side")
    change = new / old - 1.0
    p_value, test, sample = noise.p_value, noise.test, noise.sample
    if abs(change) <= threshold:
        return MetricChange(metric, old, new, change, "unchanged", test, p_value, sample)
    direction = "improvement" if change * METRIC_DIRECTION[metric] > 0 else "regression"
    if test == NOISE_UNKNOWN:  # beyond the threshold, but nothing says it is beyond noise
        return MetricChange(metric, old, new, change, f"possible {direction}", test, None)
    if p_value is not None and p_value >= alpha:
        return MetricChange(metric, old, new, change, "within noise", test, p_value, sample)
    return MetricChange(metric, old, new, change, direction, test, p_value, sample)


def _throughput_test(old_row: dict, new_row: dict, alpha: float) -> NoiseTest:
    """Welch's t-test on repeated runs when both sides have them, else on the 1-second
    windows of one run per side (correlated: that test understates the noise)."""
    old_runs, new_runs = old_row.get("runs"), new_row.get("runs")
    if old_runs and new_runs:
        return NoiseTest(welch_t_test(old_runs, new_runs),
                         f"Welch t-test on repeated runs ({len(old_runs)} old, "
                         f"{len(new_runs)} new), alpha {alpha:g}", "runs")
    old_windows, new_windows = old_row["windows"], new_row["windows"]
    if not old_windows or not new_windows:
        return NoiseTest(None, NOISE_UNKNOWN)
    p_value = welch_t_test(old_windows, new_windows)
    if p_value is None:
        return NoiseTest(None, NOISE_UNKNOWN)
    return NoiseTest(p_value, f"Welch t-test on throughput windows, alpha {alpha:g}", "windows")


def _row_verdict(old_status: str, new_status: str, metrics: list[MetricChange]) -> str:
    if old_status == "ok" and new_status != "ok":
        return "regression"
    if old_status != "ok" and new_status == "ok":
        return "improvement"
    verdicts = {m.verdict for m in metrics}
    if "regression" in verdicts and "improvement" in verdicts:
        return "mixed"
    for verdict in ("regression", "improvement", "possible regression", "possible improvement",
                    "within noise", "unchanged"):
        if verdict in verdicts:
            return verdict
    return "n/a"


def _compare_rows(old_row: dict, new_row: dict, threshold: float, alpha: float,
                  rates: dict[str, float] | None) -> RowDiff:
    noise = _throughput_test(old_row, new_row, alpha)
    metrics = [_judge("throughput", old_row["throughput"], new_row["throughput"], threshold,
                      noise, alpha)]
    for metric in ("latency_p50", "latency_p99"):
        metrics.append(_judge(metric, old_row[metric], new_row[metric], threshold,
                              NoiseTest(None, NOISE_UNKNOWN), alpha))
    if rates is not None:
        rate = rates.get(new_row["instance_type"].strip().lower())
        metrics.append(_judge("cost_per_1m", cost_per_million(old_row["throughput"], rate),
                              cost_per_million(new_row["throughput"], rate), threshold,
                              noise, alpha))
    if old_row["status"] != "ok" or new_row["status"] != "ok":
        metrics = [MetricChange(m.metric, m.old, m.new, m.change, "n/a", "status not ok")
                   if m.verdict != "n/a" else m for m in metrics]
    return RowDiff(
        key={name: str(new_row[name]) for name in KEY_FIELDS + OPTIONAL_KEY_FIELDS},
        old_status=old_row["status"],
        new_status=new_row["status"],
        metrics=metrics,
        verdict=_row_verdict(old_row["status"], new_row["status"], metrics),
        old_origin=old_row["origin"],
        new_origin=new_row["origin"],
    )


def _key_dict(row: dict[str, Any]) -> dict[str, str]:
    described = {name: str(row[name]) for name in KEY_FIELDS + OPTIONAL_KEY_FIELDS}
    described["status"] = row["status"]
    described["origin"] = row["origin"]
    return described


def compare(old: Snapshot, new: Snapshot, threshold: float = DEFAULT_THRESHOLD,
            alpha: float = DEFAULT_ALPHA, prices: PriceCatalog | None = None,
            pricing_model: str = "on-demand") -> DiffResult:
    """Match the rows of two snapshots by key and judge every metric's change."""
    if not 0 <= threshold < 1:
        raise DiffError(f"threshold: expected a fraction in [0, 1), got {threshold}")
    if not 0 < alpha < 1:
        raise DiffError(f"alpha: expected a probability in (0, 1), got {alpha}")
    key_fields = _key_fields(old.rows, new.rows)
    old_rows, old_notes = _keyed(old.rows, key_fields, "old")
    new_rows, new_notes = _keyed(new.rows, key_fields, "new")
    matched = [
        _compare_rows(old_rows[key], new_rows[key], threshold, alpha,
                      prices.hourly_rates(pricing_model) if prices else None)
        for key in sorted(old_rows.keys() & new_rows.keys(), key=_natural_key)
    ]
    added = [_key_dict(new_rows[k]) for k in sorted(new_rows.keys() - old_rows.keys(),
                                                     key=_natural_key)]
    removed = [_key_dict(old_rows[k]) for k in sorted(old_rows.keys() - new_rows.keys(),
                                                       key=_natural_key)]
    notes = [*old.notes, *new.notes, *old_notes, *new_notes]
    notes.extend(
        f"{new_rows[k]['origin']}: throughput in {new_rows[k]['throughput_unit']}, but "
        f"{old_rows[k]['origin']} in {old_rows[k]['throughput_unit']}"
        for k in sorted(old_rows.keys() & new_rows.keys(), key=_natural_key)
        if old_rows[k]["throughput_unit"] != new_rows[k]["throughput_unit"]
    )
    notes.extend(
        f"{new_rows[k]['origin']}: one side has repeated runs, the other one run: throughput "
        "is tested on the 1-second windows of one run per side"
        for k in sorted(old_rows.keys() & new_rows.keys(), key=_natural_key)
        if bool(old_rows[k].get("runs")) != bool(new_rows[k].get("runs")))
    if prices is not None:
        notes.extend(_price_notes(prices, pricing_model, matched))
    return DiffResult(old, new, threshold, alpha, key_fields, matched, added, removed, notes,
                      prices, pricing_model)


def _price_notes(prices: PriceCatalog, pricing_model: str,
                 matched: list[RowDiff]) -> list[str]:
    missing = sorted({row.key["instance_type"] for row in matched
                      if prices.rate(row.key["instance_type"], pricing_model) is None})
    notes = []
    for name in missing:
        reason = prices.unpriced_reason(name)
        notes.append(f"{name}: cost n/a (unpriced: {reason})" if reason is not None else
                     f"no {pricing_model} price in {prices.path} for {name}: cost n/a")
    return notes


def _natural_key(key: tuple[str, ...]) -> tuple:
    return tuple(sort_key(part) for part in key)


# --------------------------------------------------------------------------- output


def format_key(key: dict[str, str]) -> str:
    """One-line description of a row key, e.g. ``bert-base | inf2.xlarge | seq 128 | ...``."""
    parts = [key.get("model", ""), key.get("instance_type", "")]
    labelled = (
        ("sequence_length", "seq"), ("dtype", ""), ("batch_size", "batch"), ("mode", ""),
        ("run_mode", ""),
        ("n_models", "copies"), ("workers_per_model", "workers"), ("tp_degree", "tp"),
        ("dp_degree", "dp"), ("input_length", "in"), ("output_length", "out"),
        ("table", "table"), ("offered_rate", "rate"), ("concurrency", "concurrency"),
        ("max_batch_size", "max batch"), ("max_batch_delay_ms", "delay ms"),
    )
    for name, label in labelled:
        value = key.get(name, "")
        if value:
            parts.append(f"{label} {value}".strip())
    return " | ".join(part for part in parts if part)


def format_value(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def format_change(change: MetricChange) -> str:
    """``old -> new (+x.x%)``, e.g. ``1,200 -> 1,100 (-8.3%)``."""
    if change.change is None:
        return f"{format_value(change.old)} -> {format_value(change.new)}"
    return f"{format_value(change.old)} -> {format_value(change.new)} ({change.change:+.1%})"


def price_statement(prices: PriceCatalog, pricing_model: str) -> str:
    """Which price the costs use, e.g. ``Cost uses on-demand rates (USD/hour) from ...``."""
    dates = prices.read_dates(pricing_model)
    read = "" if not dates else (f", read {dates[0]}" if len(dates) == 1
                                 else f", read {dates[0]} to {dates[-1]}")
    return (f"Cost uses {pricing_model} rates (USD/hour) from "
            f"{Path(prices.path).name}{read}")


def summary_line(result: DiffResult) -> str:
    return (f"{len(result.matched)} matched, {len(result.regressions)} regressed, "
            f"{len(result.improvements)} improved, {len(result.added)} new, "
            f"{len(result.removed)} removed (threshold {result.threshold:.0%}, "
            f"alpha {result.alpha:g})")


def tests_used(result: DiffResult) -> list[str]:
    """Which test judged which metric, in words."""
    tests = sorted({(m.metric, m.test) for row in result.matched for m in row.metrics
                    if m.test not in ("no value on one side", "status not ok")})
    return [f"{METRIC_LABELS[metric]}: {test}" for metric, test in tests]


KEY_LABELS = {
    "model": "Model", "instance_type": "Inst. Type", "sequence_length": "Sequence Length",
    "dtype": "Data Type", "batch_size": "Batch Size", "mode": "Mode", "run_mode": "Run Mode",
    "n_models": "Model Copies",
    "workers_per_model": "Workers per Model", "tp_degree": "TP Degree", "dp_degree": "DP Degree",
    "input_length": "Input Length", "output_length": "Output Length", "image_size": "Image Size",
    "table": "Table", "offered_rate": "Offered Rate (/s)", "concurrency": "Concurrency",
    "max_batch_size": "Max Batch Size", "max_batch_delay_ms": "Max Batch Delay (ms)",
}


def result_table(result: DiffResult, split_key: bool = False) -> Rows:
    """The matched rows as display strings (one column per metric).

    ``split_key`` gives one column per key field instead of one ``Row`` label.
    """
    metrics = [m for m in METRICS if m != "cost_per_1m" or result.prices is not None]
    key_columns = [KEY_LABELS[k] for k in result.key_fields] if split_key else ["Row"]
    records = []
    for row in result.matched:
        if split_key:
            record = {KEY_LABELS[k]: row.key.get(k, "") for k in result.key_fields}
        else:
            record = {"Row": row.label()}
        by_metric = {m.metric: m for m in row.metrics}
        for metric in metrics:
            record[METRIC_LABELS[metric]] = format_change(by_metric[metric])
        status = "" if row.old_status == row.new_status == "ok" else (
            f" (status {row.old_status} -> {row.new_status})")
        record["Verdict"] = row.verdict + status
        records.append(record)
    columns = (*key_columns, *(METRIC_LABELS[m] for m in metrics), "Verdict")
    return Rows("", columns, tuple(records), tuple(range(len(records))))


# The changes page's columns per metric: its name, and the unit its old and new values are in.
CHANGE_COLUMNS = {"throughput": ("Throughput", ""), "latency_p50": ("P50", " (ms)"),
                  "latency_p99": ("P99", " (ms)"), "cost_per_1m": ("Cost per 1M", "")}


def change_rows(result: DiffResult, unchanged: bool = False) -> Rows:
    """The matched rows whose verdict is (``unchanged``: is not) ``unchanged``, one column per
    key field and, per metric, ``old``, ``new`` and ``change (%)`` as plain numbers in display
    rounding (:func:`perfcore.formats.display_number`), so a browser sorts them as numbers."""
    metrics = [m for m in METRICS if m != "cost_per_1m" or result.prices is not None]
    records = []
    for row in result.matched:
        if (row.verdict == "unchanged") != unchanged:
            continue
        record: dict[str, object] = {KEY_LABELS[k]: row.key.get(k, "") for k in result.key_fields}
        by_metric = {m.metric: m for m in row.metrics}
        for metric in metrics:
            name, unit = CHANGE_COLUMNS[metric]
            change = by_metric[metric]
            shown = (display_number if metric != "cost_per_1m" else
                     lambda value: cost.cost_text(value, result.prices.currency))
            record[f"{name} old{unit}"] = shown(change.old)
            record[f"{name} new{unit}"] = shown(change.new)
            record[f"{name} change (%)"] = ("n/a" if change.change is None
                                           else f"{change.change * 100:+.1f}")
        status = "" if row.old_status == row.new_status == "ok" else (
            f" (status {row.old_status} -> {row.new_status})")
        record["Verdict"] = row.verdict + status
        records.append(record)
    columns = (*(KEY_LABELS[k] for k in result.key_fields),
               *(f"{CHANGE_COLUMNS[m][0]} {part}" for m in metrics
                 for part in (f"old{CHANGE_COLUMNS[m][1]}", f"new{CHANGE_COLUMNS[m][1]}",
                              "change (%)")),
               "Verdict")
    return Rows("", columns, tuple(records), tuple(range(len(records))))


def text_table(table: Rows) -> str:
    """Left-aligned plain-text rendering of a table of strings."""
    columns = list(table.columns)
    cells = [[str(record[c]) for c in columns] for record in table.records]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in cells)])


def format_text(result: DiffResult) -> str:
    """Readable report for a terminal."""
    lines = [f"old: {result.old.spec} ({result.old.kind})",
             f"new: {result.new.spec} ({result.new.kind})",
             "key: " + ", ".join(result.key_fields)]
    if result.prices is not None:
        lines.append(price_statement(result.prices, result.pricing_model))
    lines.append("")
    table = result_table(result)
    lines.append(text_table(table) if table.records else "no matched rows")
    for title, rows in (("new rows", result.added), ("removed rows", result.removed)):
        lines.append("")
        lines.append(f"{title} ({len(rows)}):")
        lines.extend(f"  {format_key(row)} [{row['status']}] ({row['origin']})" for row in rows)
    lines.append("")
    lines.append("tests: " + ("; ".join(tests_used(result)) or "none"))
    lines.extend(f"note: {note}" for note in result.notes)
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def to_json(result: DiffResult) -> dict[str, Any]:
    """Machine-readable report (``collect-diff/1``)."""
    def side(snapshot: Snapshot) -> dict[str, Any]:
        return {"spec": snapshot.spec, "kind": snapshot.kind, "rows": len(snapshot.rows)}

    return {
        "schema": JSON_SCHEMA,
        "old": side(result.old),
        "new": side(result.new),
        "threshold": result.threshold,
        "alpha": result.alpha,
        "key_fields": list(result.key_fields),
        "prices": None if result.prices is None else {
            "path": result.prices.path, "pricing_model": result.pricing_model},
        "matched": [asdict(row) for row in result.matched],
        "new_rows": result.added,
        "removed_rows": result.removed,
        "notes": result.notes,
        "summary": {
            "matched": len(result.matched),
            "regressions": len(result.regressions),
            "improvements": len(result.improvements),
            "new": len(result.added),
            "removed": len(result.removed),
        },
    }
