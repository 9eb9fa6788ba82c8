"""Fixtures for the cost review tests (helpers live in ``cost_site``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cost_site import Site, copy_cost_root


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return copy_cost_root(tmp_path)
