"""Fixtures shared by every test folder: one Playwright-driven Debian Chromium per session, and
Ray kept on loopback.

Playwright's sync API runs an event loop for as long as it is open, so a process may hold
only one: every browser test uses the session-scoped ``browser`` fixture below. If
``/usr/bin/chromium`` is missing, Debian's package is installed once (the tests run as root
on a fresh machine); a failed install fails the tests with the command to run by hand.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

# Test traffic stays on loopback: Ray reads this when it is imported, and the local clusters of
# the campaign tests (and the drivers they start) then bind every node to 127.0.0.1 instead of
# this machine's interface address.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_LOCK = Path("/tmp/browser-tests-chromium-install.lock")


def _run_apt(args: list[str]) -> None:
    result = subprocess.run(
        args,
        capture_output=True,
        text=True,
        check=False,
        env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
    )
    if result.returncode != 0:
        pytest.fail(
            f"could not install chromium for the browser tests: `{' '.join(args)}` exited "
            f"{result.returncode}:\n{result.stderr[-2000:]}\n"
            "Install it by hand: apt-get update && apt-get install -y --no-install-recommends "
            "chromium",
            pytrace=False,
        )


def ensure_chromium() -> Path:
    """Return /usr/bin/chromium, installing Debian's package first if it is missing."""
    with FileLock(str(INSTALL_LOCK)):  # xdist workers: install once
        if not CHROMIUM.exists():
            _run_apt(["apt-get", "update"])
            _run_apt(["apt-get", "install", "-y", "--no-install-recommends", "chromium"])
        if not CHROMIUM.exists():
            pytest.fail(f"apt-get installed chromium but {CHROMIUM} does not exist", pytrace=False)
    return CHROMIUM


# Module scope: Playwright's sync API keeps an event loop running in the main thread
# while it is open, and later tests (the served benchmarks) start loops of their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
