"""Unit tests of the Sphinx-free table logic (formats, CSV reading, specs, prices, tables)."""

from __future__ import annotations

import pytest

from perfcore.columns import unit_from_column
from perfcore.cost import cost_per_million
from perfcore.csvfile import read_csv_text
from perfcore.errors import DataFileError
from perfcore.formats import check_format, format_number, significant
from perfcore.numbers import AmbiguousNumberError, parse_number, parse_positive
from perfcore.ordering import sort_key
from perfcore.prices import parse_price_catalog
from perfcore.tabledata import build_table
from perfcore.tablespec import SpecError, looks_like_code, parse_spec
from perfcore.yamlfile import YamlError

CATALOG = """\
schema_version: 1
currency: USD
instances:
  inf2.xlarge:
    region: us-east-1
    prices:
      on-demand: {rate: 0.7582, read: 2026-11-22, source: fixture}
      ri-effective: {rate: 0.328, read: 2025-05-20, source: fixture}
unpriced:
  "inf2 (size not stated)": "size not stated by the source"
"""


def write_csv(tmp_path, text: str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_csv_text(path, name)


# formats -----------------------------------------------------------------------------------

def test_significant_keeps_small_values_meaningful():
    assert significant(0.083333, 3) == "0.0833"
    assert significant(17584.681, 3) == "17,585"
    assert significant(1.2345, 3) == "1.23"
    assert significant(0, 3) == "0"


@pytest.mark.parametrize(("fmt", "value", "text"), [
    ("$sig3", 0.083333, "$0.0833"),
    ("${:,.3f}", 1234.5, "$1,234.500"),
    (".2f", 2.2, "2.20"),
    ("sig2 ms", 0.0123, "0.012 ms"),
])
def test_format_number(fmt, value, text):
    assert format_number(fmt, value) == text


def test_check_format_rejects_a_broken_format():
    assert check_format("{:q}") == (
        "format '{:q}' cannot format a number: Unknown format code 'q' for object of type 'float'"
    )


def test_parse_number_reads_currency_and_rejects_text():
    assert parse_number("$1,234.5") == 1234.5
    assert parse_number("None") is None
    assert parse_number("") is None
    assert parse_number("nan") is None



@pytest.mark.parametrize(("text", "value"), [("1,650.25", 1650.25), ("1,650", 1650.0),
                                             ("12,345,678", 12345678.0), ("-1,000", -1000.0),
                                             ("812.5", 812.5), ("BERT 1,5 x", None)])
def test_thousands_groups_of_three_are_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["812,5", "1,65", "1,6500", "1,2,4", "12,34.5"])
def test_a_possible_decimal_comma_is_refused_not_read_as_a_bigger_number(text):
    with pytest.raises(AmbiguousNumberError, match="not a number this site reads"):
        parse_number(text)


def test_a_decimal_comma_in_a_csv_names_its_file_line_and_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('Model,Throughput (inference/sec)\nbert,"1,650"\ngpt,"812,5"\n')
    with pytest.raises(DataFileError, match=rf"^{path}:3: column 'Throughput \(inference/sec\)'"
                                            r": '812,5' is not a number"):
        read_csv_text(path)

def test_sort_key_natural_case_insensitive_missing_last():
    names = ["UNet", "resnet101", "n/a", "resnet18", "", "resnet34"]
    assert sorted(names, key=sort_key) == ["resnet18", "resnet34", "resnet101", "UNet", "n/a", ""]
    assert sorted(["10", "9", "100.5"], key=sort_key) == ["9", "10", "100.5"]


# CSV reading -------------------------------------------------------------------------------

def test_csv_values_stay_as_written(tmp_path):
    csv = write_csv(tmp_path, 'a,b,c\n2.20,None,"x, y"\n\n3,NA,\n')
    assert csv.columns == ("a", "b", "c")
    assert csv.rows == (("2.20", "None", "x, y"), ("3", "NA", ""))
    assert csv.lines == (2, 4)


def test_csv_row_with_wrong_field_count_names_file_and_line(tmp_path):
    with pytest.raises(DataFileError) as err:
        write_csv(tmp_path, "a,b\n1,2\n1,2,3\n")
    assert str(err.value) == "t.csv:3: expected 2 fields as in the header, found 3"


