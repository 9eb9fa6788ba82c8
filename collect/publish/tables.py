"""``collect publish``: choose the rows to publish from results files and upsert them into
the site's CSVs.

Selection (per model, instance type, sequence length, dtype, backend and parallelism:
model copies, workers per model, TP degree), over the configurations that finished
``ok`` (and are stable, unless allowed):

- throughput-optimized ("Batch"): among the configurations whose average throughput
  reaches ``threshold`` x the group's peak average throughput, the one with the lowest
  P50 latency (the seed 000 policy: near-peak throughput at much lower latency);
- latency-optimized ("Real Time"): the lowest P50 latency.

Ties go to the higher throughput. The CSV key is the table's columns flagged ``upsert`` in
:mod:`perfcore.columns` (Model, Inst. Type, Sequence Length, Model Data Type and the
parallelism: Workers per Model, Model Copies, and TP/DP Degree in token tables), so two
parallelism settings of one model are two rows; a CSV without one of those columns reads
it as its default (1). Republishing the same results changes nothing, a newer run (later
``Run ID``) replaces the row, an older run never replaces a newer row.

Generation records (``mode: generate``) go the same way into the token tables of their
family (``encoder_decoder`` or ``decoder``), grouped per input and output length:
throughput is ``total_tokens_per_s`` (input + output tokens), latency the P50 latency
per output token; the key adds Input Length and Output Length. Served records
(``mode: serve``, collect/serve/) go into the decoder token tables the same way, with
the server as Framework and provenance in Source; those with failed requests or
length ranges are left out. Open-loop records (``poisson``, ``closed``) are never
published into tables: they belong in run reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from collect.errors import CollectError
from collect.models import SYNTHETIC_PATTERN, registry
from collect.publish.cells import published_cell
from collect.publish.token_columns import token_columns
from perfcore import columns
from perfcore.csvstore import Changes, upsert_csv
from perfcore.families import family_csv
from perfcore.records import Located, read_located

COLUMNS = columns.INFERENCE_TABLE
KEY_COLUMNS = columns.upsert_key(COLUMNS)
TOKEN_COLUMNS = columns.TOKEN_TABLE
DECODER_ONLY_COLUMNS = columns.DECODER_ONLY
TOKEN_KEY_COLUMNS = columns.upsert_key(TOKEN_COLUMNS)
PUBLISHED_MODES = ("offline", "generate", "serve")
DEGRADED = "degraded"  # a served point with more failed requests than its --max-failed
NEURON_PLATFORMS = {"trn1": "trn1", "trn1n": "trn1", "trn2": "trn2", "inf2": "inf2",
                    "inf1": "inf1"}


@dataclass(frozen=True)
class PublishOptions:
    results: list[Path]
    data_dir: Path = Path("data")
    threshold: float = 0.95
    allow_unstable: bool = False
    allow_failed: bool = False
    platform: str | None = None
    family: str | None = None
    instance_type: str | None = None
    include_degraded: bool = False  # served points with too many failed requests: cards


@dataclass
class PublishReport:
    lines: list[str] = field(default_factory=list)
    changes: dict[Path, Changes] = field(default_factory=dict)


def load_located(paths: list[Path], notes: list[str]) -> list[Located]:
    missing = next((path for path in paths if not path.is_file()), None)
    if missing is not None:
        raise CollectError(f"{missing}: results file not found")
    results = read_located(paths)
    notes += [f"{path}:{line}: ignored a torn last line" for path, line in results.torn]
    return results.records


def latest_per_config(located: list[Located]) -> list[Located]:
    """A configuration measured again (resume, rerun) counts once: its latest record."""
    latest: dict[tuple, Located] = {}
    for item in located:
        record = item.record
        if not record.get("config_id"):  # a transcribed record (seed): every line is its own
            latest[(item.where,)] = item
            continue
        key = (record.get("config_id"), record.get("env", {}).get("instance_type"))
        previous = latest.get(key)
        if previous is None or str(record.get("run_id")) >= str(previous.record.get("run_id")):
            latest[key] = item
    return list(latest.values())


def describe(item: Located) -> str:
    record = item.record
    return (f"{record.get('model')} batch {record.get('batch_size')} seq "
            f"{record.get('sequence_length')} copies {record.get('n_models')} workers "
            f"{record.get('workers_per_model')} ({item.where})")


def eligible(located: list[Located], options: PublishOptions, notes: list[str]) -> list[Located]:
    """The records that may be published; refuses failed/unstable ones unless allowed."""
    offline = [item for item in located
               if item.record.get("mode", "offline") in PUBLISHED_MODES]
    if len(offline) < len(located):
        notes.append(f"left out {len(located) - len(offline)} open-loop record(s) (poisson and "
                     "closed runs go in run reports, not tables)")
    calibration = [item for item in offline
                   if SYNTHETIC_PATTERN.match(str(item.record.get("model")))]
    if calibration:
        notes.append(f"left out {len(calibration)} calibration record(s) (synthetic models "
                     "are never published)")
    candidates = [item for item in offline if not any(item is c for c in calibration)]
    degraded = [item for item in candidates if item.record.get("status") == DEGRADED]
    if degraded:
        notes.append(f"left out {len(degraded)} degraded served point(s) from tables (more "
                     "failed requests than --max-failed; --include-degraded publishes them to "
                     "model cards, marked)")
    candidates = [item for item in candidates if item.record.get("status") != DEGRADED]
    candidates = served_qualifying(candidates, notes)
    failed = [item for item in candidates if item.record.get("status") != "ok"]
    if failed and not options.allow_failed:
        listed = "; ".join(f"{describe(item)}: {item.record.get('status')}: "
                           f"{item.record.get('reason')}" for item in failed)
        raise CollectError(f"refusing to publish: {len(failed)} configuration(s) did not finish "
                           f"ok: {listed}; pass --allow-failed to publish the others")
    ok = [item for item in candidates if item.record.get("status") == "ok"]
    unstable = [item for item in ok
                if not is_generate(item.record) and not item.record.get("stable")]
    if unstable and not options.allow_unstable:
        listed = "; ".join(f"{describe(item)}: {unstable_why(item.record)}" for item in unstable)
        raise CollectError(f"refusing to publish: {len(unstable)} configuration(s) are unstable "
                           f"(a throughput window more than 10% from the median): {listed}; "
                           "pass --allow-unstable to publish them anyway")
    if failed:
        notes.append(f"left out {len(failed)} configuration(s) that did not finish ok")
    return [item for item in ok if throughput_of(item.record)
            and latency_of(item.record) is not None]


def served_qualifying(items: list[Located], notes: list[str]) -> list[Located]:
    """Served records that may go in a table (see collect.publish.served)."""
    from collect.publish.served import unpublishable

    kept = []
    for item in items:
        why = item.record.get("mode") == "serve" and item.record.get("status") == "ok" \
            and unpublishable(item.record)
        if why:
            notes.append(f"left out served record {item.where}: {why}")
        else:
            kept.append(item)
    return kept


def is_generate(record: dict) -> bool:
    """Token-table records: generation, and served generation."""
    return record.get("mode") in ("generate", "serve")


def throughput_of(record: dict) -> float | None:
    """Inferences/s, or for generation tokens/s counting input and output tokens."""
    return record.get("total_tokens_per_s" if is_generate(record) else "throughput_avg")


def latency_of(record: dict) -> float | None:
    """P50 per batch, or for generation P50 per output token."""
    return record.get("latency_per_token_ms_p50" if is_generate(record) else "latency_ms_p50")


def unstable_why(record: dict) -> str:
    if record.get("stable") is None:
        return "stability not recorded (the source measured no throughput windows)"
    stability = record.get("stability") or {}
    if stability.get("reason"):
        return str(stability["reason"])
    return f"throughput windows spread {stability.get('window_spread')}"


def instance_of(item: Located, override: str | None) -> str:
    found = item.record.get("env", {}).get("instance_type") or "unknown"
    if found == "unknown":
        if override:
            return override
        raise CollectError(f"{item.where}: the instance type is unknown; run with "
                           "--instance-type or pass --instance-type to publish")
    return found


def group_key(item: Located, instance: str) -> tuple:
    record = item.record
    lengths = (record.get("input_length"), record.get("output_length"))
    parallelism = (record.get("n_models") or 1, record.get("workers_per_model") or 1,
                   record.get("tp_degree") or 1)
    return (record["model"], instance, record.get("sequence_length"), record.get("dtype"),
            record.get("backend"), record.get("mode", "offline"), lengths, parallelism)


def check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise CollectError(f"--threshold must be within (0, 1], got {threshold}")


def select(group: list[Located], threshold: float) -> tuple[Located, Located]:
    """(throughput-optimized, latency-optimized) records of one group."""
    check_threshold(threshold)
    peak = max(throughput_of(item.record) for item in group)
    near_peak = [item for item in group if throughput_of(item.record) >= threshold * peak]

    def by_latency(item: Located) -> tuple[float, float]:
        return latency_of(item.record), -throughput_of(item.record)

    return min(near_peak, key=by_latency), min(group, key=by_latency)


def platform_of(backend: str | None, instance: str, override: str | None) -> str:
    if override:
        return override
    if backend == "openai":  # a served model: a Neuron instance names its platform
        platform = served_platform(instance)
        if platform is None:
            raise CollectError(f"served results on {instance}: pass --platform (cpu, gpu, ...) "
                               "to say which page they belong to")
        return platform
    if backend == "neuron":
        return served_platform(instance) or "neuron"  # "inf2 (size ...)" -> inf2
    return "gpu" if backend == "cuda" else "cpu"


def family_of(model: str, override: str | None, mode: str | None = None) -> str:
    if override:
        return override
    spec = registry().get(model)
    if spec is None and mode == "serve":
        return "decoder"  # chat/completions endpoints serve decoders
    if spec is None:
        raise CollectError(f"model {model!r} is not in the registry; pass --family to say "
                           "which table family it belongs to")
    return spec.family


def source_of(item: Located) -> str:
    """``collect run <run_id> (<file>)``, or the record's own source (e.g. ``seed 001``)."""
    source = item.record.get("source") or "collect run"
    if source == "collect run":
        served = ""
        if item.record.get("mode") == "serve":
            from collect.publish.served import source_suffix

            served = source_suffix(item.record)
        return f"collect run {item.record.get('run_id')} ({item.path.as_posix()}){served}"
    return str(source)


