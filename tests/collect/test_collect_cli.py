"""Command line: help on every command, exact one-line errors, and an end-to-end run of
real models on the CPU (about a second each) published into a temporary data folder."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from collect.cli import build_parser, main
from collect.models import known_names

ROOT = Path(__file__).resolve().parents[2]


def error_of(capsys, argv) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "publish", "publish-sweep", "env", "report", "diff"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    assert "usage: collect " + command in capsys.readouterr().out


def test_unknown_model(capsys, tmp_path):
    out = tmp_path / "r.jsonl"
    code, err = error_of(capsys, ["run", "--model", "bert-huge", "--out", str(out)])
    assert code == 1
    assert err == f"error: unknown model 'bert-huge'; known models: {', '.join(known_names())}\n"
    assert not out.exists()


def test_unavailable_backend_says_why(capsys, tmp_path):
    code, err = error_of(capsys, ["run", "--model", "synthetic:1", "--backend", "cuda",
                                  "--out", str(tmp_path / "r.jsonl")])
    assert code == 1
    assert err == ("error: backend cuda is not available: torch "
                   f"{torch.__version__} was built without CUDA\n")
    code, err = error_of(capsys, ["run", "--model", "synthetic:1", "--backend", "neuron",
                                  "--out", str(tmp_path / "r.jsonl")])
    assert err == "error: backend neuron is not available: torch_neuronx is not installed\n"


def test_refuses_to_overwrite_results(capsys, tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text('{"schema_version": 1}\n')
    code, err = error_of(capsys, ["run", "--model", "synthetic:1", "--out", str(out)])
    assert (code, err) == (1, f"error: {out} already exists; pass --resume to continue it "
                              "or --force to overwrite it\n")
    assert out.read_text() == '{"schema_version": 1}\n'


def test_bad_list_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main(["run", "--model", "synthetic:1", "--batch-sizes", "1,x", "--out", "r.jsonl"])
    assert done.value.code == 2
    assert ("argument --batch-sizes: expected comma-separated positive integers, got '1,x'"
            in capsys.readouterr().err)


def test_resume_and_force_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--model", "synthetic:1", "--out", "r.jsonl", "--resume", "--force"])
    assert "not allowed with argument --resume" in capsys.readouterr().err


def test_publish_missing_file(capsys, tmp_path):
    code, err = error_of(capsys, ["publish", str(tmp_path / "nope.jsonl")])
    assert (code, err) == (1, f"error: {tmp_path / 'nope.jsonl'}: results file not found\n")


def test_env_prints_json(capsys):
    assert main(["env", "--json", "--instance-type", "inf2.xlarge"]) == 0
    env = json.loads(capsys.readouterr().out)
    assert env["backend"] == "cpu"
    assert env["instance_type"] == "inf2.xlarge"
    assert env["torch"] == torch.__version__


def test_end_to_end_real_models_then_publish(tmp_path):
    """python -m collect run (distilbert and MiniLM, seq 16, 1 s each) -> publish."""
    out = tmp_path / "raw" / "cpu.jsonl"
    run = subprocess.run(
        [sys.executable, "-m", "collect", "run", "--backend", "cpu",
         "--model", "distilbert-base-uncased,all-MiniLM-L6-v2,synthetic:1",
         "--sequence-length", "16", "--batch-sizes", "1", "--duration", "1",
         "--warmup", "0.2", "--instance-type", "test-cpu.local", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "[3/3] synthetic:1 bs=1 fp32 copies=1 workers=1: ok" in run.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok", "ok", "ok"]
    distilbert, minilm, _ = records
    assert distilbert["throughput_avg"] > 0 and distilbert["latency_ms_p50"] > 0
    assert distilbert["tokenize_ms_p50"] is None
    assert minilm["tokenize_ms_p50"] > 0  # the tokenize -> infer path times tokenization
    assert minilm["env"]["instance_type"] == "test-cpu.local"
    assert minilm["schema_version"] == 1 and minilm["mode"] == "offline"

    data = tmp_path / "data"
    publish = subprocess.run(
        [sys.executable, "-m", "collect", "publish", str(out), "--data-dir", str(data),
         "--allow-unstable"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert publish.returncode == 0, publish.stderr
    assert "left out 1 calibration record(s)" in publish.stdout
    with (data / "cpu" / "throughput_data_encoder.csv").open(newline="") as handle:
        published = {row["Model"]: row for row in csv.DictReader(handle)}
    assert set(published) == {"distilbert-base-uncased", "all-MiniLM-L6-v2"}
    assert published["all-MiniLM-L6-v2"]["Inst. Type"] == "test-cpu.local"
    assert published["all-MiniLM-L6-v2"]["Source"].startswith("collect run ")
    assert (data / "cpu" / "latency_data_encoder.csv").exists()


def test_unwritable_out_is_one_line_before_any_measurement(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = blocker / "r.jsonl"  # its folder would be a file
    code, err = error_of(capsys, ["run", "--model", "synthetic:1", "--out", str(out),
                                  "--duration", "0.2"])
    assert code == 1
    assert err.startswith(f"error: {out}: cannot write: ") and err.count("\n") == 1
    assert capsys.readouterr().out == ""  # nothing was measured


def float_values(value) -> list:
    if isinstance(value, float):
        return [value]
    if isinstance(value, list | tuple):
        return [item for part in value for item in float_values(part)]
    if isinstance(value, dict):
        return float_values(list(value.values()))
    return []


def test_every_float_option_of_run_refuses_nan_and_inf():
    import argparse
    import math

    subparsers = next(action for action in build_parser()._actions
                      if isinstance(action, argparse._SubParsersAction))
    run = subparsers.choices["run"]
    checked = []
    for action in run._actions:
        if not action.option_strings or action.type is None or action.nargs == 0:
            continue
        for text in ("nan", "inf", "-inf", "1,nan", "ttft:inf"):
            try:
                parsed = action.type(text)
            except (argparse.ArgumentTypeError, ValueError, TypeError):
                continue
            values = float_values(parsed)
            assert all(math.isfinite(value) for value in values), (action.option_strings, text)
        checked.append(action.option_strings[0])
    assert {"--duration", "--warmup", "--timeout", "--rate", "--max-batch-delay-ms",
            "--slo-ms", "--slo-start-rate", "--request-timeout", "--goodput"} <= set(checked)


@pytest.mark.parametrize("option", ["--duration", "--warmup", "--timeout", "--rate",
                                    "--slo-ms", "--max-batch-delay-ms"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_float_options_of_run_exit_2_on_nan_and_inf(option, value, capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["run", "--model", "synthetic:1", option, value, "--out",
              str(tmp_path / "r.jsonl")])
    assert done.value.code == 2
    assert f"argument {option}" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()


def test_generation_lengths_beyond_the_models_positions_are_refused_up_front(capsys,
                                                                               tmp_path):
    out = tmp_path / "r.jsonl"
    code, err = error_of(capsys, ["run", "--model", "tiny-gpt2", "--mode", "generate",
                                  "--backend", "cpu", "--input-length", "200",
                                  "--output-length", "100", "--out", str(out)])
    assert (code, err) == (1, "error: --input-length 200 + --output-length 100 = 300 exceeds "
                              "tiny-gpt2's 256 positions (n_positions)\n")
    assert not out.exists()


def test_run_summarises_statuses_and_fails_on_error_only_when_asked(capsys, tmp_path):
    out = tmp_path / "r.jsonl"
    argv = ["run", "--model", "synthetic:3000,synthetic:1", "--backend", "cpu",
            "--duration", "0.2", "--warmup", "0.05", "--timeout", "1", "--no-utilization",
            "--out", str(out)]
    assert main(argv) == 0
    assert (f"{out}: 2 configuration(s) recorded: 1 ok, 0 oom, 0 failed, 1 timeout\n"
            in capsys.readouterr().out)
    assert main([*argv, "--force", "--fail-on-error"]) == 3
    captured = capsys.readouterr()
    assert "1 ok, 0 oom, 0 failed, 1 timeout" in captured.out
    assert ("error: 1 configuration(s) ended failed/timeout/compile_failed/degraded "
            "(--fail-on-error)") in captured.err


def test_oom_is_an_expected_sweep_boundary_not_an_error():
    from collect.engine.outcome import ERROR_STATUSES, status_counts

    counts = status_counts([{"status": "ok"}, {"status": "oom"}, {"status": "skipped"}])
    assert counts == {"ok": 1, "oom": 1, "failed": 0, "timeout": 0, "skipped": 1}
    assert "oom" not in ERROR_STATUSES and "skipped" not in ERROR_STATUSES
