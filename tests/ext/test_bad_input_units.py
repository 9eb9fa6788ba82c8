"""Issue 9: bad input in data files is a located error (file and line), Sphinx-free units."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfcore.csvfile import read_csv_text
from perfcore.errors import DataFileError


def _read(tmp_path: Path, data: bytes):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return read_csv_text(path, "data/t.csv")


@pytest.mark.parametrize(("data", "message"), [
    (b'a,b\n1,2\n3,"x\n4,5\n',
     "data/t.csv:3: unreadable CSV: a quoted field is not closed (a '\"' is missing)"),
    (b"a,b\n1,2\n3,caf\xe9\n",
     "data/t.csv:3: not UTF-8 text: byte 0xe9 at column 6 (save the file as UTF-8)"),
    (b'a,b\n1,"q"x\n', "data/t.csv:2: unreadable CSV: ',' expected after '\"'"),
    (b"a,b,\n1,2,\n", "data/t.csv:1: header column 3 has no name (a trailing comma?)"),
])
def test_csv_syntax_and_encoding_errors_name_the_line(tmp_path, data, message):
    with pytest.raises(DataFileError) as err:
        _read(tmp_path, data)
    assert str(err.value) == message


def test_bom_and_crlf_csv_reads_like_a_plain_one(tmp_path):
    csv = _read(tmp_path, "\ufeffModel,Inst. Type\r\nbert,inf2.xlarge\r\n\r\nx,y\r\n".encode())
    assert csv.columns == ("Model", "Inst. Type")
    assert csv.rows == (("bert", "inf2.xlarge"), ("x", "y"))
    assert csv.lines == (2, 4)


# -- table logic: cost notes, filters, sweeps (no Sphinx) ------------------------------------

PRICES = """\
schema_version: 1
instances:
  inf2.xlarge:
    region: us-east-1
    prices:
      on-demand: {rate: 0.7582, read: 2026-11-22}
