"""Fixtures for the migration tests: a copy of the legacy pages and a migrate runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from collect.cli import main

LEGACY = Path(__file__).resolve().parent / "legacy"


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    src = tmp_path / "legacy"
    shutil.copytree(LEGACY, src)
    return src


Migrate = Callable[..., tuple[int, str, str]]


@pytest.fixture
def migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Migrate:
    """``migrate(src, *options, docs=...)`` -> exit status, stdout, stderr (DATA = tmp/data)."""

    def run(src: Path, *options: str, docs: str = "docs") -> tuple[int, str, str]:
        status = main(["migrate", str(src), "--data-dir", str(tmp_path / "data"),
                       "--docs-dir", str(tmp_path / docs), "--source-label", "legacy-site",
                       *options])
        out, err = capsys.readouterr()
        return status, out, err

    return run
