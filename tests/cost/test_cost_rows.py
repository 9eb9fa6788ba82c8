"""The cost explorer's provider (ext/cost_rows.py): every published row with its costs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cost_site import ROOT, Site

from ext.cost_explorer import build_cost_payload
from perfcore.cost_rows import explorer_payload, published_csvs
from perfcore.errors import DataFileError

DATA = ROOT / "data"
REPO = ROOT.parents[3]


def test_published_csvs_skip_folders_that_are_not_platforms() -> None:
    assert [str(path.relative_to(DATA)) for path in published_csvs(DATA)] == [
        "inf2/latency_data_encoder.csv",
        "inf2/throughput_data_encoder.csv",
        "trn1/throughput_data_encoder_decoder.csv",
    ]  # data/raw/throughput_data_encoder.csv is not published


def test_payload_has_every_row_with_cost_under_every_pricing_model() -> None:
    payload = explorer_payload(DATA)
    assert payload["pricing_models"] == ["on-demand", "ri-effective", "spot"]
    assert payload["currency"] == "USD"
    assert payload["price_notes"] == {
        "on-demand": "on-demand hourly rate (USD) from prices.yaml, us-east-1, read 2026-11-22",
        "ri-effective": "ri-effective hourly rate (USD) from prices.yaml, us-east-1, "
                        "read 2025-05-20",
        "spot": "spot hourly rate (USD) from prices.yaml, us-east-1, read 2026-11-01",
    }
    rows = payload["rows"]
    assert len(rows) == 7
    assert rows[0] == {
        "model": "bert-base", "platform": "inf2", "instance": "inf2.xlarge", "batch_size": 1,
        "throughput": 800.0, "unit": "inferences", "latency_p50_ms": 1.2,
        "latency_p99_ms": 1.5,
        "cost_per_1m": {"on-demand": pytest.approx(1e6 / 800 * 0.7582 / 3600),
                        "ri-effective": pytest.approx(1e6 / 800 * 0.328 / 3600), "spot": None},
        "source": "test fixture", "table": "latency",
    }
    unstated = [row for row in rows if row["instance"] == "inf2 (size not stated)"]
    assert [row["cost_per_1m"] for row in unstated] == [
        {"on-demand": None, "ri-effective": None, "spot": None}] * 2
    (t5,) = [row for row in rows if row["model"] == "t5-small"]
    assert (t5["unit"], t5["latency_p99_ms"], t5["cost_per_1m"]["spot"]) == (
        "tokens", 4.0, pytest.approx(1e6 / 5000 * 0.40 / 3600))
    build_cost_payload(rows, price_notes=payload["price_notes"],
                       pricing_models=payload["pricing_models"])  # the export accepts them


def test_a_csv_without_throughput_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "prices.yaml").write_text("schema_version: 1\n", encoding="utf-8")
    (tmp_path / "cpu/latency_data_encoder.csv").write_text(
        "Model,Inst. Type,Latency P50 (ms)\nbert-base,unknown,3\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        explorer_payload(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path}/cpu/latency_data_encoder.csv:1: no throughput column (expected e.g. "
        "'Throughput (inference/sec)' or 'Throughput (tokens/second)')")


def test_the_repository_data_exports(tmp_path: Path) -> None:
    """Whatever is published in data/ now goes through the explorer's validation."""
    payload = explorer_payload(REPO / "data")
    build_cost_payload(payload["rows"], price_notes=payload["price_notes"],
                       pricing_models=payload["pricing_models"])


def test_build_writes_the_json_from_the_provider(site: Site) -> None:
    site.build()
    written = json.loads((site.srcdir / "_build/html/_static/cost-explorer.json")
                         .read_text(encoding="utf-8"))
    assert written["schema_version"] == 1
    assert len(written["rows"]) == 7
    assert written["pricing_models"] == ["on-demand", "ri-effective", "spot"]
