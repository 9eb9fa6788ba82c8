"""``vllm bench serve --save-result`` JSON (one object; ``--append-result`` files hold one
per line) as a served record.

vLLM's client times every streamed chunk that has a ``choices`` entry, so its ITL is the
record's ``itl_ms_*`` as defined; its TTFT starts at the first such chunk (a role-only
opening chunk counts) and its E2EL ends at the last one (the finish chunk counts): the
docs' table says where that differs from a collector run. Percentiles are the keys the
run asked for (``--metric-percentiles``; ``median_`` stands for P50 when ``p50_`` is
absent), ``std_`` is numpy's population standard deviation. When no request completed,
vLLM writes 0 for every latency; those zeros are not imported.
"""

from __future__ import annotations

from collect.importers.jsonfile import JsonDocument
from collect.importers.record import Reading

TOOL = "vllm bench serve"
METRICS = {"ttft": "ttft", "tpot": "tpot", "itl": "itl", "e2el": "e2e"}
TOTALS = (("duration", "duration_s"), ("total_input_tokens", "total_input_tokens"),
          ("total_output_tokens", "total_output_tokens"),
          ("request_throughput", "request_throughput"),
          ("output_throughput", "output_tokens_per_s"),
          ("total_token_throughput", "total_tokens_per_s"),
          ("request_goodput", "goodput_requests_per_s"))
APIS = {"openai-chat": "chat", "openai": "completions", "vllm": "completions"}
VERSION_KEYS = ("vllm_version", "version")  # --metadata vllm_version=0.32.0


def looks_like(document: JsonDocument) -> bool:
    value = document.value
    return "request_throughput" in value and "completed" in value \
        and any(key in value for key in ("endpoint_type", "backend", "mean_e2el_ms",
                                         "mean_ttft_ms"))


def read(document: JsonDocument) -> Reading:
    version = next((str(document.get(key)) for key in VERSION_KEYS
                    if document.get(key, default=None) is not None), None)
    reading = Reading(TOOL, version, model=document.get("model_id", default=None),
                      api=APIS.get(str(document.get("backend", default=""))))
    load(document, reading)
    counts(document, reading)
    for key, record_field in TOTALS:
        reading.put(record_field, document.number(key, default=None), key)
    if reading.values.get("n_completed"):
        for metric, record_field in METRICS.items():
            latencies(document, reading, metric, record_field)
    reading.input_length = same_length(document, "input_lens")
    reading.output_length = same_length(document, "output_lens")
    return reading


def load(document: JsonDocument, reading: Reading) -> None:
    """``request_rate`` inf with ``max_concurrency``: N users (closed loop); a finite rate:
    Poisson (``burstiness`` 1) or gamma arrivals, with ``max_concurrency`` as a cap."""
    rate = document.get("request_rate", default=None)
    cap = document.count("max_concurrency", default=None)
    burstiness = document.number("burstiness", default=1.0)
    if rate in ("inf", None) or rate == float("inf"):
        reading.load = "closed" if cap else "burst"
        reading.concurrency = cap
    else:
        reading.offered_rate = document.number("request_rate")
        reading.load = "poisson" if burstiness == 1 else "gamma"
        reading.put("max_concurrency", cap, "max_concurrency")
    if burstiness != 1:
        reading.put("burstiness", burstiness, "burstiness")


def counts(document: JsonDocument, reading: Reading) -> None:
    completed = document.count("completed")
    failed = document.count("failed", default=None)
    reading.put("n_completed", completed, "completed")
    reading.put("n_failed", failed, "failed")
    reading.put("n_requests", document.count("num_prompts", default=None), "num_prompts")


def latencies(document: JsonDocument, reading: Reading, metric: str,
              record_field: str) -> None:
    for statistic in ("mean", "std"):
        key = f"{statistic}_{metric}_ms"
        reading.put(f"{record_field}_ms_{statistic}", document.number(key, default=None), key)
    for point in (50, 90, 95, 99):
        key = f"p{point}_{metric}_ms"
        if point == 50 and key not in document.value:
            key = f"median_{metric}_ms"
        reading.put(f"{record_field}_ms_p{point}", document.number(key, default=None), key)


def same_length(document: JsonDocument, key: str) -> int | None:
    """The length every request had (``--save-detailed`` lists them), else None."""
    lengths = document.get(key, default=None)
    if not isinstance(lengths, list) or not lengths:
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in lengths):
        raise document.error(f"{key} must be a list of whole numbers", key)
    return lengths[0] if len(set(lengths)) == 1 else None
