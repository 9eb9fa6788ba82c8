"""End to end on real parts: a tiny real model under open-loop load and generation, with
utilisation sampling, written as results JSONL with sidecars, then turned into a report."""

import json

import pytest
import torch
from transformers import GPT2Config

from collect.engine.schedule import poisson_schedule
from collect.env.utilization import UtilizationSampler, write_timeseries
from collect.generate.measure import build_random_model, generation_sweep
from collect.openloop.runner import run_poisson
from collect.report.rst import write_report


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_records_from_real_runs_make_a_report(tmp_path):
    torch.manual_seed(0)
    config = GPT2Config(n_layer=2, n_embd=64, n_head=2, vocab_size=256, n_positions=64,
                        bos_token_id=0, eos_token_id=1)
    model = build_random_model(config)
    inputs = torch.randint(2, 256, (8, 16))

    def infer(batch_size):
        with torch.inference_mode():
            model(input_ids=inputs[:batch_size])

    results = tmp_path / "run-7.jsonl"
    identity = {"schema_version": 1, "run_id": "run-7", "source": "collect run",
                "model": "gpt2 (tiny test config)", "backend": "cpu", "dtype": "fp32"}
    records = []
    with UtilizationSampler(interval_s=0.1, neuron_monitor_command=[]) as sampler:
        fields = run_poisson(infer, poisson_schedule(100, 0.5, seed=1), max_batch_size=4,
                             max_batch_delay_ms=1.0, warmup_s=0.05)
    record = {**identity, "config_id": "poisson100", **fields,
              "utilization": sampler.summary(),
              "timeseries_file": write_timeseries(results, "poisson100", sampler.timeseries())}
    records.append(record)
    for number, fields in enumerate(generation_sweep(lambda dtype: model, [1, 2], ["fp32"],
                                                     input_length=8, output_length=4,
                                                     duration_s=0.0, min_iterations=2)):
        records.append({**identity, "config_id": f"gen{number}", **fields})
    results.write_text("".join(json.dumps(r) + "\n" for r in records))

    assert records[0]["achieved_rate"] == pytest.approx(100, rel=0.05)
    assert [r["status"] for r in records] == ["ok", "ok", "ok"]

    written = write_report([results], tmp_path / "report")
    page = written.index.read_text()
    assert written.notes == []
    assert "timeseries_1.svg" in page and (tmp_path / "report" / "timeseries_1.svg").exists()
    for title in ("Results summary", "On\\-demand load", "Generation", "Dashboard metrics"):
        assert title in page
