"""Sphinx test fixtures for the review features (perf-diff, perf-chart).

pytest allows ``pytest_plugins = ("sphinx.testing.fixtures",)`` only in the top-level
conftest, so this directory imports the plugin's fixtures and its marker registration
instead; a top-level ``pytest_plugins`` added later makes these imports redundant, not wrong.
"""

from pathlib import Path

import pytest
from sphinx.testing.fixtures import (  # noqa: F401 (fixtures and hook used by pytest)
    _shared_result_cache,
    app,
    app_params,
    make_app,
    pytest_configure,
    rollback_sysmodules,
    shared_result,
    sphinx_test_tempdir,
    status,
    test_params,
    warning,
)

ROOTS = Path(__file__).parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@pytest.fixture
def review_data() -> Path:
    """The test inputs of the ``test-review`` root (fixtures, not published data)."""
    return ROOTS / "test-review" / "data"
