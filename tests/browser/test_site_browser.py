"""The real site in Chromium: every table fits at 1400 px and on a 400 px phone, no page asks
another host, numbers sort as numbers, downloads are named and complete.

Builds ``docs/`` with the repository's ``conf.py`` into a temporary folder once (not strictly:
``make html`` is the strict gate), serves it on 127.0.0.1 and reads every page that has a
``df-table``. "Essential" columns are named here independently of the site's own column roles
(``perfcore.columns.column_role``), from what a reviewer needs in view: model, instance, batch
size, throughput, the P99 latency a bound uses, and cost (of a comparison, the new values and
the changes).
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]

# a comparison's old values (``Throughput old``) are context, its new values and changes count
# A served table's cost is per output token, so its token throughput is the essential one;
# requests/s (a detail of the schema) may move into the row details.
ESSENTIAL = (r"^(?!.* old( \(|$))(?!Request Throughput)"
             r"(?:(?:Model|Instance|Inst\. Type|Batch Size)$|.*Throughput|.*P99|Cost)")
COST = r"^Cost(?!.* old( \(|$))"
# Opens a table's tab when it is in a hidden one and waits until the page has fitted it.
SHOW_TABLE = """async table => {
  const panel = table.closest('.sd-tab-content');
  if (panel && getComputedStyle(panel).display === 'none') {
    panel.previousElementSibling.click();
  }
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""
# The header cells of essential columns that are not fully inside the table's box and window.
ESSENTIAL_OUT_OF_VIEW = """(table, pattern) => {
  const essential = new RegExp(pattern);
  const box = (table.closest('.table-wrapper') || table.parentElement).getBoundingClientRect();
  const right = Math.min(box.right, document.documentElement.clientWidth);
  const header = table.tHead.rows[table.tHead.rows.length - 1];
  return Array.from(header.cells).map(th => [th.textContent.trim(), th.getBoundingClientRect()])
    .filter(([label, r]) => essential.test(label)
            && (r.width === 0 || r.left < box.left - 1 || r.right > right + 1))
    .map(([label]) => label);
}"""
# At phone width: is the first row's cost cell (by its header) and the caption in the window?
PHONE_VIEW = """(table, pattern) => {
  const cost = new RegExp(pattern);
  const width = document.documentElement.clientWidth;
  const inside = r => r.width > 0 && r.left >= -1 && r.right <= width + 1;
  const labels = Array.from(table.tHead.rows[table.tHead.rows.length - 1].cells)
    .map(th => th.textContent.trim());
  const row = table.tBodies[0] && table.tBodies[0].rows[0];
  const costs = labels.map((label, i) => cost.test(label) ? i : -1).filter(i => i >= 0);
  return {
    cost: row && costs.length ? costs.every(i => inside(row.cells[i].getBoundingClientRect()))
                              : null,
    caption: table.caption ? inside(table.caption.getBoundingClientRect()) : null,
  };
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real-site") / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", str(REPO_ROOT),
                    str(REPO_ROOT / "docs"), str(out)], check=True, cwd=REPO_ROOT,
                   stderr=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def table_pages(site: Path) -> list[str]:
    return sorted(str(path.relative_to(site)) for path in site.rglob("*.html")
                  if 'class="df-table' in path.read_text(encoding="utf-8"))


def open_page(browser, url: str, width: int, javascript: bool = True):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return context, page, errors


def test_the_pages_under_test_are_the_platform_cost_and_review_pages(site):
    pages = table_pages(site)
    assert {"trn1.html", "inf2.html", "inf1.html", "cost.html", "cpu.html", "gpu.html",
            "changes.html", "history.html"} <= set(pages)


def test_at_1400_px_every_tables_essential_columns_are_in_view(browser, site, site_url):
    out_of_view, counted = [], 0
    for name in table_pages(site):
        context, page, errors = open_page(browser, site_url + name, 1400)
        try:
            assert page.evaluate("document.scrollingElement.scrollWidth") <= 1400, name
            for index, table in enumerate(page.locator("table.df-table").all()):
                table.evaluate(SHOW_TABLE)
                missing = table.evaluate(ESSENTIAL_OUT_OF_VIEW, ESSENTIAL)
                counted += 1
                if missing:
                    out_of_view.append(f"{name} table {index + 1}: {missing}")
            assert not errors, f"{name}: {errors}"
        finally:
            context.close()
    assert counted >= 90  # every table of those pages was looked at
    assert not out_of_view, "\n".join(out_of_view)


def test_at_400_px_the_first_rows_cost_and_every_caption_are_in_view(browser, site, site_url):
    problems, costs, captions = [], 0, 0
    for name in table_pages(site):
        context, page, errors = open_page(browser, site_url + name, 400)
        try:
            assert page.evaluate("document.scrollingElement.scrollWidth") <= 400, name
            for index, table in enumerate(page.locator("table.df-table").all()):
                table.evaluate(SHOW_TABLE)
                view = table.evaluate(PHONE_VIEW, COST)
                costs += view["cost"] is not None
                captions += view["caption"] is not None
                if view["cost"] is False or view["caption"] is False:
                    problems.append(f"{name} table {index + 1}: {view}")
            assert not errors, f"{name}: {errors}"
        finally:
            context.close()
    assert costs >= 70 and captions >= 50
    assert not problems, "\n".join(problems)


def test_no_page_asks_another_host_and_none_shows_a_theme_error(browser, site, site_url):
    """Every page of the built site, offline: no request leaves 127.0.0.1; no furo "contents"
    error banner; every image has a width and height; math is MathML, not TeX for a CDN."""
    elsewhere: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})

    def route(request_route) -> None:
        if request_route.request.url.startswith(site_url) or \
                request_route.request.url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    pages = sorted(str(path.relative_to(site)) for path in site.rglob("*.html"))
    problems = []
    try:
        page = context.new_page()
        for name in pages:
            page.goto(site_url + name, wait_until="load")
            banners = page.locator(
                ".contents:not(.this-will-duplicate-information-and-it-is-still-useful-here)")
            if banners.count():
                problems.append(f"{name}: a furo table-of-contents error banner")
            unsized = page.evaluate("Array.from(document.images).filter(i => !i.getAttribute("
                                    "'width') || !i.getAttribute('height')).map(i => i.src)")
            if unsized:
                problems.append(f"{name}: images without width/height: {unsized}")
        page.goto(site_url + "methodology.html")
        assert page.locator("math").count() >= 1
        assert "\\frac" not in page.locator("article").inner_text()
    finally:
        context.close()
    assert len(pages) > 30
    assert not elsewhere, f"requests to other hosts: {sorted(set(elsewhere))}"
    assert not problems, "\n".join(problems)


def test_the_changes_pages_numbers_sort_as_numbers(browser, site_url):
    from perfcore.ordering import cell_number

    context, page, errors = open_page(browser, site_url + "changes.html", 1400)
    try:
        page.wait_for_selector(".df-table-toolbar")
        table = page.locator("table.df-table", has=page.locator("th", has_text="Throughput"))
        table = table.first
        labels = [text.strip() for text in table.locator("thead th").all_text_contents()]
        column = next(i for i, label in enumerate(labels)  # today's throughput, not the old one
                      if label.startswith("Throughput") and not label.endswith(" old"))
        table.locator("thead th").nth(column).locator("button").click()
        texts = table.evaluate("(t, i) => Array.from(t.tBodies[0].rows).map(r => "
                               "r.cells[i].textContent.trim())", column)
        numbers = [cell_number(text) for text in texts]
        present = [number for number in numbers if number is not None]
        assert len(present) >= 5 and present == sorted(present), texts[:12]
        assert all(number is None for number in numbers[len(present):])  # no-values last
        assert not errors
    finally:
        context.close()


def test_family_downloads_say_platform_family_and_tab_and_hold_every_column(browser, site_url):
    context, page, errors = open_page(browser, site_url + "inf2.html", 1400)
    try:
        page.wait_for_selector(".df-table-toolbar")
        names = page.eval_on_selector_all(
            "a.df-table-download", "links => links.map(a => a.getAttribute('download'))")
        assert names[:4] == [
            "inf2-encoder-throughput-optimized.csv", "inf2-encoder-latency-optimized.csv",
            "inf2-encoder-decoder-throughput-optimized.csv",
            "inf2-encoder-decoder-latency-optimized.csv"]
        table = page.locator("table.df-table").first
        labels = [text.strip() for text in table.locator("thead th").all_text_contents()]
        shown = table.evaluate("t => Array.from(t.tHead.rows[0].cells)"
                               ".filter(c => c.offsetWidth > 0).length")
        assert shown < len(labels), "the wide table shows fewer columns than it has"
        with page.expect_download() as info:
            page.locator("a.df-table-download").first.click()
        assert info.value.suggested_filename == "inf2-encoder-throughput-optimized.csv"
        rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
        assert rows[0] == labels and len(rows) == 1 + table.locator("tbody tr").count()
        assert not errors
    finally:
        context.close()


def test_a_rows_details_show_its_hidden_cells_and_all_columns_can_be_shown(browser, site_url):
    context, page, errors = open_page(browser, site_url + "trn1.html", 1400)
    try:
        page.wait_for_selector(".df-table-toolbar")
        table = page.locator("table.df-table").first
        row = table.locator("tbody tr").first
        framework = table.evaluate("t => t.tBodies[0].rows[0].cells[1].textContent.trim()")
        assert not table.locator("thead th", has_text="Framework").is_visible()
        row.locator("button.df-row-toggle").click()
        details = table.locator("tr.df-details")
        assert details.count() == 1
        assert re.search(rf"Framework\s*{re.escape(framework)}", details.inner_text())
        row.locator("button.df-row-toggle").click()
        assert details.count() == 0
        toggle = page.locator("button.df-table-columns").first
        assert re.fullmatch(r"Show all \d+ columns", toggle.inner_text())
        toggle.click()
        assert table.locator("thead th", has_text="Framework").is_visible()
        assert toggle.get_attribute("aria-pressed") == "true"
        toggle.click()
        assert not table.locator("thead th", has_text="Framework").is_visible()
        assert not errors
    finally:
        context.close()


def test_without_javascript_every_table_is_whole(browser, site_url):
    context, page, _ = open_page(browser, site_url + "trn1.html", 400, javascript=False)
    try:
        table = page.locator("table.df-table").first
        hidden = table.evaluate("t => Array.from(t.tHead.rows[0].cells)"
                                ".filter(c => getComputedStyle(c).display === 'none').length")
        assert hidden == 0 and table.locator("thead th").count() >= 15
        assert page.locator(".df-table-toolbar, button.df-row-toggle").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("width", [1400, 400])
def test_screenshots_of_the_review_pages(browser, site_url, tmp_path_factory, width):
    """Saved for a human look (pytest's base temporary folder), not compared."""
    folder = tmp_path_factory.getbasetemp() / "site-screenshots"
    folder.mkdir(exist_ok=True)
    for name in ("trn1", "inf2", "inf1", "cost", "changes"):
        context, page, errors = open_page(browser, site_url + f"{name}.html", width)
        try:
            page.wait_for_selector(".df-table-toolbar")
            page.locator("table.df-table").first.scroll_into_view_if_needed()
            page.screenshot(path=str(folder / f"{name}-{width}.png"))
            assert not errors
        finally:
            context.close()
