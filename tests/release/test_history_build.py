"""Real Sphinx builds of ``perf-history`` and ``perf-release-changes`` on fixture releases."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from docutils import nodes
from sphinx.testing.util import SphinxTestApp

from collect.release.importer import import_releases
from perfcore.releases import freeze_release

ENCODER = ("Model,Inst. Type,Throughput (inference/second),Latency P50 (ms),Latency P99 (ms),"
           "Neuron Version,Run Mode,Batch Size,Sequence Length,Model Data Type\n")
LATEST = {  # release 1.11, frozen from data/ (test values)
    "model-a": "140,5,6,1.11.0,Data Parallel,8,128,FP32",
    "model-e": "30,5,6,1.11.0,Data Parallel,8,128,FP32",
}

HISTORY_PAGE = """History
=======

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: model-a
   :instance: INF2.xlarge
   :metric: Throughput (inference/second)

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: model-b
   :instance: inf2.xlarge
   :metric: Throughput (inference/second)
   :title: model-b over releases

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: model-f
   :instance: inf2.xlarge
   :metric: Throughput (inference/second)
   :where: Batch Size=8
"""

CHANGES_PAGE = """Changes
=======

.. perf-release-changes::
   :threshold: 5%
"""

ERRORS_PAGE = """Errors
======

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: no-such-model
   :instance: inf2.xlarge
   :metric: Throughput (inference/second)

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: model-a
   :instance: trn1.2xlarge
   :metric: Throughput (inference/second)

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: model-f
   :instance: inf2.xlarge
   :metric: Throughput (inference/second)

.. perf-history::
   :table: inf2/throughput_data_encoder.csv
   :model: model-a
   :instance: inf2.xlarge
"""


@pytest.fixture
def site(tmp_path: Path, source_tree: Path, data_dir: Path) -> Path:
    """A Sphinx project whose data/releases holds 1.9.0, 1.10.0 (imported) and 1.11 (frozen)."""
    import_releases(source_tree, data_dir)
    rows = [f"{model},inf2.xlarge,{rest}" for model, rest in LATEST.items()]
    rows += ["model-f,inf2.xlarge,1,5,6,1.11.0,Data Parallel,1,128,FP32",
             "model-f,inf2.xlarge,2,5,6,1.11.0,Data Parallel,8,128,FP32"]
    published = data_dir / "inf2" / "throughput_data_encoder.csv"
    published.parent.mkdir(parents=True)
    published.write_text(ENCODER + "\n".join(rows) + "\n", encoding="utf-8")
    freeze_release(data_dir, "1.11", "2023-04-01", "test fixture")
    srcdir = tmp_path / "site"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        f'extensions = ["ext"]\ndf_table_data_dir = {str(data_dir)!r}\n'
        'exclude_patterns = ["_build"]\n', encoding="utf-8")
    (srcdir / "index.rst").write_text(
        "Site\n====\n\n.. toctree::\n\n   history\n   changes\n   errors\n", encoding="utf-8")
    for name, text in (("history", HISTORY_PAGE), ("changes", CHANGES_PAGE),
                       ("errors", ERRORS_PAGE)):
        (srcdir / f"{name}.rst").write_text(text, encoding="utf-8")
    return srcdir


def _build(srcdir: Path) -> tuple[SphinxTestApp, str]:
    warning = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    return app, re.sub(r"\x1b\[[0-9;]*m", "", warning.getvalue())


def _tables(app: SphinxTestApp, docname: str) -> list[list[list[str]]]:
    doctree = app.env.get_doctree(docname)
    return [[[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
            for table in doctree.findall(nodes.table)]


def test_history_page_draws_values_and_gaps(site: Path) -> None:
    app, warnings = _build(site)
    assert "history.rst" not in warnings
    first, second, third = _tables(app, "history")
    assert first[0] == ["Release", "Date", "Throughput (inference/second)", "Neuron Version",
                        "Batch Size", "Configuration change", "Row"]
    # version order (1.9.0 < 1.10.0 < 1.11), values as written, the row each came from
    assert [row[:3] for row in first[1:]] == [["1.9.0", "2023-02-01", "101.5"],
                                              ["1.10.0", "2023-03-01", "125"],
                                              ["1.11", "2023-04-01", "140"]]
    assert first[1][6] == "1.9.0/inf2/throughput_data_encoder.csv:2"
    # model-b: its 1.10.0 table was superseded, so that release is a gap saying why
    assert [row[2] for row in second[1:]] == ["50", "gap: no row", "gap: no row"]
    # :where: picks one of model-f's two rows of 1.11
    assert [row[2] for row in third[1:]] == ["gap: no row", "gap: no row", "2"]
    html = (site / "_build" / "html" / "history.html").read_text(encoding="utf-8")
    images = re.findall(r'src="_images/(perf-history-[0-9a-f]+\.svg)"', html)
    assert len(images) == 3
    svg = (site / "_build" / "html" / "_images" / images[1]).read_text(encoding="utf-8")
    assert "<title" in svg and "model-b over releases" in svg
    assert "1.10.0: no value" in svg  # the description names the gap


def test_release_changes_compare_the_last_two_releases(site: Path) -> None:
    app, warnings = _build(site)
    assert "changes.rst" not in warnings
    text = app.env.get_doctree("changes").astext()
    assert "Release 1.11 (2023-04-01) compared with release 1.10.0 (2023-03-01)" in text
    assert "possible regression or improvement" in text
    assert "possible improvement" in text  # model-a 125 -> 140, no spread published
    assert "New rows (3)" in text and "model-e" in text and "model-f" in text
    assert "Removed rows (1)" in text and "model-d" in text


def test_options_that_name_nothing_are_error_boxes_and_warnings(site: Path) -> None:
    app, warnings = _build(site)
    lines = [line for line in warnings.splitlines() if "errors.rst" in line]
    assert len(lines) == 4, warnings
    assert "no release of inf2/throughput_data_encoder.csv has a row with Model " \
           "'no-such-model' (models: model-a, model-b, model-d, model-e, model-f)" in lines[0]
    assert "has 'model-a' on 'trn1.2xlarge' (its instances: Inf2.xlarge, inf2.xlarge)" in lines[1]
    assert re.search(r"1\.11/inf2/throughput_data_encoder\.csv:5: 2 rows match \(lines 4, 5\); "
                     r"narrow them with :where: on one of Throughput \(inference/second\), "
                     r"Batch Size", lines[2])
    assert "missing option(s) :metric:" in lines[3]
    boxes = list(app.env.get_doctree("errors").findall(nodes.error))
    assert len(boxes) == 4
