"""LLMPerf's summary JSON (``token_benchmark_ray.py --results-dir``:
``<model>_<input>_<output>_summary.json``, flat keys such as ``results_ttft_s_quantiles_p50``)
as a served record.

Times are in seconds (shifted to ms digit for digit). LLMPerf's client times each chunk
with non-empty ``delta.content`` from the request's start: ``ttft_s`` is the record's TTFT.
Its ``inter_token_latency_s`` is the *sum* of the gaps from the start to each content
chunk (TTFT included) divided by the output tokens: the record's latency per token
(``latency_per_token_ms_*``), not TPOT. ``end_to_end_latency_s`` ends after the stream
closes (``[DONE]``), so it runs a little past a collector run's E2E. Output tokens are
counted with LLMPerf's own tokenizer (a Llama tokenizer unless patched). ``stddev`` is
pandas' sample standard deviation and is not imported as ``*_std`` (the record's are
population ones); completed requests per minute are not imported as requests/s (the
division would not keep the file's digits).
"""

from __future__ import annotations

from collect.importers.jsonfile import JsonDocument
from collect.importers.record import Reading

TOOL = "LLMPerf"
LATENCIES = {"ttft_s": "ttft", "end_to_end_latency_s": "e2e",
             "inter_token_latency_s": "latency_per_token"}
STATISTICS = {"quantiles_p50": "p50", "quantiles_p90": "p90", "quantiles_p95": "p95",
              "quantiles_p99": "p99", "mean": "mean", "min": "min", "max": "max"}
COUNTS = {"results_num_requests_started": "n_requests",
          "results_num_completed_requests": "n_completed",
          "results_number_errors": "n_failed"}


def looks_like(document: JsonDocument) -> bool:
    return "results_ttft_s_mean" in document.value or (
        "num_concurrent_requests" in document.value
        and any(key.startswith("results_") for key in document.value))


def read(document: JsonDocument) -> Reading:
    reading = Reading(TOOL, str(document.get("version")) if "version" in document.value
                      else None, model=document.get("model", default=None), api="chat",
                      load="closed",
                      concurrency=document.count("num_concurrent_requests", default=None))
    for key, record_field in COUNTS.items():
        reading.put(record_field, document.count(key, default=None), key)
    reading.put("output_tokens_per_s",
                document.number("results_mean_output_throughput_token_per_s", default=None),
                "results_mean_output_throughput_token_per_s")
    for metric, record_field in LATENCIES.items():
        for statistic, suffix in STATISTICS.items():
            key = f"results_{metric}_{statistic}"
            reading.put_ms(f"{record_field}_ms_{suffix}", document.number(key, default=None),
                           "s", key)
    reading.input_length = same_length(document, "results_number_input_tokens")
    reading.output_length = same_length(document, "results_number_output_tokens")
    return reading


def same_length(document: JsonDocument, prefix: str) -> int | None:
    """The token count every completed request had (``_min`` equals ``_max``), else None.
    LLMPerf writes these two as text (``"48"``: numpy integers through ``default=str``)."""
    low, high = (whole_text(document, f"{prefix}_{end}") for end in ("min", "max"))
    return low if low is not None and low == high else None


def whole_text(document: JsonDocument, key: str) -> int | None:
    value = document.get(key, default=None)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return document.count(key, default=None)
