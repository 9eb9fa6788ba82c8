"""Serving metrics from request timelines, with ``vllm bench serve``'s definitions (and
AIPerf's where vLLM has none).

Per completed request (times from the request's scheduled send; in a closed loop that
is when it was sent):

* TTFT (``ttft_ms_*``): to the first content chunk, reasoning or answer (``ttft_at``
  ``first-token``, the default), or to the first answer chunk (``answer``); besides it,
  ``ttft_reasoning_ms_*`` to the first reasoning chunk and ``ttft_answer_ms_*`` to the first
  answer chunk, each over the requests whose stream had one;
* TTST (``ttst_ms_*``): first to second content chunk (AIPerf's time to second token);
* E2E: to the last content chunk;
* TPOT: ``(E2E - time to the first content chunk) / (output_tokens - 1)``, for requests with
  more than one token; its inverse is the user's output tokens/s
  (``per_user_output_tokens_per_s_*``, AIPerf's output token throughput per user);
* ITL (``itl_ms_*``): every gap between consecutive *choice chunks* (events with a
  non-empty ``choices`` list, empty text included: a role-only opening chunk, a
  multi-byte character streamed as empty text, the finish chunk), pooled over all
  requests: what ``vllm bench serve``'s client counts;
* text ITL (``text_itl_ms_*``): every gap between consecutive content chunks, pooled;
* content chunks per request (``chunks_per_request_*``).

Each latency has its P50, P90, P95, P99, mean, minimum, maximum and population standard
deviation. Throughputs divide by the run's duration: completed requests, input tokens, output
tokens, and both. ``effective_concurrency`` is the mean number of requests in flight (each
request's send to its end, failed ones included, summed, over the duration). Goodput counts
the completed requests meeting every SLO given (``ttft``, ``tpot``, ``e2e`` in ms; a one-token
request's TPOT counts as 0, as in vLLM). Failed requests count in ``n_requests`` and
``n_failed`` (per kind in ``failure_reasons``; their share in ``failed_fraction``); they have
no latency and no tokens. :func:`served_status`: ``degraded`` when more than ``max_failed``
of the requests failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from collect.engine.metrics import FLATTEN, Distribution, Summary
from collect.serve.client import Timeline
from collect.serve.options import DEFAULT_MAX_FAILED, FIRST_TOKEN

SLO_KEYS = ("ttft", "tpot", "e2e")
CountTokens = Callable[[str], int]


@dataclass(frozen=True)
class RequestMetrics:
    ttft_s: float | None  # the headline TTFT (None: ``answer`` and the stream had no answer)
    e2e_s: float
    tpot_s: float | None
    itls_s: list[float]
    text_itls_s: list[float]
    input_tokens: int | None
    output_tokens: int
    token_source: str
    ttft_reasoning_s: float | None = None
    ttft_answer_s: float | None = None
    ttst_s: float | None = None
    chunks: int = 0


def output_tokens(timeline: Timeline, count_tokens: CountTokens | None) -> tuple[int, str]:
    """Output tokens from the server's usage report, else the tokenizer, else the chunks."""
    if timeline.usage_completion_tokens is not None:
        return timeline.usage_completion_tokens, "server usage"
    if count_tokens is not None:
        return count_tokens(timeline.text), "tokenizer"
    return len(timeline.chunks), "content chunks"


def request_metrics(timeline: Timeline, count_tokens: CountTokens | None = None,
                    ttft_at: str = FIRST_TOKEN) -> RequestMetrics:
    """The metrics of one completed request (one with at least one content chunk)."""
    if not timeline.ok or not timeline.chunks:
        raise ValueError(f"request {timeline.index} did not complete: {timeline.error}")
    n_out, source = output_tokens(timeline, count_tokens)
    first = timeline.chunks[0] - timeline.scheduled
    e2e = timeline.chunks[-1] - timeline.scheduled
    tpot = (e2e - first) / (n_out - 1) if n_out > 1 else None
    n_in = timeline.usage_prompt_tokens
    if n_in is None:
        n_in = timeline.input_tokens
    reasoning, answer = (None if at is None else at - timeline.scheduled
                         for at in (timeline.first_reasoning, timeline.first_answer))
    return RequestMetrics(
        first if ttft_at == FIRST_TOKEN else answer, e2e, tpot, gaps(timeline.choice_chunks),
        gaps(timeline.chunks), n_in, n_out, source, ttft_reasoning_s=reasoning,
        ttft_answer_s=answer,
        ttst_s=timeline.chunks[1] - timeline.chunks[0] if len(timeline.chunks) > 1 else None,
        chunks=len(timeline.chunks))


def gaps(times: Sequence[float]) -> list[float]:
    return [later - earlier for earlier, later in pairwise(times)]


def distribution(values_s: Iterable[float | None]) -> Distribution:
    """P50/P90/P95/P99, mean, minimum, maximum and standard deviation, in ms, of the values
    given in seconds (None: the request has none)."""
    return spread(value * 1000 for value in values_s if value is not None)