"""


def _csv(tmp_path: Path, text: str):
    return _read(tmp_path, text.encode())


def test_cost_note_says_why_every_cost_is_na_and_an_empty_table_has_none(tmp_path):
    from perfcore.prices import parse_price_catalog
    from perfcore.tabledata import Rows, add_cost, build_table
    from perfcore.tablespec import parse_spec

    catalog = parse_price_catalog(PRICES, "data/prices.yaml")
    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: T")
    csv = _csv(tmp_path, "Model,Inst. Type,T\nbert,trn9.huge,10\n")
    table = build_table(csv, spec, catalog)
    assert table.cost_note == ("Cost per 1M inferences: n/a in every row; data/prices.yaml has "
                               "no on-demand price for any instance of this table.")
    empty = Rows.from_csv(csv).take([])
    _, report = add_cost(empty, spec, catalog, "Cost per 1M inferences")
    assert report.cost_note is None


def test_cells_without_a_number_never_pass_an_ordered_filter(tmp_path):
    from perfcore.tabledata import Rows, apply_filters
    from perfcore.tablespec import parse_spec

    csv = _csv(tmp_path, "Model,T\na,5\nb,\nc,n/a\ne,oom\nd,7\n")
    rows = apply_filters(Rows.from_csv(csv), parse_spec("data: t.csv\nfilter: T > 1").filters)
    assert [record["Model"] for record in rows.records] == ["a", "d"]


def test_sweep_ok_with_text_value_is_an_error(tmp_path):
    from perfcore.sweep import build_sweep, parse_sweep_spec

    csv = _csv(tmp_path, "Batch Size,Engine,Data Type,T,L,Status\n1,HF,fp32,5,,ok\n")
    with pytest.raises(DataFileError) as err:
        build_sweep(csv, parse_sweep_spec("data: t.csv\nvalue: T\nalso: L"))
    assert str(err.value) == "data/t.csv:2: Status is ok but L is empty (expected a number)"


@pytest.mark.parametrize(("target", "safe"), [
    ("https://example.com/x", True), ("HTTP://example.com", True), ("other.html#a", True),
    ("../b/c.html", True), ("//cdn.example.com/x", True), ("javascript:alert(1)", False),
    ("JavaScript:alert(1)", False), ("java\tscript:alert(1)", False),
    (" \x01javascript:x", False), ("data:text/html,<b>", False), ("vbscript:x", False),
    ("mailto:a@b.c", False),
])
def test_only_http_and_relative_targets_are_safe(target, safe):
    from ext.render import safe_target

    assert safe_target(target) is safe


@pytest.mark.parametrize(("body", "problem"), [
    ("data: x.csv", None),
    ("just words", None),
    ("df = pd.read_csv('x.csv'", (1, "the body looks like pandas code but is not valid "
                                     "Python: '(' was never closed")),
    ("frame = pd.read_csv('x.csv')", (1, "the body is Python code but never assigns 'df' "
                                          "(compatibility code must leave the table's "
                                          "DataFrame in df)")),
])
def test_code_bodies_say_what_is_wrong(body, problem):
    from perfcore.tablespec import code_problem

    assert code_problem(body) == problem


def test_spec_lines_are_page_lines():
    from perfcore.tablespec import SpecError, parse_spec

    spec = parse_spec("data: x.csv\ncolumns: [a]", first_line=20)
    assert spec.key_lines == {"data": 20, "columns": 21}
    with pytest.raises(SpecError) as err:
        parse_spec("data: x.csv\ndata: y.csv", first_line=20)
    assert (err.value.line, err.value.message) == (
        21, "the table spec: duplicate entry 'data' (first given on line 20)")


@pytest.mark.parametrize("loader", ["prices", "families"])
def test_catalog_with_bytes_that_are_not_utf8_names_the_line(tmp_path, loader):
    """Own case: a families.yaml saved as Latin-1 used to crash the build with a traceback."""
    from perfcore.families import load_families
    from perfcore.prices import load_price_catalog
    from perfcore.yamlfile import YamlError

    path = tmp_path / "catalog.yaml"
    path.write_bytes(b"schema_version: 1\n# caf\xe9\n")
    with pytest.raises(YamlError) as err:
        (load_price_catalog if loader == "prices" else load_families)(path)
    assert str(err.value) == (f"{path}:2: not UTF-8 text: byte 0xe9 at column 6 "
                              "(save the file as UTF-8)")


def test_a_cost_in_another_currency_is_never_shown_with_a_dollar_sign(tmp_path):
    """Own case: ``currency: EUR`` used to show costs as ``$...``."""
    from perfcore.prices import parse_price_catalog
    from perfcore.tabledata import build_table
    from perfcore.tablespec import parse_spec

    catalog = parse_price_catalog(PRICES.replace("instances:", "currency: EUR\ninstances:"),
                                  "data/prices.yaml")
    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: T")
    table = build_table(_csv(tmp_path, "Model,Inst. Type,T\nbert,inf2.xlarge,100\n"), spec,
                        catalog)
    assert table.rows[0][-1].text == "2.11 EUR"
    assert table.cost_note.startswith("Cost per 1M inferences: on-demand hourly rate (EUR)")


def test_an_empty_instance_cell_in_a_priced_table_names_its_line(tmp_path):
    """Own case: it used to warn about a missing price for instance ''."""
    from perfcore.prices import parse_price_catalog
    from perfcore.tabledata import build_table
    from perfcore.tablespec import parse_spec

    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: T")
    csv = _csv(tmp_path, "Model,Inst. Type,T\nbert,inf2.xlarge,100\ngpt, ,5\n")
    with pytest.raises(DataFileError) as err:
        build_table(csv, spec, parse_price_catalog(PRICES, "data/prices.yaml"))
    assert str(err.value) == "data/t.csv:3: Inst. Type is empty (the instance the cost is for)"


@pytest.mark.parametrize("key", ["unit: tokens", "prices: other.yaml"])
def test_cost_keys_without_pricing_are_an_error(key):
    """Own case: 'unit' or 'prices' without 'pricing' did nothing, silently."""
    from perfcore.tablespec import SpecError, parse_spec

    with pytest.raises(SpecError) as err:
        parse_spec(f"data: x.csv\n{key}", first_line=6)
    name = key.split(":")[0]
    assert (err.value.line, err.value.message) == (
        7, f"'{name}' is used only with 'pricing' (the cost column); add 'pricing' or remove it")


def test_code_assigning_df_inside_a_block_is_code():
    from perfcore.tablespec import looks_like_code

    assert looks_like_code("if True:\n    df = pd.read_csv('x.csv')")
