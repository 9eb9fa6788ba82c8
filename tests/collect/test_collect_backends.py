"""Backend pieces that run without their hardware: NeuronCore assignment, the Neuron
compiler's autocast arguments and their published column, the placement convention, the
release of model copies before a cache is emptied, and (on a GPU only) cuda's --compile."""

import csv
import gc
import json
import os
import weakref

import pytest
import torch

from collect.backends.base import Request, compile_module, make_step, releasing
from collect.backends.neuron import (
    NeuronBackend,
    autocast_for,
    environment,
    parse_cores,
    visible_cores_for,
)
from collect.errors import CollectError
from collect.models import resolve
from collect.publish.tables import PublishOptions, publish
from perfcore.columns import record_value


def test_each_configuration_gets_its_own_cores_from_the_process_set():
    # an --n-models sweep: each configuration names its own cores (setdefault kept the first)
    assert [visible_cores_for(n, None) for n in (1, 2, 12)] == ["0", "0-1", "0-11"]
    assert visible_cores_for(2, "4-7") == "4-5"  # e.g. Ray gave the process cores 4-7
    assert visible_cores_for(3, "0,2,5,7") == "0,2,5"
    assert parse_cores("0-1,4") == [0, 1, 4]
    with pytest.raises(CollectError, match=r"--n-models 5: only 4 NeuronCore\(s\) are visible"):
        visible_cores_for(5, "4-7")
    with pytest.raises(CollectError, match="is not a core list"):
        visible_cores_for(1, "all")


def test_environment_sets_and_restores():
    name = "COLLECT_TEST_VISIBLE_CORES"
    assert name not in os.environ
    with environment(name, "0-1"):
        assert os.environ[name] == "0-1"
        with environment(name, "0"):
            assert os.environ[name] == "0"
        assert os.environ[name] == "0-1"
    assert name not in os.environ


def test_the_backend_keeps_the_set_it_was_started_with():
    with environment("NEURON_RT_VISIBLE_CORES", "8-15"):
        backend = NeuronBackend()
    assert backend.given_cores == "8-15"


def test_autocast_arguments_and_their_recorded_value():
    assert autocast_for("fp32") == (["--auto-cast", "matmult", "--auto-cast-type", "bf16"],
                                    "Matmult-BF16")
    assert autocast_for("bf16") == (["--auto-cast", "none"], "None")
    with pytest.raises(CollectError, match="no autocast setting"):
        autocast_for("int8")


def test_the_recorded_autocast_is_published_in_its_column(tmp_path):
    assert record_value("Compilation Autocast Data Type",
                        {"compiler_autocast": "Matmult-BF16"}) == "Matmult-BF16"
    record = {
        "schema_version": 1, "run_id": "20261122T000000Z-cccccc", "config_id": "c1",
        "status": "ok", "reason": None, "source": "collect run", "model": "bert-base-uncased",
        "backend": "neuron", "mode": "offline", "batch_size": 1, "n_models": 1,
        "workers_per_model": 1, "sequence_length": 128, "dtype": "fp32",
        "throughput_avg": 100.0, "latency_ms_p50": 10.0, "latency_ms_p95": 11.0,
        "latency_ms_p99": 12.0, "stable": True, "stability": {"window_spread": 0.01},
        "compiler_autocast": "Matmult-BF16",
        "env": {"instance_type": "inf2.xlarge", "torch": "2.13.0", "neuron": None},
    }
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps(record) + "\n")
    publish(PublishOptions([results], data_dir=tmp_path / "data"))
    with (tmp_path / "data/inf2/throughput_data_encoder.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["Compilation Autocast Data Type"] == "Matmult-BF16"
    assert row["Model Data Type"] == "FP32"


def test_inputs_are_placed_inside_every_timed_step():
    host = {"x": torch.ones(1)}
    placed = []

    def run(batch: dict) -> None:  # a device runner copies them here (cuda's stream_runner)
        placed.append(batch)

    step = make_step(run, host, None)
    for _ in range(3):
        step()
    assert len(placed) == 3  # the host-to-device copy is part of each batch's time
    assert all(batch is host for batch in placed)  # host inputs, never placed in advance


def test_cleanup_drops_the_copies_before_emptying_the_cache():
    module = torch.nn.Linear(4, 4)
    alive = weakref.ref(module)
    modules = [module]
    steps = [make_step(lambda batch, m=module: m(**batch), {"input": torch.ones(1, 4)}, None)]
    del module
    seen = []
    cleanup = releasing(steps, modules, lambda: seen.append(alive()))
    gc.collect()
    assert alive() is not None  # the configuration's steps still hold it
    cleanup()
    assert seen == [None] and steps == [] and modules == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_compile_is_honoured():
    from collect.backends.cuda import CudaBackend, placer

    request = Request(resolve("tiny-gpt2"), 1, 16, "fp32", 1, 1, compiled=True)
    prepared = CudaBackend().prepare(request)
    try:
        assert prepared.compile_time_s is not None and prepared.compile_time_s > 0
        prepared.steps[0]()
    finally:
        prepared.cleanup()
    device = torch.device("cuda", 0)
    _compiled, seconds = compile_module(torch.nn.Linear(4, 4).to(device),
                                        {"input": torch.ones(1, 4)}, None, placer(device))
    assert seconds > 0
