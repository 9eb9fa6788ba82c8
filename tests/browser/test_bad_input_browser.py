"""Issue 9 in a real headless Chromium: "Download CSV" never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_download_neutralises_formula_cells_and_keeps_numbers(page, site_url):
    page.goto(site_url + "formulas.html")
    toolbar = page.locator(".df-table-toolbar").first
    with page.expect_download() as info:
        toolbar.locator("a.df-table-download").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Model", "Change", "Notes"],
        ["a", "-1", "'=HYPERLINK(\"http://x.test\")"],
        ["b", "+2.5%", "'+cmd|' /C calc'!A0"],
        ["c", "-0.5", "'-2+3"],
        ["d", "1e-3", "'@SUM(A1:A2)"],
        ["e", "3", "'=1+1"],  # the page trims the cell's spaces
    ]


def test_explorer_says_in_place_when_the_page_names_a_model_or_pricing_it_lacks(
        browser, site_url, site_dir):
    """The build reports it too (tests/browser/test_cost_explorer_build.py); the page says so."""
    (site_dir / "explorer-unknown.html").write_text(
        '<!DOCTYPE html><html><body><div class="cost-explorer" '
        'data-src="_static/cost-explorer.json" data-model="gpt-9" data-pricing="spot"></div>'
        '<script src="_static/cost-explorer.js"></script></body></html>', encoding="utf-8")
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(site_url + "explorer-unknown.html")
        notices = tab.locator("div.cost-explorer .cost-explorer-error")
        notices.nth(1).wait_for()
        texts = notices.all_text_contents()
        assert texts[0].startswith("This page asks for the model \u201cgpt-9\u201d, which the "
                                   "cost data does not have; showing \u201c")
        assert texts[1].startswith("This page asks for the pricing model \u201cspot\u201d")
        # the explorer still works: its ranking and its not-ranked tables
        assert tab.locator("div.cost-explorer table").count() == 2
    finally:
        context.close()
