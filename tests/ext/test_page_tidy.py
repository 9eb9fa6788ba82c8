"""Column roles on header cells, MathML at build, image sizes: real Sphinx builds and the pure
functions under them."""

from __future__ import annotations

import re

import pytest
from df_site import Site

from ext.image_sizes import svg_size
from perfcore.columns import column_priority, column_role

SVG = ('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="504pt" '
       'height="345.6pt" viewBox="0 0 504 345.6"><rect/></svg>')


@pytest.mark.parametrize(("label", "role", "priority"), [
    ("Model", "model", 1), ("Inst. Type", "instance", 1), ("Instance", "instance", 1),
    ("Batch Size", "batch", 1), ("Throughput (inference/sec)", "throughput", 1),
    ("Avg Throughput (/sec)", "throughput", 1),  # a legacy name of the same column
    ("Output Token Throughput (tokens/second)", "throughput", 1),
    ("Latency P99 (ms)", "bound-latency", 1), ("TTFT P99 (ms)", "bound-latency", 1),
    ("P99 (ms)", "bound-latency", 1), ("Latency TTFT P99 (ms)", "bound-latency", 1),
    ("Cost per 1M tokens (on-demand)", "cost", 1), ("Cost (ri-effective)", "cost", 1),
    ("Note", "other", 2), ("Verdict", "other", 2), ("HF (fp32)", "other", 2),
    ("Latency P50 (ms)", "latency", 3), ("TPOT P50 (ms)", "latency", 3),
    ("Framework", "detail", 4), ("Source", "detail", 4), ("Model details", "detail", 4),
    ("Sequence Length", "detail", 4),
])
def test_a_columns_role_comes_from_the_schema_or_its_words(label, role, priority):
    assert (column_role(label), column_priority(label)) == (role, priority)


def test_svg_size_reads_points_pixels_or_the_view_box():
    assert svg_size(SVG) == (672, 461)
    assert svg_size('<svg width="300" height="150px">') == (300, 150)
    assert svg_size('<svg viewBox="0 0 640 480">') == (640, 480)
    assert svg_size('<svg width="100%">') is None


def test_headers_carry_roles_math_is_mathml_and_images_are_sized(tmp_path):
    site = Site(tmp_path / "src")
    site.write("conf.py", "extensions = ['ext']\n")
    site.write("plot.svg", SVG)
    site.write("index.rst", """Page
====

.. csv-table:: Costs
   :header-rows: 1
   :class: df-table

   Model,Framework,Cost per 1M inferences
   bert,PyTorch,$0.1

.. math::

   \\text{cost} = \\frac{10^6}{\\text{throughput}}

Inline :math:`x^2` too.

.. image:: plot.svg

.. image:: plot.svg
   :width: 100%

.. math::

   \\nocommand{x}
""")
    site.build()
    html = site.html("index")
    assert '<th class="head df-role-model df-priority-1">' in html
    assert '<th class="head df-role-detail df-priority-4">' in html
    assert '<th class="head df-role-cost df-priority-1">' in html
    assert html.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') == 2
    assert "mathjax" not in html.lower() and "cdn" not in html.lower()
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 2 and all('width="672"' in i and 'height="461"' in i for i in images)
    assert 'class="image-fill"' in images[1]
    assert '<code class="math-tex">\\nocommand{x}</code>' in html
    assert re.search(r"index.rst:\d+: WARNING: math shown as TeX: Unknown LaTeX command",
                     "\n".join(site.warning_lines()))
