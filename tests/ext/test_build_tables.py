"""Real Sphinx builds of the test site: the rendered tables, cell by cell."""

from __future__ import annotations

from pathlib import Path

import pytest
from df_site import tables
from docutils import nodes

# The verbatim seed-002 bodies use astype(copy=True), which pandas 3 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")


PRICED = [
    ["Model", "Inst. Type", "Throughput (inference/sec)", "Neuron Version",
     "Cost per 1M inferences"],
    ["resnet18", "inf2.xlarge", "1,200", "2.19", "$0.0759"],
    ["resnet34", "inf2.xlarge", "1,000", "2.20", "$0.0911"],
    ["resnet34", "inf2 (size not stated)", "900", "2.20", "n/a"],
    ["resnet101", "inf2.48xlarge", "3,000", "2.20", "$0.519"],
    ["UNet", "Inf2.xlarge", "12.5", "2.20", "$7.29"],
]


def test_site_builds_without_any_warning(site):
    site.build()
    assert site.warning_lines() == []


def test_priced_table_snapshot(site):
    app = site.build()
    assert tables(app, "priced") == [PRICED]
    html = site.html("priced")
    assert ('<abbr title="the source does not state the instance size">n/a</abbr>') in html
    assert ('<p class="df-table-cost-note">Cost per 1M inferences: ri-effective hourly rate '
            "(USD), us-east-1, prices read 2025-05-20.</p>") in html
    assert ('<p class="df-table-cost-note">n/a for inf2 (size not stated): the source does not '
            "state the instance size</p>") in html


def test_plain_table_filters_sorts_descending_and_marks_the_peak(site):
    app = site.build()
    assert tables(app, "plain") == [[
        ["Model", "Scripts", "Throughput (inference/sec)", "Compilation Autocast Data Type"],
        ["resnet18", "resnet18", "1200.50", "None"],
        ["resnet34", "resnet34", "1000", "NA"],
        ["resnet34", "resnet34", "900", "None"],
        ["UNet", "Script", "12.5", "None"],
    ]]
    html = site.html("plain")
    assert '<tr class="df-peak row-even"><td><p>resnet18</p></td>' in html
    assert "<td><p><strong>1200.50</strong></p></td>" in html
    assert ('<a class="extlink-benchmark-pt reference external" '
            'href="https://example.com/benchmarks/resnet18">resnet18</a>') in html
    assert '<a class="reference external" href="https://example.com/unet">Script</a>' in html
    assert '<span class="caption-text">Fastest first</span>' in html


def test_cells_carry_the_csv_file_and_line(site):
    app = site.build()
    doctree = app.env.get_doctree("plain")
    body_rows = [row for row in doctree.findall(nodes.row) if row.parent.tagname == "tbody"]
    csv = str(site.srcdir / "data" / "models.csv")
    assert [(row[0].source, row[0].line) for row in body_rows] == [
        (csv, 4), (csv, 6), (csv, 5), (csv, 2)]


def test_family_tab_set_and_empty_family(site):
    app = site.build()
    assert tables(app, "family") == [
        [["Model", "Inst. Type", "Throughput (inference/sec)", "Latency P50 (ms)",
          "Cost per 1M inferences", "Batch Size"],
         ["bert-base", "inf2.xlarge", "2000", "4.0", "$0.0456", "8"],
         ["bert-base", "inf2.48xlarge", "24000", "4.2", "$0.0649", "8"]],
        [["Model", "Inst. Type", "Throughput (inference/sec)", "Latency P50 (ms)",
          "Cost per 1M inferences", "Batch Size"],
         ["bert-base", "inf2.xlarge", "900", "1.1", "$0.101", "1"]],
    ]
    html = site.html("family")
    assert 'data-sync-id="throughput"' in html and 'data-sync-id="latency"' in html
    assert "Throughput optimized</label>" in html and "Latency optimized</label>" in html
    assert html.count("<strong>Cost per 1M inferences</strong> uses the RI-effective") == 2
    assert '<p class="df-table-empty">No published results yet.</p>' in html


def test_sweep_keeps_oom_and_bolds_each_series_peak(site):
    app = site.build()
    assert tables(app, "sweep") == [[
        ["Batch Size", "HF (fp32)", "DS-inference (fp16)"],
        ["1", "51.59 | 19.38", "61.61 | 16.23"],
        ["2", "103.92 | 9.62", "121.55 | 8.23"],
        ["1024", "oom", "11534.95 | 0.09"],
    ]]
    html = site.html("sweep")
    assert "<td><p><strong>103.92 | 9.62</strong></p></td>" in html
    assert "<td><p><strong>11534.95 | 0.09</strong></p></td>" in html


