"""The line a sweep prints per configuration: figures rounded, gaps named."""

from collect.engine.progress import summary_line


def test_served_figures_have_four_significant_digits() -> None:
    record = {"status": "ok", "mode": "serve", "request_throughput": 14.661445548772763,
              "output_tokens_per_s": 469.1662575607284, "ttft_ms_p50": 8.635561000119196,
              "tpot_ms_p50": None}
    assert summary_line(record) == (
        "ok 14.66 requests/s, 469.2 output tokens/s, TTFT P50 8.636 ms, TPOT P50 n/a ms")


def test_a_failure_shows_its_reason_as_written() -> None:
    assert summary_line({"status": "oom", "reason": "RuntimeError: out of memory"}) == (
        "oom: RuntimeError: out of memory")