def task_of(record: dict, spec: object | None) -> str:
    """The registry's task, or the generation task for a ``--mode generate`` record."""
    if record.get("mode") in ("generate", "serve"):
        return ("Text2Text Generation" if getattr(spec, "family", "") == "encoder_decoder"
                else "Text Generation")
    return getattr(spec, "task", "") if spec else ""


FROM_RECORD = tuple(name for name in COLUMNS if columns.BY_NAME[name].record_fields)
"""Inference-table columns published straight from a record field (the schema's mapping)."""


def to_row(item: Located, instance: str, application_type: str) -> dict[str, str]:
    record = item.record
    env = record.get("env") or {}
    neuron = env.get("neuron") or {}
    spec = registry().get(record["model"])
    # A transcribed source (a seed) that does not state a value says so; a collector run
    # leaves a value it does not record blank (the upsert key reads a blank as the
    # schema's default, 1).
    unstated = "" if (record.get("source") or "collect run") == "collect run" else "not stated"
    row = {name: published_cell(name, record) for name in FROM_RECORD}
    row.update({
        "Scripts": "",
        # "2.13.0+cpu" -> "PyTorch 2.13.0": the local build tag is not a framework version.
        "Framework": f"PyTorch {str(env['torch']).split('+')[0]}" if env.get("torch")
        else "PyTorch",
        "Inst. Type": instance,
        "Task": task_of(record, spec),
        "Application Type": application_type,
        "Neuron Version": neuron.get("torch-neuronx", ""),
        "Run Mode": "Data Parallel" if (record.get("n_models") or 1) > 1 else "Single Copy",
        "Model Data Type": row["Model Data Type"].upper(),
        "OS Type": env.get("os") or "",
        "Source": source_of(item),
    })
    blank_means_unstated = ("Task", "Neuron Version", "Sequence Length", "Model Data Type",
                            "OS Type")
    return {name: row[name] or (unstated if name in blank_means_unstated else "")
            for name in COLUMNS}


