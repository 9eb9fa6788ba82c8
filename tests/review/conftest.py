"""Sphinx test fixtures for the review features (perf-diff, perf-chart)."""

from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

ROOTS = Path(__file__).parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture
def review_data() -> Path:
    """The test inputs of the ``test-review`` root (fixtures, not published data)."""
    return ROOTS / "test-review" / "data"