def spread(values: Iterable[float]) -> Distribution:
    """P50/P90/P95/P99, mean, minimum, maximum and standard deviation of ``values``."""
    return Distribution.of(values, with_mean=True, with_spread=True)


def summary(name: str, values_s: Sequence[float]) -> dict[str, float | None]:
    """``<name>_ms_p50/p90/p95/p99/mean/min/max/std`` of values given in seconds."""
    return distribution(values_s).fields(f"{name}_ms")


def is_good(metrics: RequestMetrics, slo_ms: Mapping[str, float]) -> bool:
    """Whether one completed request meets every SLO (vLLM: TPOT of one token is 0)."""
    if metrics.ttft_s is None and "ttft" in slo_ms:
        return False
    measured = {"ttft": metrics.ttft_s, "tpot": metrics.tpot_s or 0.0, "e2e": metrics.e2e_s}
    return all(measured[key] * 1000 <= limit for key, limit in slo_ms.items())


def served_status(n_requests: int | None, n_failed: int | None,
                  failure_reasons: Mapping[str, int] | None = None,
                  max_failed: float = DEFAULT_MAX_FAILED) -> tuple[str, str | None]:
    """``ok``; ``degraded`` when more than ``max_failed`` (a share) of the requests failed;
    ``failed`` when every one did. The reason names the failures by kind."""
    if not n_failed:
        return "ok", None
    kinds = ", ".join(f"{kind} ({count})" for kind, count in
                      sorted((failure_reasons or {}).items(), key=lambda kv: -kv[1]))
    kinds = f": {kinds}" if kinds else ""
    if n_requests is not None and n_failed >= n_requests:
        return "failed", f"all {n_requests} requests failed{kinds}"
    share = n_failed / n_requests if n_requests else 1.0
    if share > max_failed:
        return "degraded", (f"{n_failed} of {n_requests} requests failed ({share:.1%}, more "
                            f"than --max-failed {max_failed:.1%}){kinds}")
    return "ok", f"{n_failed} of {n_requests} requests failed{kinds}"


def in_flight_s(timelines: Sequence[Timeline]) -> float:
    """Seconds requests spent in flight, summed (send to end; failed ones included)."""
    return sum(t.end - t.sent for t in timelines if t.sent is not None and t.end is not None)


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
    input_tokens_per_s: float
    effective_concurrency: float | None
    failed_fraction: float | None
    ttft_at: str
    ttft_ms: Distribution
    ttft_reasoning_ms: Distribution
    ttft_answer_ms: Distribution
    ttst_ms: Distribution
    tpot_ms: Distribution
    itl_ms: Distribution
    text_itl_ms: Distribution
    e2e_ms: Distribution
    latency_per_token_ms: Distribution
    per_user_output_tokens_per_s: Distribution
    chunks_per_request: Distribution
    goodput: Goodput | None = field(default=None, metadata=FLATTEN)


def served_metrics(timelines: Sequence[Timeline], duration_s: float,
                   count_tokens: CountTokens | None = None,
                   goodput_slo: Mapping[str, float] | None = None,
                   ttft_at: str = FIRST_TOKEN) -> ServedMetrics:
    """The metrics of one run (see the module docstring)."""
    done = [request_metrics(t, count_tokens, ttft_at) for t in timelines if t.ok]
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
        total_tokens_per_s=(n_in + n_out) / duration_s, input_tokens_per_s=n_in / duration_s,
        effective_concurrency=in_flight_s(timelines) / duration_s if timelines else None,
        failed_fraction=len(failed) / len(timelines) if timelines else None, ttft_at=ttft_at,
        ttft_ms=distribution(m.ttft_s for m in done),
        ttft_reasoning_ms=distribution(m.ttft_reasoning_s for m in done),
        ttft_answer_ms=distribution(m.ttft_answer_s for m in done),
        ttst_ms=distribution(m.ttst_s for m in done),
        tpot_ms=distribution(m.tpot_s for m in done),
        itl_ms=distribution(gap for m in done for gap in m.itls_s),
        text_itl_ms=distribution(gap for m in done for gap in m.text_itls_s),
        e2e_ms=distribution(m.e2e_s for m in done),
        latency_per_token_ms=distribution(m.e2e_s / m.output_tokens for m in done
                                          if m.output_tokens),
        per_user_output_tokens_per_s=spread(1 / m.tpot_s for m in done if m.tpot_s),
        chunks_per_request=spread(m.chunks for m in done),
        goodput=goodput,
    )


def summarize(timelines: Sequence[Timeline], duration_s: float,
              count_tokens: CountTokens | None = None,
              goodput_slo: Mapping[str, float] | None = None,
              ttft_at: str = FIRST_TOKEN) -> dict:
    """The record fields of one run: :func:`served_metrics` flattened."""
    return served_metrics(timelines, duration_s, count_tokens, goodput_slo,
                          ttft_at).record_fields()
