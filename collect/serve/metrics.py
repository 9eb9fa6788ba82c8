"""Serving metrics from request timelines, with ``vllm bench serve``'s definitions.

Per completed request (times from the request's scheduled send; in a closed loop that
is when it was sent):

* TTFT: to the first content chunk;
* E2E: to the last content chunk;
* TPOT: ``(E2E - TTFT) / (output_tokens - 1)``, for requests with more than one token;
* ITL (``itl_ms_*``): every gap between consecutive *choice chunks* (events with a
  non-empty ``choices`` list, empty text included: a role-only opening chunk, a
  multi-byte character streamed as empty text, the finish chunk), pooled over all
  requests: what ``vllm bench serve``'s client counts;
* text ITL (``text_itl_ms_*``): every gap between consecutive content chunks, pooled.

Throughputs divide by the run's duration: completed requests, output tokens, and input
plus output tokens. Goodput counts the completed requests meeting every SLO given
(``ttft``, ``tpot``, ``e2e`` in ms; a one-token request's TPOT counts as 0, as in
vLLM). Failed requests count in ``n_requests`` and ``n_failed`` (per kind in
``failure_reasons``); they have no latency and no tokens.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from collect.engine.metrics import FLATTEN, Distribution, Summary
from collect.serve.client import Timeline

SLO_KEYS = ("ttft", "tpot", "e2e")
CountTokens = Callable[[str], int]


@dataclass(frozen=True)
class RequestMetrics:
    ttft_s: float
    e2e_s: float
    tpot_s: float | None
    itls_s: list[float]
    text_itls_s: list[float]
    input_tokens: int | None
    output_tokens: int
    token_source: str


def output_tokens(timeline: Timeline, count_tokens: CountTokens | None) -> tuple[int, str]:
    """Output tokens from the server's usage report, else the tokenizer, else the chunks."""
    if timeline.usage_completion_tokens is not None:
        return timeline.usage_completion_tokens, "server usage"
    if count_tokens is not None:
        return count_tokens(timeline.text), "tokenizer"
    return len(timeline.chunks), "content chunks"


def request_metrics(timeline: Timeline, count_tokens: CountTokens | None = None) -> RequestMetrics:
    """The metrics of one completed request (one with at least one content chunk)."""
    if not timeline.ok or not timeline.chunks:
        raise ValueError(f"request {timeline.index} did not complete: {timeline.error}")
    n_out, source = output_tokens(timeline, count_tokens)
    ttft = timeline.chunks[0] - timeline.scheduled
    e2e = timeline.chunks[-1] - timeline.scheduled
    tpot = (e2e - ttft) / (n_out - 1) if n_out > 1 else None
    n_in = timeline.usage_prompt_tokens
    if n_in is None:
        n_in = timeline.input_tokens
    return RequestMetrics(ttft, e2e, tpot, gaps(timeline.choice_chunks), gaps(timeline.chunks),
                          n_in, n_out, source)


def gaps(times: Sequence[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


def distribution(values_s: Sequence[float]) -> Distribution:
    """P50/P90/P95/P99 and mean, in ms, of values given in seconds."""
    return Distribution.of((value * 1000 for value in values_s), with_mean=True)


def summary(name: str, values_s: Sequence[float]) -> dict[str, float | None]:
    """``<name>_ms_p50/p90/p95/p99/mean`` of values given in seconds."""
    return distribution(values_s).fields(f"{name}_ms")


def is_good(metrics: RequestMetrics, slo_ms: Mapping[str, float]) -> bool:
    """Whether one completed request meets every SLO (vLLM: TPOT of one token is 0)."""
    measured = {"ttft": metrics.ttft_s, "tpot": metrics.tpot_s or 0.0, "e2e": metrics.e2e_s}
    return all(measured[key] * 1000 <= limit for key, limit in slo_ms.items())


def token_source(sources: Sequence[str]) -> str | None:
    distinct = sorted(set(sources))
    return None if not distinct else distinct[0] if len(distinct) == 1 else "mixed"


@dataclass(frozen=True)
class Goodput(Summary):
    """Completed requests meeting every SLO of ``goodput_slo`` (ms)."""

    goodput_slo: dict[str, float]
    n_good: int
    goodput_requests_per_s: float
    goodput_fraction: float | None


@dataclass(frozen=True)
class ServedMetrics(Summary):
    """What one served run measured; :meth:`record_fields` are the record's fields."""

    n_requests: int
    n_completed: int
    n_failed: int
    failure_reasons: dict[str, int]
    failure_examples: dict[str | None, str | None]
    duration_s: float
    total_input_tokens: int
    total_output_tokens: int
    token_count_source: str | None
    input_tokens_known: bool
    request_throughput: float
    output_tokens_per_s: float
    total_tokens_per_s: float
    ttft_ms: Distribution
    tpot_ms: Distribution
    itl_ms: Distribution
    text_itl_ms: Distribution
    e2e_ms: Distribution
    latency_per_token_ms: Distribution
    goodput: Goodput | None = field(default=None, metadata=FLATTEN)


def served_metrics(timelines: Sequence[Timeline], duration_s: float,
                   count_tokens: CountTokens | None = None,
                   goodput_slo: Mapping[str, float] | None = None) -> ServedMetrics:
    """The metrics of one run (see the module docstring)."""
    done = [request_metrics(t, count_tokens) for t in timelines if t.ok]
    failed = [t for t in timelines if not t.ok]
    n_in = sum(m.input_tokens or 0 for m in done)
    n_out = sum(m.output_tokens for m in done)
    goodput = None
    if goodput_slo:
        good = sum(is_good(m, goodput_slo) for m in done)
        goodput = Goodput(dict(goodput_slo), good, good / duration_s,
                          good / len(timelines) if timelines else None)
    return ServedMetrics(
        n_requests=len(timelines), n_completed=len(done), n_failed=len(failed),
        failure_reasons=dict(Counter(t.error for t in failed)),
        failure_examples={t.error: t.detail for t in reversed(failed)},
        duration_s=duration_s, total_input_tokens=n_in, total_output_tokens=n_out,
        token_count_source=token_source([m.token_source for m in done]),
        input_tokens_known=all(m.input_tokens is not None for m in done),
        request_throughput=len(done) / duration_s, output_tokens_per_s=n_out / duration_s,
        total_tokens_per_s=(n_in + n_out) / duration_s,
        ttft_ms=distribution([m.ttft_s for m in done]),
        tpot_ms=distribution([m.tpot_s for m in done if m.tpot_s is not None]),
        itl_ms=distribution([gap for m in done for gap in m.itls_s]),
        text_itl_ms=distribution([gap for m in done for gap in m.text_itls_s]),
        e2e_ms=distribution([m.e2e_s for m in done]),
        latency_per_token_ms=distribution([m.e2e_s / m.output_tokens for m in done
                                           if m.output_tokens]),
        goodput=goodput,
    )


def summarize(timelines: Sequence[Timeline], duration_s: float,
              count_tokens: CountTokens | None = None,
              goodput_slo: Mapping[str, float] | None = None) -> dict:
    """The record fields of one run: :func:`served_metrics` flattened."""
    return served_metrics(timelines, duration_s, count_tokens, goodput_slo).record_fields()
