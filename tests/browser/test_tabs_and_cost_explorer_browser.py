"""sphinx-design tab switching and the cost explorer in a real headless Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_latency_tab_shows_its_table_and_synced_tab_sets_follow(page):
    tab_sets = page.locator(".sd-tab-set")
    assert tab_sets.count() == 2
    latency_table = page.locator("table.df-table").nth(1)
    assert page.locator("table.df-table").first.is_visible()
    assert latency_table.is_hidden()

    tab_sets.first.get_by_text("Latency optimized", exact=True).click()

    assert latency_table.is_visible()
    assert page.locator("table.df-table").first.is_hidden()
    assert page.get_by_text("Second latency panel.").is_visible()
    assert page.get_by_text("Second throughput panel.").is_hidden()
    # the table in the newly shown tab is enhanced too
    latency_table.locator("thead th").nth(3).locator("button").click()
    assert latency_table.locator("thead th").nth(3).get_attribute("aria-sort") == "ascending"


def explorer(page):
    container = page.locator("div.cost-explorer")
    container.locator("table.cost-explorer-ranked tbody tr").first.wait_for()
    return container


def ranking(container) -> list[tuple[str, str, str]]:
    """(instance, batch size, cost) per ranked row, badge text removed."""
    rows = container.evaluate(
        """c => Array.from(c.querySelectorAll('table.cost-explorer-ranked tbody tr')).map(r => [
             r.cells[1].firstChild.textContent, r.cells[5].textContent, r.cells[2].textContent])"""
    )
    return [tuple(row) for row in rows]


def cheapest(container) -> list[str]:
    return container.locator("tr.cost-explorer-cheapest td:nth-child(2)").all_text_contents()


def test_explorer_starts_from_the_directive_options(page):
    container = explorer(page)
    assert container.locator("select[name=model]").input_value() == "bert-base"
    assert container.locator("input[name=max-ms]").input_value() == "10"
    assert container.locator("select[name=latency]").input_value() == "batch-p99"
    assert ranking(container) == [
        ("inf2.xlarge", "1", "$0.259"),
        ("c7i.xlarge", "1", "$0.412"),
        ("inf2.8xlarge", "1", "$0.609"),
    ]
    assert cheapest(container) == ["inf2.xlargecheapest"]
    summary = container.locator(".cost-explorer-summary").text_content()
    assert summary.startswith(
        "Cheapest for bert-base (P99 per batch \u2264 10 ms, on-demand): inf2.xlarge")
    assert "Not ranked for bert-base: 2 over the bound; 1 older measurement" in \
        container.text_content()
    caption = container.locator("table.cost-explorer-ranked caption").text_content()
    assert caption == "Configurations of bert-base ranked by cost per 1M inferences (on-demand)"


def test_relaxing_the_sla_updates_the_ranking(page):
    container = explorer(page)
    container.locator("input[name=max-ms]").fill("20")
    assert [row[0] for row in ranking(container)] == [
        "g5.xlarge", "inf2.xlarge", "inf2.xlarge", "c7i.xlarge", "inf2.8xlarge"
    ]
    assert cheapest(container) == ["g5.xlargecheapest"]
    container.locator("input[name=max-ms]").fill("")
    assert len(ranking(container)) == 5


def test_p50_bound_uses_the_p50_latency(page):
    container = explorer(page)
    container.locator("select[name=latency]").select_option("batch-p50")
    assert ranking(container)[0] == ("inf2.xlarge", "4", "$0.140")
    assert "P50 per batch \u2264 10 ms" in \
        container.locator(".cost-explorer-summary").text_content()


def test_pricing_model_changes_costs_and_unpriced_rows_are_apart(page):
    container = explorer(page)
    container.locator("input[name=max-ms]").fill("20")
    container.locator("select[name=pricing]").select_option("ri-effective")
    rows = ranking(container)
    assert rows[0] == ("inf2.xlarge", "4", "$0.0610")
    assert "c7i.xlarge" not in [row[0] for row in rows]
    assert "c7i.xlarge" in container.locator("table.cost-explorer-unpriced").text_content()
    assert cheapest(container) == ["inf2.xlargecheapest"]
    header = container.locator("table.cost-explorer-ranked thead th").nth(2).text_content()
    assert header == "Cost per 1M inferences (ri-effective)"
    assert "1-year RI effective" in container.locator(".cost-explorer-note").text_content()


def test_explorer_data_is_shown_as_text_never_markup(page):
    container = explorer(page)
    container.locator("select[name=model]").select_option("<img src=x onerror=window.__xss=2>")
    container.locator("input[name=max-ms]").fill("")
    assert ranking(container)[0] == ("<b>c7i</b>", "n/a", "$1,234")
    table = container.locator("table.cost-explorer-ranked")
    assert table.locator("b, img, script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_explorer_opened_from_file_says_to_serve_over_http(browser, site_dir):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((site_dir / "index.html").as_uri())
        error = page.locator("div.cost-explorer .cost-explorer-error")
        error.wait_for()
        assert "Serve the site over HTTP" in error.text_content()
        assert page.locator(".df-table-toolbar").count() == 3, "tables work from file:// too"
    finally:
        context.close()


def test_fixture_page_screenshot(page, tmp_path_factory):
    """Not an assertion on pixels: a picture for a human to check the styling."""
    explorer(page)
    path = tmp_path_factory.getbasetemp() / "browser-fixture-page.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
