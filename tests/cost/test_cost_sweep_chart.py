"""perf-chart :kind: sweep on the published long-form sweep CSV, and ``import ext``'s weight."""

from __future__ import annotations

import subprocess
import sys

from cost_site import ROOT, Site
from docutils import nodes

from ext.chart_directive import perf_chart

PAGE = "Sweep\n=====\n\n.. perf-chart::\n   :kind: sweep\n   :data: a100/sweep_bloom.csv\n"


def test_long_form_sweep_draws_one_line_per_engine_and_type(site: Site) -> None:
    site.write("sweep.rst", PAGE)
    app = site.build()
    assert [line for line in site.warning_lines() if "toctree" not in line] == []
    (chart,) = app.env.get_doctree("sweep").findall(perf_chart)
    assert chart["alt"] == (
        "Line chart of throughput and latency against Batch Size, one line per series; the "
        "peak Throughput (tokens/second) of each series is starred and out-of-memory (oom) "
        "batch sizes are crosses on a gap in the line. HF (fp32): peak 104 at Batch Size 2, "
        "oom from Batch Size 4; DS-inference (fp16): peak 230 at Batch Size 4.")
    assert "Latency per Token (ms)" in chart["svg"]


def test_repeated_sweep_row_is_an_error_naming_the_line(site: Site) -> None:
    csv = site.srcdir / "data/a100/sweep_bloom.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "2,HF,fp32,1,1,ok,x\n", encoding="utf-8")
    site.write("sweep.rst", PAGE)
    app = site.build()
    (box,) = app.env.get_doctree("sweep").findall(nodes.error)
    assert box.astext() == ("perf-chart: data/a100/sweep_bloom.csv:8: Batch Size 2 of HF "
                            "(fp32) is repeated (first on line 3)")


def test_import_ext_does_not_import_pandas() -> None:
    code = ("import sys; import ext; heavy = [m for m in ('pandas', 'numpy', 'matplotlib') "
            "if m in sys.modules]; assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT.parents[3],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