def to_token_row(item: Located, instance: str, application_type: str,
                 family: str) -> dict[str, str]:
    """A token-table row: the inference row's descriptive cells plus token columns."""
    row = to_row(item, instance, application_type)
    row.update(token_columns(item.record, decoder=family == "decoder"))
    if item.record.get("mode") == "serve":
        from collect.publish.served import served_cells

        row.update(served_cells(item.record))
    if family != "decoder":
        row.update(dict.fromkeys(DECODER_ONLY_COLUMNS, ""))
    return {column: row.get(column, "") for column in TOKEN_COLUMNS}


def table_items(items: list[Located], options: PublishOptions,
                notes: list[str]) -> list[Located]:
    """Served records go in token tables only where the page is known (a Neuron instance or
    --platform); the others are published to model cards only."""
    kept = [item for item in items if item.record.get("mode") != "serve" or options.platform
            or served_platform(instance_of(item, options.instance_type))]
    if len(kept) < len(items):
        notes.append(f"{len(items) - len(kept)} served record(s) published to model cards "
                     "only (pass --platform to put them in a page's token tables too)")
    return kept


def served_platform(instance: str) -> str | None:
    family = re.match(r"[a-z0-9]*", instance.lower()).group()
    return NEURON_PLATFORMS.get(family)


