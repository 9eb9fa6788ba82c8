"""Fixtures for the release-history tests: small trees written here, not copies of real pages.

The numbers below are test values only (they are not published anywhere). The source tree
has the shape of ``shared/neuron-pages/releases/``: ``releases.csv`` plus one folder per
change, ``<date>_sdk-<version>_<commit>`` or ``<date>_update_<commit>``, and a
``SOURCE.txt`` next to it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MAP = REPO / "data" / "releases" / "column-map.yaml"

ENCODER_OLD = (
    "Model,Scripts,Framework,Inst. Type,Throughput (/sec),Latency P50 (ms),Latency P99 (ms),"
    "Application Type,Neuron Version,Run Mode,Batch Size,Sequence Length,Model Data Type,"
    "Compilation Autocast Data Type,Legacy Notes\n"
)
ENCODER_NEW = (
    "Model,Scripts,Framework,Inst. Type,Task,Throughput (inference/second),Latency P50 (ms),"
    "Latency P99 (ms),Application Type,Neuron Version,Run Mode,Batch Size,Sequence Length,"
    "Model Data Type,Compilation Autocast Data Type,OS Type\n"
)


def _old_row(model: str, throughput: str, version: str, batch: str = "8") -> str:
    return (f"{model},bench,PyTorch 1.13,Inf2.xlarge,{throughput},5.0,6.0,Batch,{version},"
            f"Data Parallel,{batch},128,FP32,Matmult-BF16,old note\n")


def _new_row(model: str, throughput: str, version: str, batch: str = "8") -> str:
    return (f"{model},bench,PyTorch 2.1,Inf2.xlarge,Raw Output,{throughput},5.0,6.0,Batch,"
            f"{version},Data Parallel,{batch},128,FP32,Matmult-BF16,U22\n")


FOLDERS = {
    # before the first SDK folder: reported, not imported
    "2023-01-02_update_aaaaaaa1": {"inf2/throughput_data.csv": ENCODER_OLD
                                   + _old_row("model-a", "90.5", "1.8.0")},
    "2023-02-01_sdk-1.9.0_bbbbbbb2": {
        "inf2/throughput_data.csv": ENCODER_OLD + _old_row("model-a", "100.5", "1.9.0"),
        "inf2/inf2_instance_prices.csv": "Inst. Type,On-Demand hourly rate\nInf2.xlarge,0.76\n",
    },
    # an update after 1.9.0: the last state before 1.10.0, so release 1.9.0's CSVs
    "2023-02-15_update_ccccccc3": {
        "inf2/throughput_data.csv": ENCODER_OLD + _old_row("model-a", "101.5", "1.9.0")
        + _old_row("model-b", "50", "1.9.0"),
        "inf2/inf2_instance_prices.csv": "Inst. Type,On-Demand hourly rate\nInf2.xlarge,0.76\n",
        "inf2/mystery_table.csv": "Model,Inst. Type\nx,y\n",
        "trn1/nlp_data.csv": "Model,Data-Type\nbert,bf16\n",
    },
    "2023-03-01_sdk-1.10.0_ddddddd4": {
        "inf2/throughput_data_encoder.csv": ENCODER_NEW + _new_row("model-a", "120", "1.10.0"),
    },
    # a second commit of the same release, spelled without the trailing .0: its state
    "2023-03-05_sdk-1.10_eeeeeee5": {
        "inf2/throughput_data_language.csv": ENCODER_NEW + _new_row("model-b", "55", "1.10.0"),
        "inf2/throughput_data_encoder.csv": ENCODER_NEW + _new_row("model-a", "125", "1.10.0")
        + "model-c,bench,PyTorch 2.1,Inf2.xlarge,Raw Output,77,5.0,Batch,1.10.0\n"
        + _new_row("model-d", "10", "1.10.0"),
        "inf2/inf2_instance_prices.csv": "Inst. Type,RI-Effective hourly rate,Spot-ish rate\n"
                                         "Inf2.xlarge,0.33,0.2\n",
    },
}
SOURCE_TEXT = "example-org/example-docs, folder benchmarks. Licensed CC BY-SA 4.0 (test tree).\n"


def write_source_tree(root: Path, folders: dict[str, dict[str, str]] | None = None) -> Path:
    """``root/releases`` (returned) and ``root/SOURCE.txt``."""
    folders = FOLDERS if folders is None else folders
    src = root / "releases"
    lines = ["folder,date,commit,subject"]
    for name, files in folders.items():
        date, _, commit = name.split("_")
        lines.append(f"{name},{date},{commit}0000,change {name}")
        for relative, text in files.items():
            path = src / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    (src / "releases.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "SOURCE.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    return src


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    return write_source_tree(tmp_path / "upstream")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty site data folder holding only the project's column map."""
    data = tmp_path / "data"
    (data / "releases").mkdir(parents=True)
    shutil.copy(MAP, data / "releases" / "column-map.yaml")
    return data
