"""Cheapest under a time-to-first-token bound, on decoder rows that publish TTFT."""

from __future__ import annotations

from pathlib import Path

from perfcore.columns import latency_label
from perfcore.cost_rows import bound_key, cheapest_within, load_cost_rows
from perfcore.families import load_families
from perfcore.prices import load_price_catalog


def test_cheapest_within_a_ttft_bound(tmp_path: Path) -> None:
    (tmp_path / "inf2").mkdir()
    (tmp_path / "inf2" / "throughput_data_decoder.csv").write_text(
        "Model,Inst. Type,Output Token Throughput (tokens/second),TTFT P50 (ms),TTFT P99 (ms)\n"
        "llm,inf2.xlarge,100,40,90\n"     # 1e6 / 100 * 0.36 / 3600 = 1.00 per 1M tokens
        "llm,inf2.xlarge,400,150,250\n"   # 0.25: cheaper, but its TTFT P99 is over 100 ms
        "llm,inf2.xlarge,50,20,30\n",     # 2.00
        encoding="utf-8")
    (tmp_path / "prices.yaml").write_text(
        "schema_version: 1\ncurrency: USD\ninstances:\n  inf2.xlarge:\n    region: us-east-1\n"
        "    prices:\n      ri-effective: {rate: 0.36, read: 2026-02-26, source: test}\n",
        encoding="utf-8")
    (tmp_path / "families.yaml").write_text(  # the inf2 decoder rows count output tokens
        "schema_version: 1\nfamilies:\n  decoder:\n    throughput: Throughput (tokens/second)\n"
        "    platforms:\n      inf2:\n"
        "        throughput: Output Token Throughput (tokens/second)\n", encoding="utf-8")
    data = load_cost_rows(tmp_path, load_price_catalog(tmp_path / "prices.yaml"),
                          load_families(tmp_path / "families.yaml"))
    best = cheapest_within(data.rows, "ttft-p99", 100, "ri-effective")
    assert best is not None and best.throughput == 100
    assert round(best.costs["ri-effective"], 6) == 1.0
    assert cheapest_within(data.rows, "ttft-p50", 200, "ri-effective").throughput == 400
    # no per-batch latency: a decoder's TTFT or TPOT never answers a per-batch bound
    assert cheapest_within(data.rows, bound_key("p99"), 1000, "ri-effective") is None
    assert latency_label("ttft-p99") == "TTFT P99"