def publish_model_cards(located: list[Located], options: PublishOptions,
                        notes: list[str]) -> dict[Path, Changes]:
    """Every ``ok`` served record into its model's card results
    (data/model-cards/<model id>.csv)."""
    from collect.publish.served_csv import card_rows, publish_cards
    from perfcore.models import catalog_in

    statuses = ("ok", DEGRADED) if options.include_degraded else ("ok",)
    served = [(item.record, instance_of(item, options.instance_type), source_of(item))
              for item in located
              if item.record.get("mode") == "serve" and item.record.get("status") in statuses]
    if not served:
        return {}
    models = catalog_in(options.data_dir)
    changes = publish_cards(card_rows(served, notes, models), options.data_dir)
    notes += [f"{path}: {change.summary()}" for path, change in changes.items()]
    return changes


def publish(options: PublishOptions) -> PublishReport:
    """Select and upsert; returns what changed in each CSV."""
    check_threshold(options.threshold)
    report = PublishReport()
    located = latest_per_config(load_located(options.results, report.lines))
    groups: dict[tuple, list[Located]] = {}
    for item in table_items(eligible(located, options, report.lines), options, report.lines):
        instance = instance_of(item, options.instance_type)
        groups.setdefault(group_key(item, instance), []).append(item)
    report.changes.update(publish_model_cards(located, options, report.lines))
    if not groups and not report.changes:
        raise CollectError("nothing to publish: no configuration finished ok in "
                           + ", ".join(str(path) for path in options.results))
    pending: dict[Path, list[dict[str, str]]] = {}
    generated: set[Path] = set()
    for (model, instance, _seq, _dtype, backend, mode, *_rest), group in sorted(
            groups.items(), key=str):
        best_throughput, best_latency = select(group, options.threshold)
        platform = platform_of(backend, instance, options.platform)
        family = family_of(model, options.family, mode)
        throughput_csv = options.data_dir / family_csv(platform, family, "throughput")
        latency_csv = options.data_dir / family_csv(platform, family, "latency")
        if mode in ("generate", "serve"):
            generated.update((throughput_csv, latency_csv))
            rows = (to_token_row(best_throughput, instance, "Batch", family),
                    to_token_row(best_latency, instance, "Real Time", family))
        else:
            rows = (to_row(best_throughput, instance, "Batch"),
                    to_row(best_latency, instance, "Real Time"))
        pending.setdefault(throughput_csv, []).append(rows[0])
        pending.setdefault(latency_csv, []).append(rows[1])
    for path, rows in pending.items():
        tokens = path in generated
        if tokens and len({tuple(row) for row in rows}) > 1:
            raise CollectError(f"{path}: generation and offline records of the same family "
                               "cannot share a table; publish them with different --family")
        changes = upsert_csv(path, rows, TOKEN_COLUMNS if tokens else COLUMNS,
                             TOKEN_KEY_COLUMNS if tokens else KEY_COLUMNS,
                             keep_if_blank=("Scripts",))
        report.changes[path] = changes
        report.lines.append(f"{path}: {changes.summary()}")
    return report

