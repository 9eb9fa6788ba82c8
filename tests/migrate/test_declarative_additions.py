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
