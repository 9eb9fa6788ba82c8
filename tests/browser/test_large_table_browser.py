"""A table of more than 1,000 rows in Chromium: 100 rows in the page at a time, while sorting,
filtering, the count and the download cover every row. (Timing: benchmarks/table_interaction.py.)

The rows are synthetic test inputs written to a temporary folder only.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROWS = 1500
PAGE = """Large
=====

.. csv-table:: Many rows
   :file: rows.csv
   :header-rows: 1
   :class: df-table
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log."""


@pytest.fixture(scope="module")
def large_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from sphinx.testing.util import SphinxTestApp

    srcdir = tmp_path_factory.mktemp("large") / "src"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text("extensions = ['ext']\nhtml_theme = 'furo'\n")
    (srcdir / "index.rst").write_text(PAGE)
    with open(srcdir / "rows.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Model", "Inst. Type", "Throughput (inference/sec)", "Framework"])
        for row in range(ROWS):
            writer.writerow([f"model-{row:04d}", "inf2.xlarge", f"{(row * 37) % 1000 + 0.5}",
                             "PyTorch 2.9"])
    app = SphinxTestApp("html", srcdir=srcdir, freshenv=True)
    try:
        app.build()
    finally:
        app.cleanup()
    handler = functools.partial(_Quiet, directory=str(app.outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/index.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser, large_url: str) -> Iterator[object]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(large_url)
    tab.wait_for_selector(".df-table-toolbar")
    try:
        yield tab
        assert not errors
    finally:
        context.close()


def drawn(page) -> list[str]:
    return page.eval_on_selector_all("table.df-table tbody tr:not(.df-details)",
                                     "rows => rows.map(r => r.cells[0].textContent.trim())")


def test_a_large_table_draws_100_rows_and_more_on_request(page):
    assert drawn(page) == [f"model-{row:04d}" for row in range(100)]
    assert page.locator(".df-table-count").text_content() == f"{ROWS} of {ROWS} rows"
    more = page.locator(".df-table-more")
    assert "Showing 100 of 1500 matching rows." in more.text_content()
    more.locator("button", has_text="Show 100 more").click()
    # 200, or more: the line under the table, now in view, also draws the next chunk itself
    count = len(drawn(page))
    assert count >= 200 and count % 100 == 0
    assert drawn(page) == [f"model-{row:04d}" for row in range(count)]


def test_sort_and_filter_cover_rows_not_yet_drawn(page):
    page.locator("thead th").nth(2).locator("button").click()  # throughput, ascending
    page.locator("thead th").nth(2).locator("button").click()  # descending
    first = page.evaluate("document.querySelector('table.df-table tbody tr').cells[2]"
                          ".textContent.trim()")
    assert first == "999.5"  # the largest value, from a row beyond the first 100
    page.locator(".df-table-toolbar input[type=search]").fill("model-14")
    assert page.locator(".df-table-count").text_content() == f"100 of {ROWS} rows"
    assert all(name.startswith("model-14") for name in drawn(page))
    assert page.locator(".df-table-more").is_hidden()


def test_the_download_holds_every_matching_row(page):
    page.locator(".df-table-toolbar input[type=search]").fill("model-1")
    with page.expect_download() as info:
        page.locator("a.df-table-download").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["Model", "Inst. Type", "Throughput (inference/sec)", "Framework"]
    assert [row[0] for row in rows[1:]] == [f"model-{row}" for row in range(1000, 1500)]
