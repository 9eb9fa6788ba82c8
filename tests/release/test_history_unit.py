"""perfcore.history without Sphinx: options, and a chart drawn without pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfcore.history import HistoryError, load_history, parse_where

REPO = Path(__file__).resolve().parents[2]


def test_where_items_and_errors() -> None:
    assert parse_where("Batch Size=8; Sequence Length = 128;") == {
        "Batch Size": "8", "Sequence Length": "128"}
    with pytest.raises(HistoryError, match="expected Column=value items"):
        parse_where("Batch Size 8")


def test_table_must_name_platform_and_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"expected <platform>/<file>\.csv"):
        load_history(tmp_path, "../secrets.csv", "m", "i", "x")
    with pytest.raises(HistoryError, match="no releases to draw"):
        load_history(tmp_path, "inf2/throughput_data_encoder.csv", "m", "i", "x")


def test_history_chart_is_drawn_without_pandas(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    (releases / "2.9" / "inf2").mkdir(parents=True)
    (releases / "index.csv").write_text("Version,Date,Source\n2.9,2023-01-01,t\n"
                                        "2.10,2023-02-01,t\n", encoding="utf-8")
    (releases / "2.9" / "inf2" / "t.csv").write_text("Model,Inst. Type,Throughput\nm,i,10\n",
                                                     encoding="utf-8")
    script = (
        "import sys; from perfcore.history import load_history, history_chart_svg\n"
        f"h = load_history({str(releases)!r}, 'inf2/t.csv', 'm', 'i', 'Throughput')\n"
        "svg = history_chart_svg(h)\n"
        "assert '2.10: no value' in svg, svg[:300]\n"
        "assert 'pandas' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
