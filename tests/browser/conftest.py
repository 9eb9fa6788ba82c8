"""Browser test harness: Debian's chromium, a built fixture site, a local HTTP server.

The fixture site (``tests/browser/site``) is copied to a temporary directory,
built with the real Sphinx (furo theme, sphinx-design tab-sets, this
project's extension) and served on 127.0.0.1 on a free port. Playwright drives
the system chromium through the session-wide ``browser`` fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SITE_SOURCE = Path(__file__).resolve().parent / "site"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # tests and the fixture conf.py import `ext`


def build_fixture_site(workdir: Path) -> Path:
    """Copy the fixture sources to ``workdir``, build them strictly, return the HTML dir."""
    from sphinx.testing.util import SphinxTestApp

    srcdir = workdir / "src"
    shutil.copytree(SITE_SOURCE, srcdir, ignore=shutil.ignore_patterns("__pycache__"))
    app = SphinxTestApp("html", srcdir=srcdir, builddir=workdir / "build", freshenv=True)
    try:
        app.build()
        warnings = app.warning.getvalue().strip()
    finally:
        app.cleanup()
    assert not warnings, f"fixture site built with warnings:\n{warnings}"
    return app.outdir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output free of one access-log line per request."""


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("browser-site"))


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def page(browser, site_url: str) -> Iterator[object]:
    """A fresh page (own context, downloads accepted) showing the fixture index."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    tab = context.new_page()
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(site_url + "index.html")
    tab.wait_for_selector(".df-table-toolbar")
    try:
        yield tab
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()
