"""perfcore.history without Sphinx: options, and a chart drawn without pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfcore.history import (
    HistoryError,
    description,
    history_chart_svg,
    history_rows,
    load_history,
    parse_where,
)
from perfcore.models import load_model_catalog, parse_model_catalog
from perfcore.releases import version_key

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


def _releases(tmp_path: Path, folders: dict[str, str], index: str) -> Path:
    releases = tmp_path / "releases"
    for version, text in folders.items():
        (releases / version / "inf2").mkdir(parents=True)
        (releases / version / "inf2" / "t.csv").write_text(text, encoding="utf-8")
    (releases / "index.csv").write_text("Version,Date,Source\n" + index, encoding="utf-8")
    return releases


def test_a_row_measured_with_a_later_sdk_sits_at_that_release(tmp_path: Path) -> None:
    """The imported folder 2.6.0 holds the April 2023 rows measured with Neuron 2.9.0."""
    header = "Model,Inst. Type,Throughput,Neuron Version,Batch Size\n"
    releases = _releases(tmp_path, {
        "2.6.0": header + "m,i,2599.3,2.9.0,8\n",
        "2.10.0": header + "m,i,2838.14,2.10.0,8\n",
        "2.14.0": header + "m,i,2822.93,2.14.0,16\n",
    }, "2.6.0,2022-12-13,t\n2.10.0,2023-05-01,t\n2.14.0,2023-09-15,t\n")
    history = load_history(releases, "inf2/t.csv", "m", "i", "Throughput")
    assert [(p.release.version, p.text if p.value is not None else None, p.folder)
            for p in history.points] == [
        ("2.6.0", None, ""), ("2.9.0", "2599.3", "2.6.0"), ("2.10.0", "2838.14", ""),
        ("2.14.0", "2822.93", "")]
    assert history.points[0].text == "its row was measured with Neuron 2.9.0 (drawn at 2.9.0)"
    assert [p.changes for p in history.points] == [
        (), (), (), (("Batch Size", "8", "16"),)]
    header_row, rows = history_rows(history)
    assert header_row[-2:] == ["Configuration change", "Row"]
    assert rows[1][:2] == ["2.9.0", "(in release 2.6.0's files)"]
    assert rows[3][-2] == "Batch Size 8 -> 16"
    svg = history_chart_svg(history)
    assert "batch size 8\u219216" in svg  # the change is marked on the line
    assert "2.14.0: 2822.93 (Batch Size 8 -> 16)" in description(history)


def test_a_renamed_model_stays_on_one_line(tmp_path: Path) -> None:
    header = "Model,Inst. Type,Throughput\n"
    releases = _releases(tmp_path, {"2.13.0": header + "Stable Diffusion XL,i,0.07\n",
                                     "2.14.0": header + "Stable Diffusion XL Base,i,0.07\n"},
                         "2.13.0,2023-08-28,t\n2.14.0,2023-09-15,t\n")
    models = parse_model_catalog(
        "schema_version: 1\nmodels:\n  sdxl:\n    name: Stable Diffusion XL Base\n"
        "    family: SD\n    aliases: [Stable Diffusion XL Base, Stable Diffusion XL]\n"
        "    source: renamed in 2.14.0\n", "models.yaml")
    history = load_history(releases, "inf2/t.csv", "Stable Diffusion XL", "i", "Throughput",
                           models=models)
    assert [p.text for p in history.points] == ["0.07", "0.07"]
    assert history.model == "Stable Diffusion XL Base"
    unnamed = load_history(releases, "inf2/t.csv", "Stable Diffusion XL", "i", "Throughput")
    assert [p.value for p in unnamed.points] == [0.07, None]  # without a catalog: two models


def test_the_repository_history_puts_the_2_9_0_measurement_at_2_9_0() -> None:
    models = load_model_catalog(REPO / "data" / "models.yaml")
    history = load_history(REPO / "data" / "releases", "inf2/throughput_data_encoder.csv",
                           "bert-base-cased", "inf2.xlarge", "Throughput (inference/second)",
                           models=models)
    by_version = {p.release.version: p for p in history.points}
    assert by_version["2.6.0"].value is None and by_version["2.9.0"].text == "2599.3"
    assert by_version["2.9.0"].context["Neuron Version"] == "2.9.0"
    for point in history.points:  # no point sits before the SDK it was measured with
        stated = point.context.get("Neuron Version", "")
        if point.value is not None and stated[:1].isdigit():
            assert version_key(stated) <= version_key(point.release.version), point
    assert [p.release.version for p in history.points if p.changes] == ["2.14.0", "2.18.0"]
