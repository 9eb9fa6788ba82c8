"""perf-diff and perf-chart in real Sphinx builds: output, errors, dependencies, -j."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from docutils import nodes

from ext.chart_directive import perf_chart

ROOTS = Path(__file__).parent / "roots"
EXTRA_PAGES = 6


def _strip_colors(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.mark.sphinx("html", testroot="review", freshenv=True)
def test_review_page_renders_diff_tables_and_charts(app, warning):
    app.build()
    assert _strip_colors(warning.getvalue()) == ""
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert html.count('<table class="df-table perf-diff-table') == 2
    assert 'class="row-odd perf-regression"' in html or 'perf-regression' in html
    assert "Comparing old.jsonl (old) with new.jsonl (new): 3 matched, 1 regressed" in html
    assert "gpt2 | inf2.xlarge | seq 128 | bf16 | batch 1 | offline | copies 1 | workers 1" in html
    assert "New rows (1)" in html and "Removed rows (1)" in html
    assert "Throughput: noise unknown: threshold only" in html
    assert "release-b/sweep_note.csv: skipped" in html
    # old, new and change are cells of their own, plain numbers a browser sorts as numbers
    assert "<td><p>1,000</p></td>\n<td><p>940</p></td>\n<td><p>-6.0</p></td>" in html
    assert "<td><p>$0.211</p></td>\n<td><p>$0.224</p></td>\n<td><p>+6.4</p></td>" in html
    assert ("Every changed row has Sequence Length 128, Model Data Type bf16, Mode offline, "
            "Model Copies 1, Workers per Model 1.") in html
    # only changes are listed; unchanged rows are counted
    assert html.count("1 matched row is unchanged (every metric within 5%): counted, "
                      "not listed.") == 2
    assert "repeats the key" not in html
    # header cells carry their column's role and priority (ext/column_roles.py)
    assert '<th class="head df-role-batch df-priority-1"><p>Batch Size</p></th>' in html
    assert "Cost uses on-demand rates (USD/hour) from prices.yaml, read 2026-11-22." in html
    images = sorted((app.outdir / "_images").glob("perf-chart-*.svg"))
    assert len(images) == 3
    for image in images:
        root = ET.parse(image).getroot()
        assert root[0].tag.endswith("title") and root[1].tag.endswith("desc")
        assert f'src="_images/{image.name}"' in html
    assert 'alt="Scatter of Latency P50 (ms) (x) against Throughput (inference/sec)' in html
    assert "Cost per 1M inferences (USD, on-demand rate, read 2026-11-22)" in html


@pytest.mark.sphinx("html", testroot="review", freshenv=True)
def test_inputs_are_page_dependencies(app):
    app.build()
    data = Path(app.srcdir) / "data"
    dependencies = {Path(app.srcdir) / d for d in app.env.dependencies["index"]}
    expected = {"old.jsonl", "new.jsonl", "prices.yaml", "throughput_data_encoder.csv",
                "sweep_throughput.csv", "sweep_latency.csv",
                "release-a/throughput_data_encoder.csv", "release-b/sweep_note.csv"}
    assert {data / name for name in expected} <= {d.resolve() for d in dependencies} | dependencies


@pytest.mark.sphinx("text", testroot="review", freshenv=True)
def test_other_builders_get_alt_text(app):
    app.build()
    text = (app.outdir / "index.txt").read_text(encoding="utf-8")
    assert "[Chart: Line chart of throughput and latency against batch_size" in text


@pytest.mark.sphinx("html", testroot="review-errors", freshenv=True)
def test_errors_are_located_warnings_and_visible_boxes(app, warning):
    app.build()
    src = Path(app.srcdir)
    data = src / "data"
    expected = [
        f"{src / 'index.rst'}:4: ERROR: perf-diff: :old: 'missing.jsonl' not found "
        f"(looked in {data / 'missing.jsonl'} and {src / 'missing.jsonl'}) [df_table.error]",
        f"{src / 'index.rst'}:8: ERROR: perf-diff: :threshold: expected a fraction like 0.05 "
        "or 5%, got 'five' [df_table.error]",
        f"{src / 'index.rst'}:13: ERROR: perf-diff: {data / 'bad.jsonl'}:2: invalid JSON "
        "(Expecting value); expected one results record (schema v1) per line [df_table.error]",
        f"{src / 'index.rst'}:17: ERROR: perf-chart: pareto chart: no column "
        "'Latency P90 (ms)' (columns: Model, Inst. Type, Throughput (inference/sec), Latency "
        "P50 (ms), Latency P99 (ms), Run Mode, Batch Size, Sequence Length, Model Data Type, "
        "Source) [df_table.error]",
        f"{src / 'index.rst'}:22: ERROR: perf-chart: data/torn.csv:3: expected 10 "
        "fields as in the header, found 3 [df_table.error]",
        f"{src / 'index.rst'}:26: ERROR: perf-chart: missing or unknown :kind: (one of "
        "pareto, cost, sweep, cost-speed) [df_table.error]",
        f"{src / 'index.rst'}:29: ERROR: perf-chart: missing or unknown :kind: (one of "
        "pareto, cost, sweep, cost-speed, got 'pie') [df_table.error]",
        f"{src / 'index.rst'}:33: WARNING: perf-chart: no on-demand price for 'inf2.xlarge' in "
        "data/prices.yaml: cost n/a [df_table.price]",
        f"{src / 'index.rst'}:33: ERROR: perf-chart: cost chart: no row has a numeric "
        "'Cost per 1M inferences' [df_table.error]",
        f"{src / 'index.rst'}:37: WARNING: perf-diff: no on-demand price in "
        "data/prices.yaml for inf2.xlarge: cost n/a [df_table.price]",
    ]
    assert _strip_colors(warning.getvalue()).splitlines() == expected
    html = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert html.count('<div class="df-table-error admonition error">') == 8
    assert "perf-diff: :threshold: expected a fraction like 0.05 or 5%, got 'five'" in html


def _multi_page_site(tmp_path: Path, name: str) -> Path:
    site = tmp_path / name
    shutil.copytree(ROOTS / "test-review", site)
    pages = [f"page{i}" for i in range(EXTRA_PAGES)]
    for page in pages:
        (site / f"{page}.rst").write_text(
            f"{page}\n{'=' * len(page)}\n\n.. perf-diff::\n   :old: old.jsonl\n"
            "   :new: new.jsonl\n", encoding="utf-8")
    index = site / "index.rst"
    index.write_text(index.read_text(encoding="utf-8") + "\n.. toctree::\n\n"
                     + "".join(f"   {p}\n" for p in pages), encoding="utf-8")
    return site


def test_parallel_build_gives_the_same_output(tmp_path, make_app):
    outputs = []
    for parallel in (1, 2):
        site = _multi_page_site(tmp_path, f"j{parallel}")
        app = make_app("html", srcdir=site, parallel=parallel, freshenv=True)
        app.build()
        if parallel > 1:
            assert app.is_parallel_allowed("read") and app.builder.parallel_ok
        out = Path(app.outdir)
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*"))
                        if p.is_file() and p.suffix in (".html", ".svg")})
    assert outputs[0].keys() == outputs[1].keys()
    assert outputs[0] == outputs[1]


def test_editing_a_csv_rereads_only_the_pages_that_use_it(tmp_path, make_app):
    site = _multi_page_site(tmp_path, "incremental")
    app = make_app("html", srcdir=site, freshenv=True)
    app.build()
    unchanged = make_app("html", srcdir=site)
    unchanged.build()
    assert "0 added, 0 changed, 0 removed" in _strip_colors(unchanged._status.getvalue())
    csv = site / "data" / "sweep_throughput.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("51.59", "52.00"), encoding="utf-8")
    again = make_app("html", srcdir=site)
    again.build()
    status = _strip_colors(again._status.getvalue())
    assert "0 added, 1 changed, 0 removed" in status
    assert re.search(r"reading sources\.\.\. \[100%\] index\b", status)


@pytest.mark.sphinx("html", testroot="review", freshenv=True)
def test_doctree_holds_chart_nodes_with_alt_text(app):
    app.build()
    doctree = app.env.get_doctree("index")
    charts = list(doctree.findall(perf_chart))
    assert [c["filename"].startswith("perf-chart-") for c in charts] == [True] * 3
    assert all(c["alt"] and c["svg"].lstrip().startswith("<?xml") for c in charts)
    tables = [t for t in doctree.findall(nodes.table) if "df-table" in t["classes"]]
    assert len(tables) == 2
