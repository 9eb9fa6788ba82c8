"""Every error and warning path, by exact text, in real builds; errors leave a visible box."""

from __future__ import annotations

import pytest

# The verbatim seed-002 bodies use astype(copy=True), which pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")


HEADER = "Errors\n======\n\n"
PRICED = "   pricing: on-demand\n   throughput: Throughput (inference/sec)\n"
KNOWN_KEYS = ("data, prices, pricing, throughput, unit, instance, columns, labels, rates, "
              "sort, formats, filter, top, peak, caption")
COLUMNS = "Model, Scripts, Inst. Type, Throughput (inference/sec), Neuron Version, " \
          "Compilation Autocast Data Type"
BAD_CSV = "Model,Inst. Type,Throughput (inference/sec)\nx,inf2.xlarge,10\ny,inf2.xlarge\n"
TPUT_CSV = "Model,Inst. Type,Throughput (inference/sec)\nx,inf2.xlarge,{}\n"

CASES = {
    "malformed_row": (
        {"data/bad.csv": BAD_CSV}, ".. df-table::\n\n   data: bad.csv\n",
        ["errors.rst:4: ERROR: df-table: data/bad.csv:3: expected 3 fields as in the header, "
         "found 2 [df_table.error]"]),
    "missing_file": (
        {}, ".. df-table::\n\n   data: nope.csv\n",
        ["errors.rst:4: ERROR: df-table: data/nope.csv: file not found [df_table.error]"]),
    "missing_column": (
        {}, ".. df-table::\n\n   data: models.csv\n   columns: [Model, Latency P50 (ms)]\n",
        [f"errors.rst:7: ERROR: df-table: column 'Latency P50 (ms)' not found in data/models.csv; "
         f"the columns are: {COLUMNS} [df_table.error]"]),
    "missing_sort_column": (
        {}, ".. df-table::\n\n   data: models.csv\n   sort: [Cost]\n",
        [f"errors.rst:7: ERROR: df-table: sort column 'Cost' not found in data/models.csv; "
         f"the columns are: {COLUMNS} [df_table.error]"]),
    "non_numeric_throughput": (
        {"data/t.csv": TPUT_CSV.format("fast")}, ".. df-table::\n\n   data: t.csv\n" + PRICED,
        ["errors.rst:4: ERROR: df-table: data/t.csv:2: Throughput (inference/sec) must be a "
         "number, got 'fast' [df_table.error]"]),
    "zero_throughput": (
        {"data/t.csv": TPUT_CSV.format("0")}, ".. df-table::\n\n   data: t.csv\n" + PRICED,
        ["errors.rst:4: ERROR: df-table: data/t.csv:2: Throughput (inference/sec) must be "
         "positive, got '0' [df_table.error]"]),
    "negative_throughput": (
        {"data/t.csv": TPUT_CSV.format("-1.5")}, ".. df-table::\n\n   data: t.csv\n" + PRICED,
        ["errors.rst:4: ERROR: df-table: data/t.csv:2: Throughput (inference/sec) must be "
         "positive, got '-1.5' [df_table.error]"]),
    "missing_price": (
        {"data/t.csv": TPUT_CSV.replace("inf2.xlarge", "trn9.huge").format(5)},
        ".. df-table::\n\n   data: t.csv\n" + PRICED,
        ["errors.rst:4: WARNING: df-table: no on-demand price for instance 'trn9.huge' "
         "(from data/t.csv) in data/prices.yaml; its cost shows n/a [df_table.price]"]),
    "unknown_pricing_model": (
        {}, ".. df-table::\n\n   data: models.csv\n   pricing: spot\n"
            "   throughput: Throughput (inference/sec)\n",
        ["errors.rst:7: ERROR: df-table: pricing model 'spot' is not in data/prices.yaml "
         "(it has: on-demand, ri-effective) [df_table.error]"]),
    "duplicate_price": (
        {"data/dup.yaml": "schema_version: 1\ninstances:\n  inf2.xlarge:\n    region: r\n"
                             "    prices: {}\n  INF2.xlarge:\n    prices: {}\n"},
        ".. df-table::\n\n   data: models.csv\n   prices: dup.yaml\n" + PRICED,
        ["errors.rst:4: ERROR: df-table: data/dup.yaml:6: instances: duplicate entry "
         "'INF2.xlarge' (first given on line 3) [df_table.error]"]),
    "unknown_key": (
        {}, ".. df-table::\n\n   data: models.csv\n   colums: [Model]\n",
        [f"errors.rst:7: ERROR: df-table: unknown key 'colums' (known keys: {KNOWN_KEYS}) "
         "[df_table.error]"]),
    "wrong_type": (
        {}, ".. df-table::\n\n   data: models.csv\n   sort:\n     Model: up\n",
        ["errors.rst:8: ERROR: df-table: sort must be a list of text values [df_table.error]"]),
    "code_not_enabled": (
        {}, ".. df-table::\n   :header-rows: 1\n\n   df = pd.read_csv('data/models.csv')\n",
        ["errors.rst:4: ERROR: df-table: this body is pandas code, which runs only when conf.py "
         "sets df_table_allow_code = True (or rewrite it as a declarative spec: data, columns, "
         "sort, ...) [df_table.error]"]),
    "unknown_family": (
        {}, ".. perf-family:: nope\n   :platform: inf2\n",
        ["errors.rst:4: ERROR: perf-family: data/families.yaml: no family 'nope' "
         "(families: encoder, decoder) [df_table.error]"]),
    "family_without_platform": (
        {}, ".. perf-family:: encoder\n",
        ["errors.rst:4: ERROR: perf-family: needs :platform: (the data/<platform>/ folder) "
         "[df_table.error]"]),
    "sweep_missing_column": (
        {}, ".. perf-sweep::\n\n   data: a100/sweep.csv\n   value: Tokens\n",
        ["errors.rst:4: ERROR: perf-sweep: data/a100/sweep.csv: column 'Tokens' not found; "
         "the columns are: Batch Size, Engine, Data Type, Throughput (tokens/second), "
         "Latency per Token (ms), Status [df_table.error]"]),
    "sweep_repeated_cell": (
        {"data/s.csv": "Batch Size,Engine,Data Type,T,Status\n1,HF,fp32,5,ok\n1,HF,fp32,6,ok\n"},
        ".. perf-sweep::\n\n   data: s.csv\n   value: T\n",
        ["errors.rst:4: ERROR: perf-sweep: data/s.csv:3: Batch Size 1 of HF (fp32) is repeated "
         "(first on line 2) [df_table.error]"]),
    "sweep_unknown_key": (
        {}, ".. perf-sweep::\n\n   data: a100/sweep.csv\n   value: T\n   colour: red\n",
        ["errors.rst:8: ERROR: perf-sweep: unknown key 'colour' (known keys: data, rows, series, "
         "value, also, status, peak, caption) [df_table.error]"]),
    "empty_body": (
        {}, ".. df-table::\n",
        ["errors.rst:4: ERROR: df-table: the table spec is empty (expected at least "
         "'data: <file.csv>') [df_table.error]"]),
    "family_table_with_body": (
        {}, ".. df-table::\n   :family: encoder\n   :platform: inf2\n   :variant: latency\n\n"
            "   data: x.csv\n",
        ["errors.rst:4: ERROR: df-table: a family table takes no body (its spec is in "
         "families.yaml) [df_table.error]"]),
    "family_table_without_variant": (
        {}, ".. df-table::\n   :family: encoder\n   :platform: inf2\n",
        ["errors.rst:4: ERROR: df-table: a family table needs :variant: [df_table.error]"]),
    "code_header_rows": (
        {}, ".. df-table::\n   :header-rows: 2\n\n   df = pd.read_csv('data/models.csv')\n",
        ["errors.rst:4: ERROR: df-table: :header-rows: must be 1 (the DataFrame's column names), "
         "got '2' [df_table.error]"]),
    "cell_markup": (
        {"data/m.csv": "Model,Scripts\nbert,:nope:`x`\n"}, ".. df-table::\n\n   data: m.csv\n",
        ['data/m.csv:2: ERROR: Unknown interpreted text role "nope". [docutils]']),
    "cell_reference": (
        {"data/m.csv": "Model,Scripts\nbert,ok\nbert,:ref:`nowhere`\n"},
        ".. df-table::\n\n   data: m.csv\n",
        ["data/m.csv:3: WARNING: undefined label: 'nowhere' [ref.ref]"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_text_and_box(site, case):
    files, body, expected = CASES[case]
    for relative, text in files.items():
        site.write(relative, text)
    site.write("errors.rst", HEADER + body)
    site.write("index.rst", (site.srcdir / "index.rst").read_text() + "   errors\n")
    site.build()
    assert site.warning_lines() == expected
    html = site.html("errors")
    if "ERROR: df-table" in expected[0] or "ERROR: perf-" in expected[0]:
        message = expected[0].split(": ERROR: ", 1)[1].rsplit(" [", 1)[0]
        assert '<div class="df-table-error admonition error">' in html
        assert html.count("df-table-error") == 1
        assert message.split(":")[0] in html


COMPAT_CASES = {
    "compat_malformed_row": (
        {"trn1/bad.csv": "a,b\n1,2\n3\n"}, "df = pd.read_csv('bad.csv')\n",
        ["trn1/encoder.rst:6: ERROR: df-table: trn1/bad.csv:3: expected 2 fields as in the "
         "header, found 1 [df_table.error]"]),
    "compat_exception": (
        {}, "df = pd.read_csv('throughput_data_encoder.csv')\ndf = df[['Model', 'Nope']]\n",
        ["trn1/encoder.rst:7: ERROR: df-table: the table code raised KeyError: \"['Nope'] not "
         "in index\" [df_table.error]"]),
    "compat_no_frame": (
        {}, "df = 3\n",
        ["trn1/encoder.rst:4: ERROR: df-table: the table code must leave a pandas DataFrame in "
         "'df' [df_table.error]"]),
    "compat_missing_file": (
        {}, "df = pd.read_csv('nope.csv')\n",
        ["trn1/encoder.rst:6: ERROR: df-table: trn1/nope.csv: file not found [df_table.error]"]),
}


@pytest.mark.parametrize("case", list(COMPAT_CASES))
def test_compat_error_text_and_box(compat_site, case):
    files, code, expected = COMPAT_CASES[case]
    for relative, text in files.items():
        compat_site.write(relative, text)
    body = "".join(f"   {line}\n" for line in code.splitlines())
    compat_site.write("trn1/encoder.rst", HEADER + ".. df-table::\n\n" + body)
    compat_site.build()
    assert compat_site.warning_lines() == expected
    assert '<div class="df-table-error admonition error">' in compat_site.html("trn1/encoder")