def test_csv_quoted_newline_counts_lines_from_the_start_of_the_row(tmp_path):
    with pytest.raises(DataFileError) as err:
        write_csv(tmp_path, 'a,b\n"multi\nline",2\n3\n')
    assert str(err.value) == "t.csv:4: expected 2 fields as in the header, found 1"


@pytest.mark.parametrize(("text", "message"), [
    ("", "t.csv: file is empty (expected a header row)"),
    ("a,,c\n", "t.csv:1: header column 2 has no name"),
    ("a,a\n", "t.csv:1: header names column 'a' twice"),
])
def test_csv_header_problems(tmp_path, text, message):
    with pytest.raises(DataFileError) as err:
        write_csv(tmp_path, text)
    assert str(err.value) == message


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataFileError) as err:
        read_csv_text(tmp_path / "nope.csv", "data/nope.csv")
    assert str(err.value) == "data/nope.csv: file not found"


# spec --------------------------------------------------------------------------------------

def test_code_bodies_are_told_apart_from_yaml_specs():
    assert looks_like_code("df = pd.read_csv('x.csv')\ndf['a'] = 1")
    assert not looks_like_code("data: x.csv\ncolumns: [a, b]")
    assert not looks_like_code("data: x.csv\nfilter: Model == bert-base")


def test_spec_parses_sort_filter_formats():
    spec = parse_spec("data: x.csv\nsort: [Model, -Cost]\nfilter: Model == 'bert-base'\n"
                      "formats: {T: sig3}")
    assert [(key.column, key.descending) for key in spec.sort] == [("Model", False),
                                                                   ("Cost", True)]
    assert (spec.filters[0].column, spec.filters[0].op, spec.filters[0].value) == (
        "Model", "==", "bert-base")
    assert spec.formats == {"T": "sig3"}


@pytest.mark.parametrize(("body", "line", "message"), [
    ("data: x.csv\ncolums: [a]", 2,
     "unknown key 'colums' (known keys: data, prices, pricing, throughput, unit, instance, "
     "columns, labels, rates, sort, formats, filter, top, peak, caption)"),
    ("data: x.csv\ncolumns: {a: 1}", 2, "columns must be a list of text values"),
    ("data: x.csv\nfilter: [Model is bert]", 2,
     "filter 'Model is bert' must read '<column> <op> <value>' with op one of == != <= >= < >"),
    ("data: x.csv\nformats:\n  T: '{:q}'", 3,
     "formats: T: format '{:q}' cannot format a number: "
     "Unknown format code 'q' for object of type 'float'"),
    ("data: x.csv\npricing: on-demand", 2,
     "'pricing' needs 'throughput' (the column the cost is computed from)"),
    ("columns: [a]", 1, "'data' is missing (the CSV file to show)"),
    ("data: x.csv\ndata: y.csv", 2,
     "the table spec: duplicate entry 'data' (first given on line 1)"),
])
def test_spec_errors_name_the_line(body, line, message):
    with pytest.raises(SpecError) as err:
        parse_spec(body)
    assert (err.value.line, err.value.message) == (line, message)


def test_spec_yaml_syntax_error_is_located():
    with pytest.raises(SpecError) as err:
        parse_spec("data: x.csv\ncolumns: [x\nsort: [y]")
    assert err.value.line in (2, 3)  # libyaml reports where the list ends, PyYAML where it began
    assert err.value.message.startswith("invalid YAML: ")


# prices ------------------------------------------------------------------------------------

def test_price_catalog_is_case_insensitive():
    catalog = parse_price_catalog(CATALOG, "prices.yaml")
    assert catalog.lookup("Inf2.XLarge").prices["ri-effective"].rate == 0.328
    assert catalog.unpriced_reason("INF2 (size not stated)") == "size not stated by the source"
    assert catalog.pricing_models() == ["on-demand", "ri-effective"]


