"""How one configuration ends: its status, the skipping of larger batches after an
out-of-memory, and its results record (schema v1, CONTRIBUTING.md)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Protocol

from collect.env.envinfo import utc_now
from collect.errors import CompileFailed, MeasureTimeout, is_out_of_memory
from perfcore.errors import UserError
from perfcore.records import OFFLINE_FIELDS, SCHEMA_VERSION, config_id

SOURCE = "collect run"


class Configuration(Protocol):
    """What the engine needs of a mode's configuration."""

    batch_size: int

    def fields(self) -> dict:
        """The record's configuration fields (``perfcore.records.CONFIG_FIELDS``)."""

    def group(self) -> tuple:
        """Everything but the batch size (out-of-memory skipping)."""

    def label(self) -> str:
        """The configuration in words (progress lines)."""

ERROR_STATUSES = ("failed", "timeout", "compile_failed", "degraded")
"""Statuses that mean a configuration could not be measured (or, ``degraded``, not well: a
served point with more failed requests than its ``--max-failed``) for a reason to look into
(``collect run --fail-on-error`` exits 3 on them). ``oom`` is not one: it is the expected
upper end of a batch-size sweep (and ``skipped`` follows it)."""

SUMMARY_STATUSES = ("ok", "oom", "failed", "timeout")


def classify(error: BaseException) -> tuple[str, str]:
    """``(status, reason)`` of a failed configuration."""
    text = f"{type(error).__name__}: {error}".strip().splitlines()[0][:500]
    if isinstance(error, CompileFailed):
        return "compile_failed", str(error).splitlines()[0][:500]
    if isinstance(error, MeasureTimeout):
        return "timeout", str(error)
    if is_out_of_memory(error):
        return "oom", text
    return "failed", text


class OomSkips:
    """After an out-of-memory at batch size B, the larger batch sizes of the same group
    (same everything but batch size) are recorded ``skipped`` without running."""

    def __init__(self, known: dict[Hashable, int] | None = None) -> None:
        self._oom_at: dict[Hashable, int] = dict(known or {})

    def reason(self, group: Hashable, batch_size: int) -> str | None:
        """Why ``batch_size`` of ``group`` is skipped, or None when it runs."""
        failed = self._oom_at.get(group)
        if failed is not None and batch_size > failed:
            return f"batch size {failed} ran out of memory"
        return None

    def note(self, group: Hashable, batch_size: int, status: str) -> None:
        if status == "oom":
            self._oom_at.setdefault(group, batch_size)

    def batch(self, group: Hashable) -> int | None:
        """The batch size of ``group`` that ran out of memory, if one did."""
        return self._oom_at.get(group)


def attempt(measure: Callable[[], dict], skips: OomSkips, group: Hashable,
            batch_size: int) -> dict:
    """``measure()``'s fields, or ``{"status", "reason"}`` of the exception it raised (an
    out-of-memory also skips the group's larger batches). The user's own errors and
    Ctrl-C stop the sweep instead."""
    try:
        return measure()
    except (KeyboardInterrupt, UserError):
        raise
    except Exception as error:
        status, reason = classify(error)
        skips.note(group, batch_size, status)
        return {"status": status, "reason": reason}


def status_counts(records: list[dict]) -> dict[str, int]:
    """Configurations per status: ok, oom, failed, timeout always, other statuses when
    present (skipped, compile_failed)."""
    counts = dict.fromkeys(SUMMARY_STATUSES, 0)
    for record in records:
        status = record.get("status") or "unknown"
        counts[status] = counts.get(status, 0) + 1
    return counts


def make_record(config: Configuration, env: dict, started_at: str, status: str,
                reason: str | None, measured: dict) -> dict:
    """The results record of ``config``: the measured fields (absent offline fields null)
    under the configuration's fields, which always win."""
    fields = config.fields()
    empty = dict.fromkeys(OFFLINE_FIELDS)
    return {
        "schema_version": SCHEMA_VERSION, "run_id": env["run_id"],
        "config_id": config_id(fields), "status": status, "reason": reason,
        "source": SOURCE, "started_at": started_at, "ended_at": utc_now(),
        **fields, **empty, **measured, **fields, "env": env,
    }
