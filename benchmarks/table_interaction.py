"""Sort and filter time of a 10,000-row df-table in Chromium: baseline df-table.js against today's.

Builds a throw-away site with one declarative ``df-table`` of N synthetic rows (the inputs of
``build_speed.py``, written to a temporary folder only), serves it on 127.0.0.1 and opens it in
Debian's Chromium through Playwright, once with each version of ``df-table.js`` /
``df-table.css``: the baseline (``--baseline-rev``, read with ``git show``; by default the commit
before the incremental renderer) and the working tree's. Each version is routed in place of the
built page's ``_static/df-table.*``, so both run on the same HTML in the same browser.

Timed, per version, as the median of ``--repeats`` runs: from the click on a header (sort by
throughput, alternately ascending and descending) or from typing into the filter box (a query
matching a tenth of the rows, then clearing it) until the browser has laid the table out again
and reached the next frame. Target: < 200 ms for each with today's script.

    .venv/bin/python benchmarks/table_interaction.py --rows 10000 --repeats 5
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from build_speed import make_sites  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# the last commit whose df-table.js re-sorted and re-filtered every row in the DOM
BASELINE_REV = "65646c5"
STATIC = ("df-table.js", "df-table.css")

# Resolves once the browser has laid the page out after the action and reached the next frame.
TIMED = """async ([action, arg]) => {
  const table = document.querySelector('table.df-table');
  const settle = () => new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)));
  await settle();
  const start = performance.now();
  if (action === 'sort') {
    table.querySelectorAll('thead th button.df-table-sort')[arg].click();
  } else {
    const input = document.querySelector('.df-table-toolbar input[type=search]');
    input.value = arg;
    input.dispatchEvent(new Event('input', {bubbles: true}));
  }
  void document.body.offsetHeight;  // layout now, as the browser must before it paints
  await settle();
  return performance.now() - start;
}"""


def build_site(root: Path, rows: int) -> Path:
    site, _ = make_sites(root, tables=1, rows=rows, theme="furo")
    out = site / "_build" / "html"
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(site), str(out)],
                   check=True)
    return out


def script_versions(baseline_rev: str) -> dict[str, dict[str, str]]:
    """{"baseline": {name: text}, "today": {name: text}} for df-table.js and df-table.css."""
    versions: dict[str, dict[str, str]] = {"baseline": {}, "today": {}}
    for name in STATIC:
        shown = subprocess.run(["git", "show", f"{baseline_rev}:ext/static/{name}"], cwd=REPO,
                               capture_output=True, text=True, check=False)
        if shown.returncode != 0:
            sys.exit(f"error: cannot read ext/static/{name} at {baseline_rev} "
                     f"(--baseline-rev; a clone with history is needed): {shown.stderr.strip()}")
        versions["baseline"][name] = shown.stdout
        versions["today"][name] = (REPO / "ext" / "static" / name).read_text(encoding="utf-8")
    return versions


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log."""


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def throughput_column(page) -> int:
    labels = page.eval_on_selector_all(
        "table.df-table thead th", "cells => cells.map(c => c.textContent.trim())")
    return next(i for i, label in enumerate(labels) if label.startswith("Throughput"))


def measure(browser, url: str, files: dict[str, str], repeats: int) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    for name, text in files.items():
        kind = "application/javascript" if name.endswith(".js") else "text/css"
        page.route(f"**/_static/{name}*", functools.partial(
            lambda route, body, kind: route.fulfill(body=body, content_type=kind),
            body=text, kind=kind))
    page.goto(url + "page0.html", wait_until="domcontentloaded", timeout=300_000)
    page.wait_for_selector(".df-table-toolbar", timeout=300_000)
    column = throughput_column(page)
    times: dict[str, list[float]] = {"sort": [], "filter": [], "clear filter": []}
    for _ in range(repeats):
        times["sort"].append(page.evaluate(TIMED, ["sort", column]))
        times["filter"].append(page.evaluate(TIMED, ["filter", "model-3"]))
        times["clear filter"].append(page.evaluate(TIMED, ["filter", ""]))
    context.close()
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the table (10000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per action (median)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV,
                        help=f"git revision of the baseline df-table.js ({BASELINE_REV})")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    versions = script_versions(args.baseline_rev)
    with tempfile.TemporaryDirectory(prefix="table-interaction-") as tmp:
        html = build_site(Path(tmp), args.rows)
        results = {}
        with serve(html) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for name, files in versions.items():
                    results[name] = measure(browser, url, files, args.repeats)
            finally:
                browser.close()
    print(f"{args.rows} rows, median of {args.repeats} (ms, click or keystroke to next frame)")
    print(f"{'action':<14}{'baseline':>10}{'today':>10}{'ratio':>8}")
    for action in results["today"]:
        before, after = results["baseline"][action], results["today"][action]
        print(f"{action:<14}{before:>10.0f}{after:>10.0f}{before / after:>7.1f}x")
    slowest = max(results["today"].values())
    print(f"target < 200 ms: {'met' if slowest < 200 else 'NOT met'} (slowest {slowest:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