def test_duplicate_price_entries_are_an_error():
    text = CATALOG.replace("unpriced:", "  Inf2.xlarge:\n    prices: {}\nunpriced:")
    with pytest.raises(YamlError) as err:
        parse_price_catalog(text, "prices.yaml")
    assert str(err.value) == (
        "prices.yaml:9: instances: duplicate entry 'Inf2.xlarge' (first given on line 4)")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("rate: 0.328", "rate: free", "prices.yaml:8: inf2.xlarge: ri-effective: rate must be a "
     "positive number (USD per hour), got 'free'"),
    ("rate: 0.328", "rate: 0", "prices.yaml:8: inf2.xlarge: ri-effective: rate must be a "
     "positive number (USD per hour), got '0'"),
    ("region:", "zone:",
     "prices.yaml:5: inf2.xlarge: unknown key 'zone' (expected region, prices)"),
    ("schema_version: 1", "schema_version: 2",
     "prices.yaml:1: schema_version 2 is not supported (expected 1)"),
])
def test_price_catalog_errors(old, new, message):
    with pytest.raises(YamlError) as err:
        parse_price_catalog(CATALOG.replace(old, new, 1), "prices.yaml")
    assert str(err.value) == message


# tables ------------------------------------------------------------------------------------

ROWS = """\
Model,Inst. Type,Throughput (tokens/second),Neuron Version
UNet,Inf2.xlarge,100,2.20
resnet101,inf2.xlarge,3600,2.20
resnet18,inf2 (size not stated),50,2.19
resnet34,trn9.huge,10,2.20
"""


def test_unit_and_cost():
    assert unit_from_column("Throughput (tokens/second)") == "tokens"
    assert unit_from_column("Throughput (inference/sec)") == "inferences"
    assert unit_from_column("Throughput") is None
    assert cost_per_million(1000.0, 3.6) == pytest.approx(1.0)


def test_build_table_keeps_every_row_and_explains_missing_costs(tmp_path):
    csv = write_csv(tmp_path, ROWS)
    spec = parse_spec("data: t.csv\npricing: ri-effective\nthroughput: Throughput (tokens/second)\n"
                      "sort: [Model]")
    table = build_table(csv, spec, parse_price_catalog(CATALOG, "prices.yaml"))
    assert table.columns[-1] == "Cost per 1M tokens"
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["resnet18", "inf2 (size not stated)", "50", "2.19", "n/a"],
        ["resnet34", "trn9.huge", "10", "2.20", "n/a"],
        ["resnet101", "inf2.xlarge", "3600", "2.20", "$0.0253"],
        ["UNet", "Inf2.xlarge", "100", "2.20", "$0.911"],
    ]
    assert table.row_lines == [4, 5, 3, 2]
    assert table.missing_prices == ["trn9.huge"]
    assert table.unpriced == {"inf2 (size not stated)": "size not stated by the source"}
    assert table.rows[0][-1].explanation == "size not stated by the source"
    assert table.cost_note == (
        "Cost per 1M tokens: ri-effective hourly rate (USD), us-east-1, prices read 2025-05-20.")


def test_sort_by_cost_uses_numbers_not_text(tmp_path):
    csv = write_csv(tmp_path, ROWS)
    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: Throughput (tokens/second)\n"
                      "sort: [-Cost per 1M tokens]\ncolumns: [Model, Cost per 1M tokens]")
    table = build_table(csv, spec, parse_price_catalog(CATALOG, "prices.yaml"))
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["UNet", "$2.11"], ["resnet101", "$0.0585"], ["resnet18", "n/a"], ["resnet34", "n/a"]]


def test_filter_and_peak(tmp_path):
    csv = write_csv(tmp_path, ROWS)
    spec = parse_spec("data: t.csv\nfilter: ['Throughput (tokens/second) >= 50', "
                      "'Neuron Version == 2.20']\npeak: Throughput (tokens/second)")
    table = build_table(csv, spec)
    assert [row[0].text for row in table.rows] == ["UNet", "resnet101"]
    assert table.peak_row == 1 and table.rows[1][2].strong


@pytest.mark.parametrize(("value", "problem"), [
    ("fast", "must be a number, got 'fast'"),
    ("0", "must be positive, got '0'"),
    ("-3", "must be positive, got '-3'"),
])
def test_bad_throughput_is_an_error_at_its_line(tmp_path, value, problem):
    csv = write_csv(tmp_path, ROWS.replace(",100,", f",{value},"))
    message = f"t.csv:2: Throughput (tokens/second) {problem}"
    spec = parse_spec("data: t.csv\npricing: on-demand\nthroughput: Throughput (tokens/second)")
    with pytest.raises(DataFileError) as err:
        build_table(csv, spec, parse_price_catalog(CATALOG, "prices.yaml"))
    assert str(err.value) == message