def test_compat_bodies_render_seed_002_tables(compat_site):
    app = compat_site.build()
    assert compat_site.warning_lines() == []
    assert tables(app, "trn1/encoder") == [
        [["Model", "Inst. Type", "Throughput (inference/sec)", "Latency P50 (ms)",
          "Cost per 1M inferences", "Neuron Version", "Compilation Autocast Data Type"],
         ["bert-base", "trn1.2xlarge", "1503.46", "5.32", "$0.095", "2.20", "None"],
         ["bert-base", "trn1.32xlarge", "22000.5", "5.5", "$0.103", "2.20", "bf16"],
         ["bert-large", "trn1.2xlarge", "501.2", "12.04", "$0.284", "2.19", "None"],
         ["bert-large", "trn1.32xlarge", "7300", "14.2", "$0.312", "2.20", "None"]],
        [["Model", "Inst. Type", "Batch Size", "Neuron Version"],
         ["bert-large", "trn1.32xlarge", "1", "2.20"],
         ["bert-base", "trn1.2xlarge", "1", "2.20"]],
    ]
    deps = {str(path) for path in app.env.dependencies["trn1/encoder"]}
    assert deps == {str(compat_site.srcdir / "trn1" / "throughput_data_encoder.csv"),
                    str(compat_site.srcdir / "trn1" / "trn1_instance_prices.csv")}


def test_compat_sort_orders_formatted_costs_by_value(compat_site):
    compat_site.write("trn1/encoder.rst", """\
Encoder Models
==============

.. df-table::

   df = pd.read_csv('throughput_data_encoder.csv')
   df['Cost'] = (1e9 / df['Throughput (inference/sec)']).map('${:,.3f}'.format)
   df = df[['Model', 'Cost']].sort_values('Cost')
""")
    app = compat_site.build()
    assert [row[1] for row in tables(app, "trn1/encoder")[0]] == [
        "Cost", "$45,453.512", "$136,986.301", "$665,134.197", "$1,995,211.492"]


def test_repository_families_render_on_a_platform_page(site):
    """data/families.yaml of the repository, with fixture CSVs carrying its columns."""
    from df_site import REPO

    from perfcore.families import load_families

    catalog = load_families(REPO / "data" / "families.yaml")
    families = {name: catalog.get(name, "inf2") for name in catalog.families}  # inf2's keys
    site.write("data/families.yaml", (REPO / "data" / "families.yaml").read_text())
    (site.srcdir / "data" / "inf2" / "latency_data_encoder.csv").unlink()
    page = "Platform\n========\n\n"
    for name, spec in families.items():
        columns = [column for column in spec.columns if not column.startswith("Cost per 1M")]
        row = ["inf2.xlarge" if column == "Inst. Type" else "250" if column == spec.throughput
               else f"{column[:3]}-{name}" for column in columns]
        site.write(f"data/inf2/throughput_data_{name}.csv",
                   ",".join(columns) + "\n" + ",".join(row) + "\n")
        page += f"{spec.title}\n{'-' * len(spec.title)}\n\n.. perf-family:: {name}\n" \
                "   :platform: inf2\n\n"
    site.write("platform.rst", page)
    site.write("index.rst", (site.srcdir / "index.rst").read_text() + "   platform\n")
    app = site.build()
    assert [line for line in site.warning_lines() if "family.rst" not in line] == []
    rendered = tables(app, "platform")
    assert [len(table) for table in rendered] == [2] * len(families)  # header and the one row
    assert [table[1][table[0].index(label)] for table, label in zip(rendered[:3], [
        "Cost per 1M inferences", "Cost per 1M tokens", "Cost per 1M tokens"], strict=True)
    ] == ["$0.364", "$0.364", "$0.364"]
    assert site.html("platform").count("No published results yet.") == len(families)  # latency


def test_verbatim_seed_002_section_renders(compat_site):
    """The encoder-decoder section of the published page, unchanged, with fixture CSVs."""
    app = compat_site.build()
    assert compat_site.warning_lines() == []
    throughput, latency = tables(app, "trn1/encoder_decoder")
    assert throughput == latency
    assert [row[:9] for row in throughput] == [
        ["Model", "Scripts", "Framework", "Inst. Type", "Task", "Throughput (tokens/second)",
         "Latency per Token P50 (ms)", "Latency per Token P99 (ms)", "Cost per 1M inferences"],
        ["flan-t5-xl", "", "PyTorch 2.7", "trn1.2xlarge", "Text Generation", "130.5", "7.5",
         "8.25", "$1.090"],
        ["t5-3b", "", "PyTorch 2.7", "trn1.2xlarge", "Text Generation", "100", "10.0", "10.5",
         "$1.422"],
        ["t5-3b", "t5", "PyTorch 2.7", "trn1.32xlarge", "Text Generation", "1200.46", "3.01",
         "3.5", "$1.897"],
    ]
    assert [row[9:] for row in throughput[1:]] == [
        ["Real Time", "2.20", "Tensor Parallel", "2", "1", "1", "128", "128", "84", "BF16", "None"],
        ["Real Time", "2.19", "Tensor Parallel", "2", "1", "1", "128", "128", "84", "FP32", "NA"],
        ["Batch", "2.20", "Tensor Parallel", "8", "4", "1", "128", "128", "84", "FP32", "None"],
    ]
    deps = {path.name for path in map(Path, app.env.dependencies["trn1/encoder_decoder"])}
    assert deps == {"throughput_data_encoder_decoder.csv", "latency_data_encoder_decoder.csv",
                    "trn1_instance_prices.csv"}
