"""Progress of a sweep: a bar with ETA on a terminal, one line per configuration otherwise."""

from __future__ import annotations

import time
from typing import Any, TextIO

from perfcore.formats import significant

BAR_WIDTH = 24


def format_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _figure(value: Any) -> str:
    """Four significant figures of a measured value (n/a when it was not measured)."""
    return significant(value, 4) if isinstance(value, int | float) else "n/a"


def _token_latencies(record: dict) -> str:
    return (f"TTFT P50 {_figure(record.get('ttft_ms_p50'))} ms, "
            f"TPOT P50 {_figure(record.get('tpot_ms_p50'))} ms")


def summary_line(record: dict) -> str:
    status = record.get("status")
    if status == "ok" and record.get("mode") == "generate":
        return (f"ok {_figure(record.get('total_tokens_per_s'))} tokens/s (input+output), "
                + _token_latencies(record))
    if status == "ok" and record.get("mode") == "serve":
        failed = f", {record['n_failed']} failed" if record.get("n_failed") else ""
        return (f"ok {_figure(record.get('request_throughput'))} requests/s{failed}, "
                f"{_figure(record.get('output_tokens_per_s'))} output tokens/s, "
                + _token_latencies(record))
    if status == "ok" and record.get("mode") in ("poisson", "closed"):
        slo = "" if record.get("slo_met") is None else (
            " SLO met" if record["slo_met"] else " SLO missed")
        return (f"ok achieved {_figure(record.get('achieved_rate'))}/s, request P99 "
                f"{_figure(record.get('request_latency_ms_p99'))} ms{slo}")
    if status != "ok" or record.get("throughput_avg") is None:
        return f"{status}: {record.get('reason')}"
    text = f"ok {record['throughput_avg']:.2f} inf/s, P50 {record['latency_ms_p50']:.3f} ms"
    return text if record.get("stable") else text + " (unstable)"


class Progress:
    """``start(label)`` before a configuration, ``done(label, record)`` after it."""

    def __init__(self, total: int, stream: TextIO, estimate_s: float) -> None:
        self.total = total
        self.stream = stream
        self.tty = stream.isatty()
        self.estimate_s = estimate_s
        self.finished = 0
        self.began = time.monotonic()

    def eta(self) -> float:
        remaining = self.total - self.finished
        if self.finished:
            return (time.monotonic() - self.began) / self.finished * remaining
        return self.estimate_s * remaining

    def start(self, label: str) -> None:
        if self.tty:
            filled = BAR_WIDTH * self.finished // max(self.total, 1)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stream.write(
                f"\r\x1b[K[{bar}] {self.finished}/{self.total} "
                f"ETA {format_seconds(self.eta())}  {label}"
            )
            self.stream.flush()

    def done(self, label: str, record: dict) -> None:
        self.finished += 1
        prefix = "\r\x1b[K" if self.tty else ""
        self.stream.write(f"{prefix}[{self.finished}/{self.total}] {label}: "
                          f"{summary_line(record)}\n")
        self.stream.flush()
