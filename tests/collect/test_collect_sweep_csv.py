import csv
import json
from pathlib import Path

import pytest

from collect.cli import main
from collect.publish.sweep_csv import SweepOptions, publish_sweep
from perfcore.errors import UserError


def generation_record(batch: int, status: str = "ok", **values) -> dict:
    """A seed-003-style generation record (test input, not published data)."""
    return {"schema_version": 1, "run_id": "seed-003", "source": "seed 003", "mode": "generate",
            "backend": "cuda", "engine": "HF", "dtype": "fp32", "batch_size": batch,
            "status": status, **values}


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_oom_cells_keep_their_status_and_values_stay_empty(tmp_path):
    results = write(tmp_path / "r.jsonl", [
        generation_record(1, tokens_per_s=51.59, ms_per_token=19.38, e2e_s=1.94),
        generation_record(1024, status="oom"),
    ])
    path, changes = publish_sweep(SweepOptions([results], "bloom", tmp_path, "gpu"))
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert path == tmp_path / "gpu" / "sweep_bloom.csv"
    assert [(r["Batch Size"], r["Throughput (tokens/second)"], r["Status"]) for r in rows] == [
        ("1", "51.59", "ok"), ("1024", "", "oom")]
    assert rows[0]["Source"] == "seed 003"
    assert len(changes.added) == 2


def test_republishing_changes_nothing(tmp_path):
    results = write(tmp_path / "r.jsonl", [generation_record(2, tokens_per_s=103.92)])
    publish_sweep(SweepOptions([results], "bloom", tmp_path, "gpu"))
    before = (tmp_path / "gpu" / "sweep_bloom.csv").read_bytes()
    _, changes = publish_sweep(SweepOptions([results], "bloom", tmp_path, "gpu"))
    assert not changes.changed
    assert (tmp_path / "gpu" / "sweep_bloom.csv").read_bytes() == before


def test_mixed_modes_are_refused(tmp_path):
    offline = {**generation_record(1), "mode": "offline"}
    results = write(tmp_path / "r.jsonl", [generation_record(1), offline])
    with pytest.raises(UserError, match="one mode; these results mix generate, offline"):
        publish_sweep(SweepOptions([results], "bloom", tmp_path, "gpu"))


def test_cli_rejects_a_bad_name_in_one_line(tmp_path, capsys):
    results = write(tmp_path / "r.jsonl", [generation_record(1)])
    assert main(["publish-sweep", str(results), "--name", "Bad Name", "--platform", "gpu"]) == 1
    assert capsys.readouterr().err == (
        "error: --name must be lower-case letters, digits, '-' or '_', got 'Bad Name'\n")
