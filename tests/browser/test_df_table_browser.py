"""df-table.js in a real headless Chromium: sorting, filtering, CSV download, escaping, no-JS."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

MODEL, INSTANCE, THROUGHPUT, P99, COST, CHANGE, NOTES = range(7)
SCRIPT_CELL = "<script>window.__xss=1</script>"


def throughput_table(page):
    return page.locator("table.df-table").first


def column(table, index: int) -> list[str]:
    return table.evaluate(
        "(t, i) => Array.from(t.tBodies[0].rows).map(r => r.cells[i].textContent.trim())", index
    )


def sort_by(table, index: int) -> None:
    button = table.locator("thead th").nth(index).locator("button.df-table-sort")
    if not button.is_visible():  # the table's fit moved this column into the row details
        show_all_columns(table)
    button.click()


def show_all_columns(table) -> None:
    """Press the toolbar's "Show all N columns" above ``table``."""
    table.evaluate("t => (t.closest('.table-wrapper') || t).previousElementSibling"
                   ".querySelector('button.df-table-columns').click()")


def aria_sort(table, index: int) -> str | None:
    return table.locator("thead th").nth(index).get_attribute("aria-sort")


def test_numeric_sort_ascending_then_descending_with_missing_last(page):
    table = throughput_table(page)
    sort_by(table, THROUGHPUT)
    assert column(table, THROUGHPUT) == ["812.0", "1,234.5", "5,000", "9,876.25", "oom", "None"]
    assert aria_sort(table, THROUGHPUT) == "ascending"
    sort_by(table, THROUGHPUT)
    assert column(table, THROUGHPUT) == ["9,876.25", "5,000", "1,234.5", "812.0", "oom", "None"]
    assert aria_sort(table, THROUGHPUT) == "descending"


def test_currency_and_percent_columns_sort_as_numbers(page):
    table = throughput_table(page)
    sort_by(table, COST)
    assert column(table, COST) == ["$0.021", "$0.083", "$0.259", "$0.5", "n/a", "None"]
    sort_by(table, CHANGE)
    assert column(table, CHANGE) == ["-1", "0.5%", "2%", "12.3%", "n/a", ""]
    assert aria_sort(table, COST) is None, "only the sorted column carries aria-sort"


def test_text_sorts_naturally_and_case_insensitively(page):
    table = throughput_table(page)
    sort_by(table, MODEL)
    expected = ["bert-base", "bert-large", "resnet18", "resnet34", "resnet101", "UNet"]
    assert column(table, MODEL) == expected
    sort_by(table, MODEL)
    assert column(table, MODEL) == expected[::-1]


def test_header_sort_works_from_the_keyboard(page):
    table = throughput_table(page)
    table.locator("thead th").nth(P99).locator("button").focus()
    page.keyboard.press("Enter")
    assert column(table, P99) == ["2.1", "4.75", "9.8", "12.3", "n/a", "None"]


def test_filter_hides_rows_and_counts_them(page):
    table = throughput_table(page)
    toolbar = page.locator(".df-table-toolbar").first
    count = toolbar.locator(".df-table-count")
    assert count.text_content() == "6 of 6 rows"
    toolbar.locator("input[type=search]").fill("RESNET")
    assert count.text_content() == "3 of 6 rows"
    visible = table.evaluate(
        "t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden)"
        ".map(r => r.cells[0].textContent.trim())"
    )
    assert visible == ["resnet101", "resnet18", "resnet34"]
    assert table.locator("tbody tr", has_text="bert-base").is_hidden()
    toolbar.locator("input[type=search]").fill("resnet101inf2")
    assert count.text_content() == "0 of 6 rows", "a query never spans two cells"
    toolbar.locator("input[type=search]").fill("")
    assert count.text_content() == "6 of 6 rows"


def download_csv(page, toolbar_index: int = 0) -> tuple[str, str]:
    link = page.locator(".df-table-toolbar").nth(toolbar_index).locator("a.df-table-download")
    with page.expect_download() as info:
        link.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_download_link_gives_the_table_as_quoted_csv(page, site_dir):
    name, text = download_csv(page)
    # page, section, caption (the tab's words are in the caption already)
    assert name == "index-fixture-performance-page-encoder-models-throughput-optimized.csv"
    source = (site_dir.parent.parent / "src" / "throughput.csv").read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(text))) == list(csv.reader(io.StringIO(source)))
    assert '"quoted, with comma"' in text
    assert '"says ""hi"""' in text


def test_download_follows_the_current_sort_and_filter(page):
    table = throughput_table(page)
    sort_by(table, MODEL)
    page.locator(".df-table-toolbar").first.locator("input[type=search]").fill("resnet")
    _, text = download_csv(page)
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[MODEL] for row in rows] == ["Model", "resnet18", "resnet34", "resnet101"]


def test_uncaptioned_table_is_named_after_its_page_and_section_and_oom_sorts_last(page):
    sweep = page.locator("table.df-table").nth(2)
    sort_by(sweep, 2)
    sort_by(sweep, 2)
    assert column(sweep, 2) == ["950.0", "180.2", "oom"]
    assert column(sweep, 1) == ["oom", "100.5", "oom"]
    name, text = download_csv(page, toolbar_index=2)
    assert name == "index-sweep.csv"
    assert text.splitlines()[1] == "8,oom,950.0"


def test_script_in_a_csv_cell_is_text_and_never_runs(page):
    table = throughput_table(page)
    cell = table.locator("tbody td", has_text="window.__xss")
    assert cell.text_content().strip() == SCRIPT_CELL
    assert cell.locator("script").count() == 0
    sort_by(table, NOTES)
    page.locator(".df-table-toolbar").first.locator("input[type=search]").fill("script")
    assert cell.is_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_without_javascript_the_table_reads_as_written(browser, site_url, site_dir):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + "index.html")
        table = page.locator("table.df-table").first
        headers = [h.strip() for h in table.locator("thead th").all_text_contents()]
        assert headers == [
            "Model", "Inst. Type", "Throughput (inference/sec)", "Latency P99 (ms)",
            "Cost per 1M inferences", "Change", "Notes",
        ]
        assert table.locator("tbody tr").count() == 6
        assert column(table, MODEL) == [
            "resnet101", "resnet18", "UNet", "resnet34", "bert-base", "bert-large"
        ]
        assert page.locator(".df-table-toolbar").count() == 0
        assert table.locator("button").count() == 0
        noscript = page.locator("div.cost-explorer noscript").text_content()
        assert "needs JavaScript" in noscript
    finally:
        context.close()


CELLS = ["$0.0669", "12.3%", "1,234.5 tokens/s", "2,120 -> 2,164 (+2.1%)", "994.7", "966",
         "812,5", "1,65", "n/a", "n/a -> n/a", "-1", "+2.5%", "1e6", ".5", "5.", "3D-UNet",
         "resnet50", "$1.81 per 1M tokens", "1e999", "  7  ", "9.8 ms", "2 vCPU AMD EPYC VM",
         "0.9086 \u2192 0.91", "\u20ac3", "-$5", "", "oom", "12.5 (est.)", "1 2"]


def test_the_browser_reads_a_cells_number_as_perfcore_does(page):
    """df-table.js ``cellNumber`` is the twin of perfcore.ordering.cell_number."""
    from perfcore.ordering import cell_number

    browser_numbers = page.evaluate(
        "cells => cells.map(c => { const n = window.dfTable.cellNumber(c); "
        "return Number.isNaN(n) ? null : n; })", CELLS)
    assert browser_numbers == [cell_number(cell) for cell in CELLS]
    assert cell_number("2,120 -> 2,164 (+2.1%)") == 2164.0
