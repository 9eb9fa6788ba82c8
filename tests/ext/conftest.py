"""Fixtures for the df-table extension tests (helpers live in ``df_site``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from df_site import Site, copy_root


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return copy_root(tmp_path, "test-site")


@pytest.fixture
def compat_site(tmp_path: Path) -> Site:
    return copy_root(tmp_path, "test-compat")