def test_missing_column_lists_the_columns(tmp_path):
    csv = write_csv(tmp_path, ROWS)
    with pytest.raises(DataFileError) as err:
        build_table(csv, parse_spec("data: t.csv\ncolumns: [Model, Latency]"))
    assert str(err.value) == ("column 'Latency' not found in t.csv; the columns are: Model, "
                              "Inst. Type, Throughput (tokens/second), Neuron Version")


# the site's own family catalog ---------------------------------------------------------------

def test_site_families_use_contract_column_names():
    from pathlib import Path

    from perfcore.columns import BY_NAME, TOKEN_TABLE, is_published
    from perfcore.families import load_families

    repo = Path(__file__).resolve().parents[2]
    catalog = load_families(repo / "data" / "families.yaml")
    specs = [(name, spec) for name, spec in catalog.families.items()]
    specs += [(f"{name} {platform}", spec) for name, platforms in catalog.per_platform.items()
              for platform, spec in platforms.items()]
    for name, spec in specs:
        unit = spec.unit or unit_from_column(spec.throughput)
        for column in spec.columns:
            assert is_published(column), (name, column)
            assert column in BY_NAME or column == f"Cost per 1M {unit}", (name, column)
    assert all(column in BY_NAME for column in TOKEN_TABLE)


def test_table_logic_imports_neither_sphinx_nor_pandas():
    """The core needs no pandas (its import dominated small builds) and no Sphinx."""
    import ast
    from pathlib import Path

    core_dir = Path(__file__).resolve().parents[2] / "perfcore"
    for path in sorted(core_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name.split(".")[0] for node in tree.body
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in tree.body
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert not imported & {"sphinx", "docutils", "pandas", "ext", "collect"}, path.name


# file cache and sweeps -----------------------------------------------------------------------

def test_file_cache_rereads_only_changed_files(tmp_path):
    import os

    from ext.filecache import FileCache

    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    cache, loads = FileCache(), []

    def load():
        loads.append(1)
        return read_csv_text(path)

    first = cache.get("csv", str(path), load)
    assert cache.get("csv", str(path), load) is first and len(loads) == 1
    path.write_text("a\n1\n2\n")
    os.utime(path, ns=(1, 1))
    assert cache.get("csv", str(path), load).rows == (("1",), ("2",)) and len(loads) == 2


def test_sweep_pivots_in_numeric_order_and_leaves_absent_cells_blank(tmp_path):
    from perfcore.sweep import build_sweep, parse_sweep_spec

    csv = write_csv(tmp_path, "Batch Size,Engine,Data Type,T,Status\n"
                              "16,HF,fp32,9.5,ok\n2,HF,fp32,3,ok\n2,DS,,4,ok\n16,HF,bf16,,oom\n")
    table = build_sweep(csv, parse_sweep_spec("data: t.csv\nvalue: T\npeak: yes"))
    assert table.columns == ("Batch Size", "HF (fp32)", "DS", "HF (bf16)")
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["2", "3", "4", ""], ["16", "9.5", "", "oom"]]
    assert [[cell.strong for cell in row] for row in table.rows] == [
        [False, False, True, False], [False, True, False, False]]
    assert table.row_lines == [3, 2]


def test_sweep_spec_errors():
    from perfcore.sweep import parse_sweep_spec

    with pytest.raises(SpecError) as err:
        parse_sweep_spec("data: t.csv\nvalue: T\npeak: maybe")
    assert (err.value.line, err.value.message) == (3, "peak must be true or false, got 'maybe'")
    with pytest.raises(SpecError) as err:
        parse_sweep_spec("data: t.csv")
    assert err.value.message == "'value' is missing"


def test_a_bound_is_a_positive_finite_number_named_by_its_unit():
    assert parse_positive("20", "milliseconds") == 20.0
    assert parse_positive(" 0.5 ", "tokens per second") == 0.5
    for text in ("0", "-1", "inf", "nan", "", None, "ten"):
        with pytest.raises(ValueError, match=r"must be a positive number of milliseconds, got"):
            parse_positive(text, "milliseconds")
