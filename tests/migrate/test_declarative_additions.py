"""What the migration needed from the declarative form: top n per group, per-platform
family keys, pandas-style rounding."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfcore.csvfile import read_csv_text
from perfcore.families import load_families
from perfcore.formats import format_number
from perfcore.tabledata import build_table
from perfcore.tablespec import SpecError, parse_spec
from perfcore.yamlfile import YamlError


def test_top_n_per_group_after_sorting(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Model,Speed\na,1\na,3\na,2\nb,5\n", encoding="utf-8")
    spec = parse_spec("data: t.csv\nsort: [Model, -Speed]\ntop: {n: 2, per: [Model]}\n")
    table = build_table(read_csv_text(path), spec)
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["a", "3"], ["a", "2"], ["b", "5"]]


@pytest.mark.parametrize(("text", "words"), [
    ("top: {n: 0, per: Model}", "positive whole number"),
    ("top: {n: 2}", "top must read"),
    ("top: 2", "must be a mapping"),
])
def test_top_errors(text: str, words: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(f"data: t.csv\n{text}\n")
    assert words in caught.value.message and caught.value.line == 2


def test_family_declares_keys_per_platform(tmp_path: Path) -> None:
    path = tmp_path / "families.yaml"
    path.write_text(
        "schema_version: 1\nfamilies:\n  decoder:\n    title: Decoder\n"
        "    throughput: Throughput (tokens/second)\n    columns: [Model, TTFT P50 (ms)]\n"
        "    platforms:\n      inf2:\n        columns: [Model, Weight Storage Data Type]\n",
        encoding="utf-8")
    catalog = load_families(path)
    assert catalog.get("decoder").columns == ("Model", "TTFT P50 (ms)")
    inf2 = catalog.get("decoder", "inf2")
    assert inf2.columns == ("Model", "Weight Storage Data Type")
    assert inf2.title == "Decoder" and inf2.throughput == "Throughput (tokens/second)"
    assert catalog.get("decoder", "trn1").columns == ("Model", "TTFT P50 (ms)")


def test_family_platform_with_unknown_key_names_line(tmp_path: Path) -> None:
    path = tmp_path / "families.yaml"
    path.write_text("schema_version: 1\nfamilies:\n  f:\n    columns: [A]\n    platforms:\n"
                    "      inf2:\n        colums: [B]\n", encoding="utf-8")
    with pytest.raises(YamlError) as caught:
        load_families(path)
    assert caught.value.line == 7 and "unknown key 'colums'" in caught.value.message


def test_round_format_rounds_as_pandas() -> None:
    assert format_number("round2", 1170.045) == "1170.04"  # pandas .round(2) shows 1170.04
    assert format_number(".2f", 1170.045) == "1170.05"
    assert format_number("round0", 2.5) == "2"
    assert format_number("round2", 649.1) == "649.10"


PRICES = ("schema_version: 1\ncurrency: USD\ninstances:\n  box.small:\n    region: us-east-1\n"
          "    prices:\n      on-demand: {rate: 0.6, read: 2025-01-01, source: list}\n")


def priced(tmp_path: Path):
    from perfcore.prices import load_price_catalog

    (tmp_path / "prices.yaml").write_text(PRICES, encoding="utf-8")
    return load_price_catalog(tmp_path / "prices.yaml")


def test_labels_show_the_old_headers_over_canonical_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Model,Inst. Type,Throughput (inference/sec)\na,box.small,100\n",
                    encoding="utf-8")
    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: Throughput (inference/sec)\n"
                      "columns: [Model, Throughput (inference/sec), Cost per 1M inferences]\n"
                      "labels: {Throughput (inference/sec): Avg Throughput (/sec)}\n")
    table = build_table(read_csv_text(path), spec, priced(tmp_path))
    assert table.columns == ("Model", "Avg Throughput (/sec)", "Cost per 1M inferences")
    assert [cell.text for cell in table.rows[0]] == ["a", "100", "$1.67"]


def test_rates_show_each_rows_hourly_rate(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Model,Inst. Type,T\na,box.small,100\nb,box.large,50\n", encoding="utf-8")
    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: T\n"
                      "rates: {On-Demand hourly rate: on-demand}\n")
    table = build_table(read_csv_text(path), spec, priced(tmp_path))
    assert table.columns == ("Model", "Inst. Type", "T", "Cost per 1M inferences",
                             "On-Demand hourly rate")
    assert [row[-1].text for row in table.rows] == ["0.6", "n/a"]


@pytest.mark.parametrize(("extra", "words"), [
    ("columns: [Model]\nlabels: {T: Speed}\n", "labels: 'T' not among the shown columns"),
    ("labels: {T: Model}\n", "two columns would both be shown as 'Model'"),
    ("rates: {Rate: spot}\n", "rates: Rate: pricing model 'spot' is not in"),
])
def test_labels_and_rates_errors(tmp_path: Path, extra: str, words: str) -> None:
    from perfcore.tabledata import SpecMismatch

    path = tmp_path / "t.csv"
    path.write_text("Model,Inst. Type,T\na,box.small,100\n", encoding="utf-8")
    spec = parse_spec(f"data: t.csv\npricing: on-demand\nthroughput: T\n{extra}")
    with pytest.raises(SpecMismatch) as caught:
        build_table(read_csv_text(path), spec, priced(tmp_path))
    assert words in str(caught.value)


def test_rates_need_pricing() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec("data: t.csv\nrates: {Rate: on-demand}\n")
    assert "'rates' is used only with 'pricing'" in caught.value.message
    assert parse_spec("data: t.csv\nrates: {}\nlabels: {}\n").labels == {}
