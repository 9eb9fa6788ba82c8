"""The cost explorer's rows (perfcore/explorer.py): every published row by model id, costed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cost_site import ROOT, Site

from ext.cost_explorer import build_cost_payload
from perfcore.cost_rows import published_csvs
from perfcore.errors import DataFileError
from perfcore.explorer import explorer_payload

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
        "model": "bert-base", "model_name": "bert-base", "published_as": "bert-base",
        "platform": "inf2", "instance": "inf2.xlarge", "batch_size": 1,
        "throughput": 800.0, "unit": "inferences", "counts": "inferences",
        "latency_ms": {"batch-p50": 1.2, "batch-p99": 1.5},
        "cost_per_1m": {"on-demand": pytest.approx(1e6 / 800 * 0.7582 / 3600),
                        "ri-effective": pytest.approx(1e6 / 800 * 0.328 / 3600), "spot": None},
        "no_price": {"spot": "no spot price for inf2.xlarge in " + str(DATA / "prices.yaml")},
        "version": "not stated", "older": None,
        "source": "test fixture", "table": "latency", "copies": 0, "tokens_per_user": None,
        "display": {"throughput": "800", "tokens_per_user": "n/a",
                    "latency_ms": {"batch-p50": "1.2", "batch-p99": "1.5"},
                    "cost_per_1m": {"on-demand": "$0.263", "ri-effective": "$0.114",
                                    "spot": "n/a"}},
    }
    unstated = [row for row in rows if row["instance"] == "inf2 (size not stated)"]
    assert [row["cost_per_1m"] for row in unstated] == [
        {"on-demand": None, "ri-effective": None, "spot": None}] * 2
    assert {row["no_price"]["on-demand"] for row in unstated} == {
        "the source does not state the instance size"}
    (t5,) = [row for row in rows if row["model"] == "t5-small"]
    assert (t5["unit"], t5["latency_ms"], t5["cost_per_1m"]["spot"]) == (
        "tokens", {"token-p50": 3.0, "token-p99": 4.0}, pytest.approx(1e6 / 5000 * 0.40 / 3600))
    assert payload["latency_metrics"]["token-p99"]["label"] == "P99 per token (e2e)"
    build_cost_payload(rows, models=payload["models"], price_notes=payload["price_notes"],
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
    build_cost_payload(payload["rows"], models=payload["models"],
                       price_notes=payload["price_notes"],
                       pricing_models=payload["pricing_models"])


def test_build_writes_the_json_of_the_data_folder_without_a_setting(site: Site) -> None:
    """No cost_explorer_rows_provider in conf.py: the explorer reads df_table_data_dir."""
    site.write("explore.rst", "Explore\n=======\n\n.. cost-explorer::\n")
    site.write("index.rst", "Cost review\n===========\n\n.. toctree::\n\n   compare\n   sla\n"
                            "   explore\n")
    site.build()
    assert site.warning_lines() == []
    written = json.loads((site.srcdir / "_build/html/_static/cost-explorer.json")
                         .read_text(encoding="utf-8"))
    assert written["schema_version"] == 3
    assert len(written["rows"]) == 7
    assert written["pricing_models"] == ["on-demand", "ri-effective", "spot"]
