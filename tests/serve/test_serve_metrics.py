"""Metric arithmetic on recorded chunk timelines (no server): vLLM's definitions."""

from __future__ import annotations

import numpy as np
import pytest

from collect.serve.client import Timeline
from collect.serve.metrics import is_good, request_metrics, summarize


def timeline(index: int, scheduled: float, chunks: list[float], tokens: int | None = None,
             prompt_tokens: int | None = 10, error: str | None = None,
             choice_chunks: list[float] | None = None) -> Timeline:
    """Every content chunk is a choice chunk unless ``choice_chunks`` says otherwise."""
    return Timeline(index, scheduled, input_tokens=10, sent=scheduled + 0.001, chunks=chunks,
                    choice_chunks=list(chunks) if choice_chunks is None else choice_chunks,
                    end=(chunks[-1] + 0.002) if chunks else scheduled + 0.01,
                    text="x" * len(chunks),
                    usage_prompt_tokens=prompt_tokens, usage_completion_tokens=tokens,
                    error=error, detail=None if error is None else "detail")


# Request 0: scheduled at 10.0 s, content chunks at 10.2, 10.25, 10.35, 10.4; 5 tokens (one
# chunk carried two). Request 1: scheduled at 11.0 s, chunks at 11.1 and 11.3; 2 tokens.
RECORDED = [timeline(0, 10.0, [10.2, 10.25, 10.35, 10.4], tokens=5),
            timeline(1, 11.0, [11.1, 11.3], tokens=2)]


def test_one_request_follows_vllm_definitions() -> None:
    metrics = request_metrics(RECORDED[0])
    assert metrics.ttft_s == pytest.approx(0.2)       # scheduled send -> first content chunk
    assert metrics.e2e_s == pytest.approx(0.4)        # -> last content chunk
    assert metrics.tpot_s == pytest.approx(0.05)      # (0.4 - 0.2) / (5 - 1)
    assert metrics.itls_s == pytest.approx([0.05, 0.1, 0.05])  # every gap between chunks
    assert metrics.text_itls_s == pytest.approx([0.05, 0.1, 0.05])  # all chunks had text
    assert (metrics.input_tokens, metrics.output_tokens) == (10, 5)
    assert metrics.token_source == "server usage"


def test_run_summary_pools_itl_and_divides_by_duration() -> None:
    fields = summarize(RECORDED, duration_s=2.0)
    itls_ms = [50, 100, 50, 200]  # pooled over both requests
    assert fields["itl_ms_p50"] == pytest.approx(np.percentile(itls_ms, 50))
    assert fields["itl_ms_p99"] == pytest.approx(np.percentile(itls_ms, 99))
    assert fields["itl_ms_mean"] == pytest.approx(100)
    assert fields["ttft_ms_p50"] == pytest.approx(np.percentile([200, 100], 50))
    assert fields["tpot_ms_mean"] == pytest.approx((50 + 200) / 2)
    assert fields["e2e_ms_p90"] == pytest.approx(np.percentile([400, 300], 90))
    assert fields["request_throughput"] == pytest.approx(1.0)
    assert fields["output_tokens_per_s"] == pytest.approx(7 / 2)
    assert fields["total_tokens_per_s"] == pytest.approx((20 + 7) / 2)
    assert fields["latency_per_token_ms_p50"] == pytest.approx(np.percentile([80, 150], 50))


def test_itl_counts_every_choice_chunk_as_vllm_and_text_itl_the_text_chunks() -> None:
    """A role-only opening chunk at 10.05 s, a multi-byte character split over an empty
    chunk at 10.3 s and a finish chunk without text at 10.45 s: vLLM's client times them
    all (ITL), the text chunks are timed apart (text ITL); TTFT, E2E and TPOT stay on text."""
    metrics = request_metrics(timeline(0, 10.0, [10.2, 10.25, 10.35, 10.4], tokens=6,
                                       choice_chunks=[10.05, 10.2, 10.25, 10.3, 10.35, 10.4,
                                                      10.45]))
    assert metrics.itls_s == pytest.approx([0.15, 0.05, 0.05, 0.05, 0.05, 0.05])
    assert metrics.text_itls_s == pytest.approx([0.05, 0.1, 0.05])
    assert (metrics.ttft_s, metrics.e2e_s) == pytest.approx((0.2, 0.4))
    assert metrics.tpot_s == pytest.approx(0.2 / 5)
    fields = summarize([timeline(0, 10.0, [10.2, 10.4], tokens=3,
                                 choice_chunks=[10.05, 10.2, 10.3, 10.4])], 1.0)
    assert fields["itl_ms_mean"] == pytest.approx((150 + 100 + 100) / 3)
    assert fields["text_itl_ms_p50"] == pytest.approx(200)


def test_goodput_counts_requests_meeting_every_slo() -> None:
    fields = summarize(RECORDED, 2.0, goodput_slo={"ttft": 150, "tpot": 250})
    assert fields["n_good"] == 1  # request 0 misses TTFT (200 ms > 150 ms)
    assert fields["goodput_requests_per_s"] == pytest.approx(0.5)
    assert fields["goodput_fraction"] == pytest.approx(0.5)
    one_token = request_metrics(timeline(2, 0.0, [0.1], tokens=1))
    assert one_token.tpot_s is None and is_good(one_token, {"tpot": 1})  # vLLM: TPOT 0


def test_failed_requests_stay_in_the_totals() -> None:
    failed = [timeline(2, 12.0, [], error="connection refused"),
              timeline(3, 12.5, [12.6], error="stream ended mid-response"),
              timeline(4, 12.7, [], error="connection refused")]
    fields = summarize(RECORDED + failed, 3.0)
    assert (fields["n_requests"], fields["n_completed"], fields["n_failed"]) == (5, 2, 3)
    assert fields["failure_reasons"] == {"connection refused": 2, "stream ended mid-response": 1}
    assert fields["request_throughput"] == pytest.approx(2 / 3)
    assert fields["total_output_tokens"] == 7  # a broken stream's chunk is not counted


def test_token_counts_fall_back_to_the_tokenizer_then_chunks() -> None:
    no_usage = timeline(0, 0.0, [0.1, 0.2, 0.3], tokens=None, prompt_tokens=None)
    assert request_metrics(no_usage, count_tokens=lambda text: 6).output_tokens == 6
    assert request_metrics(no_usage, count_tokens=lambda text: 6).token_source == "tokenizer"
    assert request_metrics(no_usage).output_tokens == 3
    assert request_metrics(no_usage).input_tokens == 10  # the prompt was built with 10
    mixed = summarize([RECORDED[0], no_usage], 1.0, count_tokens=lambda text: 6)
    assert mixed["token_count_source"] == "mixed"


def test_a_run_without_completions_has_no_latency() -> None:
    fields = summarize([timeline(0, 0.0, [], error="HTTP 503")], 1.0, goodput_slo={"ttft": 1})
    assert fields["ttft_ms_p50"] is None and fields["itl_ms_mean"] is None
    assert fields["goodput_requests_per_s"] == 0
