"""The cost explorer fed by the real provider agrees with ``cheapest-under-sla`` (Chromium)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import pytest
from cost_site import Site

pytestmark = pytest.mark.browser

PAGE = """Explore
=======

.. cheapest-under-sla::
   :max-ms: 10
   :pricing: on-demand
   :models: bert-base

.. cost-explorer::
   :model: bert-base
   :max-ms: 10
   :latency: p99
   :pricing: on-demand
"""


@pytest.fixture
def served(site: Site) -> Iterator[str]:
    site.write("explore.rst", PAGE)
    site.write("index.rst", "Cost review\n===========\n\n.. toctree::\n\n   compare\n   sla\n"
                            "   explore\n")
    site.build()
    assert site.warning_lines() == []
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(site.srcdir / "_build" / "html"))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/explore.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_explorer_ranks_the_provider_rows_like_the_directive(browser, served: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(served)
        container = page.locator("div.cost-explorer")
        container.locator("table.cost-explorer-ranked tbody tr").first.wait_for()
        summary = container.locator(".cost-explorer-summary").text_content()
        directive_answer = page.locator("table.cost-review tbody tr td").nth(1).text_content()
        assert errors == []
    finally:
        context.close()
    assert directive_answer == "inf2.xlarge"
    assert summary.startswith(
        "Cheapest for bert-base (P99 per batch \u2264 10 ms, on-demand): inf2.xlarge, "
        "batch size 1"), summary
