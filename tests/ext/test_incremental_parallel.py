"""Incremental builds re-read exactly the pages that use a changed file; -j 2 equals serial."""

from __future__ import annotations

import os
import re
import time

DATA_PAGES = ["family", "plain", "priced", "sweep"]


def touch(path) -> None:
    """Mark ``path`` as edited after the last build read its pages."""
    time.sleep(0.02)
    os.utime(path)


def test_unchanged_site_rereads_nothing(site):
    site.build()
    assert sorted(site.read_docs) == ["family", "index", "plain", "priced", "sweep"]
    site.build()
    assert site.read_docs == []


def test_touching_a_csv_rereads_only_its_pages(site):
    site.build()
    touch(site.srcdir / "data" / "models.csv")
    site.build()
    assert sorted(site.read_docs) == ["plain", "priced"]
    touch(site.srcdir / "data" / "a100" / "sweep.csv")
    site.build()
    assert site.read_docs == ["sweep"]


def test_touching_the_price_catalog_rereads_priced_pages(site):
    site.build()
    touch(site.srcdir / "data" / "prices.yaml")
    site.build()
    assert sorted(site.read_docs) == ["family", "priced"]


def test_touching_families_rereads_family_pages(site):
    site.build()
    touch(site.srcdir / "data" / "families.yaml")
    site.build()
    assert site.read_docs == ["family"]


def test_a_new_family_csv_rereads_its_page(site):
    site.build()
    site.build()
    assert site.read_docs == []
    site.write("data/inf2/latency_data_decoder.csv",
               "Model,Inst. Type,Throughput (tokens/second),Cost per 1M tokens\n"
               "llama,inf2.xlarge,100,x\n")
    site.build()
    assert site.read_docs == ["family"]
    assert "No published results yet." in site.html("family")


def _tables(html: str) -> list[str]:
    return re.findall(r'<table class="df-table.*?</table>|<p class="df-table-[a-z-]+">.*?</p>',
                      html, flags=re.S)


def test_parallel_build_gives_the_same_tables(site, tmp_path):
    for number in range(4):  # Sphinx reads in parallel only with more than five pages
        site.write(f"copy{number}.rst", f"Copy {number}\n======\n\n" +
                   (site.srcdir / "priced.rst").read_text().split("\n", 3)[3])
    site.write("index.rst", (site.srcdir / "index.rst").read_text() +
               "".join(f"   copy{number}\n" for number in range(4)))
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    site.build(builddir=serial)
    assert site.warning_lines() == []
    app = site.build(builddir=parallel, parallel=2)
    assert app.parallel == 2
    assert site.warning_lines() == []
    for page in [*DATA_PAGES, "copy0", "copy3"]:
        expected = _tables(site.html(page, serial))
        assert expected
        assert _tables(site.html(page, parallel)) == expected


def test_an_input_that_appears_rereads_the_page_that_looked_for_it(site):
    site.write("chart.rst", "Chart\n=====\n\n.. perf-chart::\n   :kind: pareto\n"
                            "   :data: later.csv\n")
    site.write("index.rst", (site.srcdir / "index.rst").read_text() + "   chart\n")
    site.build()
    assert "later.csv" in site.html("chart") and "not found" in site.html("chart")
    site.build()
    assert site.read_docs == []
    (site.srcdir / "data" / "later.csv").write_bytes(
        (site.srcdir / "data" / "models.csv").read_bytes())
    site.build()
    assert site.read_docs == ["chart"]
    assert "not found" not in site.html("chart")
