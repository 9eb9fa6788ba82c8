"""AIPerf ``profile_export_aiperf.json`` as a served record.

AIPerf times *content responses* (a streamed chunk whose text, reasoning or tool call is
not empty), as a collector run does: its ``time_to_first_token`` is the record's TTFT,
``request_latency`` ends at the last content response (the record's E2E), and its
``inter_chunk_latency`` is the gap between content responses (``text_itl_ms_*``). Its
``inter_token_latency`` is ``(request latency - TTFT) / (output tokens - 1)``: vLLM's TPOT
(``tpot_ms_*``), not vLLM's ITL, and its ``output_token_throughput_per_user`` is 1 / that, per
request (``per_user_output_tokens_per_s_*``). Its TTFT counts reasoning tokens, as a collector
run's ``first-token`` TTFT does; ``time_to_first_output_token`` is the first answer token
(``ttft_answer_ms_*``). Each metric is ``{"unit": ..., "avg", "p50", ..., "std"}``; ``std`` is
numpy's population standard deviation.
"""

from __future__ import annotations

from collect.importers.jsonfile import JsonDocument
from collect.importers.record import Reading
from perfcore.numbers import shift_decimal

TOOL = "AIPerf"
LATENCIES = {"time_to_first_token": "ttft", "time_to_first_output_token": "ttft_answer",
             "time_to_second_token": "ttst", "inter_token_latency": "tpot",
             "inter_chunk_latency": "text_itl", "request_latency": "e2e"}
PER_USER = ("output_token_throughput_per_user", "per_user_output_tokens_per_s",
            ("tokens/sec/user",))
STATISTICS = {"p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99", "avg": "mean",
              "std": "std", "min": "min", "max": "max"}
RATES = {"request_throughput": ("request_throughput", "requests/sec"),
         "output_token_throughput": ("output_tokens_per_s", "tokens/sec"),
         "total_token_throughput": ("total_tokens_per_s", "tokens/sec"),
         "input_token_throughput": ("input_tokens_per_s", "tokens/sec"),
         "effective_concurrency": ("effective_concurrency", "requests")}
TOTALS = {"total_isl": "total_input_tokens", "total_osl": "total_output_tokens"}
APIS = {"chat": "chat", "completions": "completions"}
ABSENT_IS_ZERO = "(absent: 0, as AIPerf counts)"


def looks_like(document: JsonDocument) -> bool:
    return "aiperf_version" in document.value or (
        "input_config" in document.value and "time_to_first_token" in document.value)


def read(document: JsonDocument) -> Reading:
    config = document.get("input_config", default={})
    endpoint = (config.get("endpoint") or {}) if isinstance(config, dict) else {}
    urls = (endpoint.get("urls") or []) if isinstance(endpoint, dict) else []
    reading = Reading(TOOL, document.get("aiperf_version", default=None),
                      model=first_model(config),
                      api=APIS.get(str(endpoint.get("type"))) if isinstance(endpoint, dict)
                      else None,
                      endpoint=", ".join(map(str, urls)) or None)
    load(document, reading)
    counts(document, reading)
    reading.put("duration_s", value_in(document, "benchmark_duration", ("sec", "s")),
                "benchmark_duration.avg")
    for key, (record_field, unit) in RATES.items():
        reading.put(record_field, value_in(document, key, (unit,)), f"{key}.avg")
    for key, record_field in TOTALS.items():
        reading.put(record_field, whole(document, key), f"{key}.avg")
    for key, record_field in LATENCIES.items():
        if key in document.value:
            latencies(document, reading, key, record_field)
    key, record_field, units = PER_USER
    if key in document.value:
        unit_of(document, key, units)
        for statistic, suffix in STATISTICS.items():
            reading.put(f"{record_field}_{suffix}",
                        document.number(key, statistic, default=None), f"{key}.{statistic}")
    error_rate = value_in(document, "request_error_rate", ("%",))
    if error_rate is not None:  # a percentage, as a share digit for digit
        reading.put("failed_fraction", shift_decimal(error_rate, -2), "request_error_rate.avg")
    reading.input_length = same_length(document, "input_sequence_length")
    reading.output_length = same_length(document, "output_sequence_length")
    if document.get("was_cancelled", default=False):
        reading.notes.append("AIPerf marked the run cancelled (was_cancelled: true)")
    return reading


def first_model(config: object) -> str | None:
    models = config.get("models") if isinstance(config, dict) else None
    items = models.get("items") if isinstance(models, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0].get("name")
    return None


def load(document: JsonDocument, reading: Reading) -> None:
    """The profiling phase of ``input_config.phases``: ``concurrency`` N users is a closed
    loop; a request-rate phase is open loop at its rate."""
    phases = document.get("input_config", "phases", default=[])
    profiling = [phase for phase in phases if isinstance(phase, dict)
                 and phase.get("kind") == "profiling"] if isinstance(phases, list) else []
    if not profiling:
        return
    phase = profiling[0]
    if phase.get("type") == "concurrency":
        reading.load, reading.concurrency = "closed", phase.get("concurrency")
    else:
        reading.load = str(phase.get("type"))
        reading.offered_rate = phase.get("request_rate") or phase.get("rate")
        reading.put("max_concurrency", phase.get("concurrency"), "input_config.phases")


def counts(document: JsonDocument, reading: Reading) -> None:
    """``completed_request_count`` is success + error; an absent ``error_request_count``
    is AIPerf's 0 (it writes the metric only when a request failed)."""
    reading.put("n_completed", document.count("request_count", "avg"), "request_count.avg")
    reading.put("n_requests", whole(document, "completed_request_count"),
                "completed_request_count.avg")
    errors = whole(document, "error_request_count")
    if errors is None:
        reading.put("n_failed", 0, f"error_request_count {ABSENT_IS_ZERO}")
    else:
        reading.put("n_failed", errors, "error_request_count.avg")
    summary = document.get("error_summary", default=[])
    if isinstance(summary, list) and summary:
        reading.put("failure_reasons", {str(entry.get("error_details", entry)):
                                        entry.get("count") for entry in summary
                                        if isinstance(entry, dict)}, "error_summary")


def latencies(document: JsonDocument, reading: Reading, key: str, record_field: str) -> None:
    unit = unit_of(document, key, ("ms", "sec", "s", "us", "ns"))
    for statistic, suffix in STATISTICS.items():
        value = document.number(key, statistic, default=None)
        reading.put_ms(f"{record_field}_ms_{suffix}", value, unit, f"{key}.{statistic}")


def unit_of(document: JsonDocument, key: str, allowed: tuple[str, ...]) -> str:
    unit = document.get(key, "unit")
    if unit not in allowed:
        raise document.error(f"{key}.unit is {unit!r}; expected one of {', '.join(allowed)}",
                             key, "unit")
    return unit


def value_in(document: JsonDocument, key: str, units: tuple[str, ...]) -> float | None:
    """The ``avg`` of ``key`` as written, its unit one of ``units``; None when absent."""
    if key not in document.value:
        return None
    unit_of(document, key, units)
    return document.number(key, "avg")


def whole(document: JsonDocument, key: str) -> int | None:
    """The ``avg`` of a count (``12.0``) as a whole number; None when absent."""
    return document.count(key, "avg") if key in document.value else None


def same_length(document: JsonDocument, key: str) -> int | None:
    """The token count every request had (its ``min`` equals its ``max``), else None."""
    if key not in document.value:
        return None
    low = document.count(key, "min", default=None)
    high = document.count(key, "max", default=None)
    return low if low is not None and low == high else None
