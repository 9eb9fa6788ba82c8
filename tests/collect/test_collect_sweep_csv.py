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
        generation_record(1, model="bloom", tokens_per_s=51.59, ms_per_token=19.38, e2e_s=1.94),
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


@pytest.fixture(scope="module")
def generate_runs(tmp_path_factory) -> dict[str, Path]:
    """Real ``collect run --mode generate`` results, one file per tiny model."""
    folder = tmp_path_factory.mktemp("generate")
    files = {}
    for model in ("tiny-gpt2", "tiny-t5"):
        files[model] = folder / f"{model}.jsonl"
        assert main(["run", "--mode", "generate", "--model", model, "--batch-sizes", "1,2",
                     "--input-length", "8", "--output-length", "4", "--duration", "0.05",
                     "--no-utilization", "--instance-type", "c5.xlarge",
                     "--out", str(files[model])]) == 0
    return files


def test_a_real_generate_run_publishes_values_and_a_second_model_adds_rows(tmp_path,
                                                                           generate_runs):
    for model in ("tiny-gpt2", "tiny-t5"):
        publish_sweep(SweepOptions([generate_runs[model]], "tiny", tmp_path, "cpu"))
    with (tmp_path / "cpu" / "sweep_tiny.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = [json.loads(line) for model in ("tiny-gpt2", "tiny-t5")
               for line in generate_runs[model].read_text().splitlines()]
    assert [(r["Model"], r["Batch Size"]) for r in rows] == [
        ("tiny-gpt2", "1"), ("tiny-gpt2", "2"), ("tiny-t5", "1"), ("tiny-t5", "2")]
    for row, record in zip(rows, records, strict=True):
        assert row["Status"] == "ok"
        assert float(row["Throughput (tokens/second)"]) == pytest.approx(
            record["total_tokens_per_s"], rel=0.01)
        assert float(row["Time per Token (ms)"]) == pytest.approx(
            record["latency_per_token_ms_p50"], rel=0.01, abs=0.01)
        assert float(row["Latency (s)"]) == pytest.approx(record["e2e_ms_p50"] / 1000, rel=0.01)


def test_a_sweep_csv_of_two_models_shows_one_series_per_model(tmp_path, generate_runs):
    from perfcore.csvfile import read_csv_text
    from perfcore.sweep import build_sweep, parse_sweep_spec

    for model in ("tiny-gpt2", "tiny-t5"):
        publish_sweep(SweepOptions([generate_runs[model]], "tiny", tmp_path, "cpu"))
    table = build_sweep(read_csv_text(tmp_path / "cpu" / "sweep_tiny.csv"),
                        parse_sweep_spec("data: x\nvalue: Throughput (tokens/second)\n"))
    assert table.columns == ("Batch Size", "tiny-gpt2 (CPU, 1 copy x 1 thread) (fp32)",
                             "tiny-t5 (CPU, 1 copy x 1 thread) (fp32)")
