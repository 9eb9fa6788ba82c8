"""Other tools' serving results as served records (``collect import``, docs/importing.rst).

One module per tool, each with ``looks_like(document)`` and ``read(document) -> Reading``
(imported when a file is read, so ``collect --help`` stays light):

* :mod:`collect.importers.vllm`: ``vllm bench serve --save-result`` JSON;
* :mod:`collect.importers.aiperf`: AIPerf's ``profile_export_aiperf.json``;
* :mod:`collect.importers.llmperf`: LLMPerf's ``*_summary.json``.

:func:`import_files` reads every file (format detected per file unless given) and returns
their records; any problem is one located error before anything is written.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from collect.errors import CollectError
from perfcore.atomic import write_atomic
from perfcore.errors import DataFileError
from perfcore.records import finite, read_records

if TYPE_CHECKING:
    from collect.importers.jsonfile import JsonDocument

FORMATS: dict[str, str] = {"vllm": "collect.importers.vllm",
                           "aiperf": "collect.importers.aiperf",
                           "llmperf": "collect.importers.llmperf"}
METRIC_SUFFIXES = ("_ms_p50", "_ms_mean")
EXPECTED = ("a vllm bench serve --save-result JSON, an AIPerf profile_export_aiperf.json "
            "or an LLMPerf *_summary.json")


def importer(name: str) -> ModuleType:
    return importlib.import_module(FORMATS[name])


def detect(document: JsonDocument) -> str:
    """The format of a document, or a located error asking for ``--format``."""
    found = [name for name in FORMATS if importer(name).looks_like(document)]
    if len(found) != 1:
        what = "cannot tell which tool wrote this" if not found \
            else f"looks like more than one format ({', '.join(found)})"
        raise DataFileError(document.path, document.line_of(), f"{what}: expected {EXPECTED}; "
                            f"pass --format ({', '.join(FORMATS)})")
    return found[0]


def import_file(path: Path, *, instance_type: str, model: str | None = None,
                fmt: str | None = None, imported_at: str,
                max_failed: float | None = None) -> list[dict[str, Any]]:
    """The served records of one file (several for a vLLM ``--append-result`` file);
    ``max_failed``: the share of failed requests above which a record is ``degraded``
    (default :data:`collect.serve.options.DEFAULT_MAX_FAILED`)."""
    from collect.importers.jsonfile import read_documents
    from collect.importers.record import served_record, sha256_of

    shown = path.as_posix()
    digest = sha256_of(path)  # once a file, however many documents it holds
    records = []
    for document in read_documents(path, shown):
        name = fmt or detect(document)
        reading = importer(name).read(document)
        if not any(key.endswith(METRIC_SUFFIXES) for key in reading.values):
            raise DataFileError(shown, document.line_of(), f"no {reading.tool} latency "
                                f"found; is this a {name} file? ({EXPECTED})")
        records.append(served_record(reading, digest=digest, shown=shown,
                                     index=document.index, fmt=name,
                                     instance_type=instance_type, model=model,
                                     imported_at=imported_at, max_failed=max_failed))
    return records


def import_files(paths: Sequence[Path], *, instance_type: str, model: str | None = None,
                 fmt: str | None = None, imported_at: str,
                 max_failed: float | None = None) -> list[dict[str, Any]]:
    """The records of every file, in order; the first problem stops with a located error."""
    if fmt is not None and fmt not in FORMATS:
        raise DataFileError("--format", 0, f"unknown format {fmt!r}; expected one of "
                            f"{', '.join(FORMATS)}")
    records: list[dict[str, Any]] = []
    for path in paths:
        records += import_file(path, instance_type=instance_type, model=model, fmt=fmt,
                               imported_at=imported_at, max_failed=max_failed)
    return records


def write_results(out: Path, records: Sequence[dict[str, Any]], *, append: bool = False,
                  force: bool = False) -> None:
    """Write ``records`` as results JSONL in one atomic replace: a new file, the old one's
    records followed by these (``append``), or these alone (``force``)."""
    existing = b""
    if out.exists() and out.stat().st_size and not force:
        if not append:
            raise CollectError(f"{out} already exists; pass --append to add to it or --force "
                               "to overwrite it")
        read = read_records(out)  # a malformed results file is refused, not extended
        if read.torn_line is not None:
            raise DataFileError(str(out), read.torn_line, "the last line is incomplete; "
                                "repair the file before appending to it")
        existing = out.read_bytes()
    lines = "".join(json.dumps(finite(record), allow_nan=False, ensure_ascii=False) + "\n"
                    for record in records)
    try:
        write_atomic(out, existing + lines.encode("utf-8"))
    except OSError as error:
        raise CollectError(f"{out}: cannot write: {error.strerror or error}") from None
