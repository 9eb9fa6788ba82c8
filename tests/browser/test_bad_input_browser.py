"""Issue 9 in a real headless Chromium: "Download CSV" never hands a spreadsheet a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_download_neutralises_formula_cells_and_keeps_numbers(page):
    toolbar = page.locator(".df-table-toolbar").nth(3)
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
