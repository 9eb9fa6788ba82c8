"""Helpers of the campaign tests: campaign files, results files, driver processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def write_campaign(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def start_driver(*args: str) -> subprocess.Popen:
    """``python -m collect campaign ...`` as its own process (to be killed or interrupted)."""
    return subprocess.Popen([sys.executable, "-m", "collect", "campaign", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
