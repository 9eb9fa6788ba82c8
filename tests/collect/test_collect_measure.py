"""The measurement loop and the sweep on the synthetic calibration model (real threads,
real clocks; about a second each)."""

import io
import json

import pytest

from collect.backends.base import Backend, Prepared, Request
from collect.backends.cpu import CpuBackend, split_cores
from collect.engine.options import SweepOptions, Timing
from collect.engine.outcome import classify
from collect.models import resolve
from collect.offline.measure import (
    MeasureOptions,
    measure_offline,
    offline_metrics,
    window_seconds,
)
from collect.run.modes import plan
from collect.run.runner import run_sweep


def synthetic(ms: str, batch: int = 1, copies: int = 1, workers: int = 1) -> Prepared:
    request = Request(resolve(f"synthetic:{ms}"), batch, None, "fp32", copies, workers)
    return CpuBackend().prepare(request)


def test_measure_synthetic_two_copies():
    result = measure_offline(synthetic("2.0", batch=2, copies=2), 2, 1,
                             MeasureOptions(duration_s=1.0, warmup_s=0.2))
    assert result["duration_s"] == pytest.approx(1.0, abs=0.01)
    # Loose bounds: the CI machine is shared; accuracy is checked by
    # benchmarks/collector_fidelity.py, not by timed tests.
    assert result["latency_ms_min"] >= 2.0
    assert result["n_inferences"] == 2 * result["n_batches"]
    # Two independent copies at 2 ms per batch of 2: at most 2000 inferences/s.
    assert 0 < result["throughput_avg"] <= 2000 * 1.01
    assert result["throughput_windows"] and result["throughput_peak"] == max(
        result["throughput_windows"])
    assert result["tokenize_ms_p50"] is None


def test_summarize_separates_warmup_and_measurement():
    entries = [(-2.0, 0.0, 0.0), (0.0, 0.5, 0.0), (0.5, 0.99, 0.0), (1.0, 1.1, 0.001),
               (1.1, 1.2, 0.001), (2.95, 3.05, 0.001)]
    measured = offline_metrics(entries, batch_size=4, measure_start=1.0, measure_end=3.0,
                               warmup_s=1.0)
    assert measured.n_batches == 2  # the batch ending after 3.0 is left out of the counts
    # ... but throughput counts its half inside the interval: (4 + 4 + 2) / 2 s
    assert measured.throughput_avg == pytest.approx(5.0)
    assert measured.latency_ms_p50 == pytest.approx(100.0)
    assert measured.latency_ms_max == pytest.approx(100.0)
    assert measured.tokenize_ms_p50 == pytest.approx(1.0)
    # The later warm-up batches took 0.5 s (the cold first one is ignored): 4 batch times.
    assert measured.window_s == 2.0


def test_throughput_avg_of_batches_longer_than_a_window_is_exact():
    # back-to-back 700 ms batches of 1 from t=0; a 5 s interval starting just after a
    # batch ended holds 7.14 batches' work but only 7 completions - and starting just
    # before one ends, 8: whole-batch counting read 2% low or 12% high
    entries = [(0.7 * i, 0.7 * (i + 1), 0.0) for i in range(12)]
    for start in (0.71, 0.69, 1.0):
        measured = offline_metrics(entries, 1, measure_start=start, measure_end=start + 5.0,
                                   warmup_s=start)
        assert measured.throughput_avg == pytest.approx(1 / 0.7)


def test_window_seconds():
    assert window_seconds([]) == 1.0
    assert window_seconds([0.01, 0.02]) == 1.0
    assert window_seconds([0.7, 0.7, 0.71]) == 2.8


def test_split_cores():
    assert split_cores([0, 1, 2, 3, 4], 2) == [{0, 1, 2}, {3, 4}]
    assert split_cores([0, 1], 3) == [{0}, {1}, {0}]


def test_plan_orders_batches_and_dedupes_vision_sequence_lengths(tmp_path):
    options = SweepOptions(models=["resnet50", "gpt2"], backend="cpu", out=tmp_path / "r.jsonl",
                           batch_sizes=[4, 1, 2], sequence_lengths=[64, 128])
    configs = plan(options)
    resnet = [c for c in configs if c.spec.name == "resnet50"]
    assert [c.batch_size for c in resnet] == [1, 2, 4]
    assert {c.sequence_length for c in resnet} == {None}
    assert len([c for c in configs if c.spec.name == "gpt2"]) == 6


def test_classify():
    assert classify(RuntimeError("CUDA out of memory. Tried to allocate"))[0] == "oom"
    assert classify(MemoryError())[0] == "oom"
    assert classify(ValueError("bad\nsecond line")) == ("failed", "ValueError: bad")


def cpu_allocation_failure() -> RuntimeError:
    """What PyTorch's CPU allocator raises when memory runs out (a real allocation)."""
    import torch

    try:
        torch.empty(2**50, dtype=torch.uint8)  # 1 PiB
    except RuntimeError as error:
        return error
    raise AssertionError("a 1 PiB allocation succeeded")


def test_cpu_out_of_memory_is_oom_in_every_mode():
    from collect.generate.measure import failure_record

    error = cpu_allocation_failure()
    assert "can't allocate memory" in str(error)
    status, reason = classify(error)
    assert status == "oom" and "DefaultCPUAllocator" in reason
    assert failure_record(error)["status"] == "oom"  # generation cells: the same test
    assert classify(OSError(12, "Cannot allocate memory"))[0] == "oom"
    assert classify(RuntimeError("shape mismatch"))[0] == "failed"


class OutOfMemoryAbove(Backend):
    """Runs the synthetic model, but above a batch size allocates more than any host has
    (PyTorch's CPU allocator raises a RuntimeError: "can't allocate memory")."""

    name = "cpu"

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def check_available(self) -> None:
        return None

    def prepare(self, request: Request) -> Prepared:
        if request.batch_size > self.limit:
            def step() -> float:
                import torch

                torch.empty(2**50, dtype=torch.uint8)
                return 0.0

            return Prepared(steps=[step] * request.n_models)
        return CpuBackend().prepare(request)


def test_sweep_records_oom_then_skips_larger_batches(tmp_path):
    out = tmp_path / "r.jsonl"
    options = SweepOptions(models=["synthetic:0.5"], backend="cpu", out=out,
                           batch_sizes=[1, 2, 4, 8], timing=Timing(0.3, 0.05))
    stream = io.StringIO()
    records = run_sweep(options, stream, backend=OutOfMemoryAbove(2))
    assert [r["status"] for r in records] == ["ok", "ok", "oom", "skipped"]
    assert "DefaultCPUAllocator: can't allocate memory" in records[2]["reason"]
    assert records[3]["reason"] == "batch size 4 ran out of memory"
    assert records[3]["throughput_avg"] is None
    lines = out.read_text().splitlines()
    assert [json.loads(line)["status"] for line in lines] == ["ok", "ok", "oom", "skipped"]
    assert "[4/4] synthetic:0.5 bs=8 fp32 copies=1 workers=1: skipped: batch size 4" in (
        stream.getvalue())


def test_timeout_is_a_result_and_the_sweep_goes_on(tmp_path):
    options = SweepOptions(models=["synthetic:5000", "synthetic:1"], backend="cpu",
                           out=tmp_path / "r.jsonl", timing=Timing(0.3, 0.05, 1.5))
    records = run_sweep(options, io.StringIO())
    assert [r["status"] for r in records] == ["timeout", "ok"]
    assert records[0]["reason"] == "warm-up did not finish before the timeout"


def test_resume_runs_only_missing_configurations(tmp_path):
    out = tmp_path / "r.jsonl"
    first = SweepOptions(models=["synthetic:1"], backend="cpu", out=out, batch_sizes=[1],
                         timing=Timing(0.2, 0.05))
    run_sweep(first, io.StringIO())
    with out.open("a") as handle:
        handle.write('{"schema_version": 1, "config_id": "torn')  # a crash mid-write
    resumed = SweepOptions(models=["synthetic:1"], backend="cpu", out=out, batch_sizes=[1, 2],
                           timing=Timing(0.2, 0.05), resume=True)
    stream = io.StringIO()
    records = run_sweep(resumed, stream)
    assert [r["batch_size"] for r in records] == [2]
    assert f"{out}:2: removed a torn last line" in stream.getvalue()
    assert "resume: 1 of 2 configurations already have a final status" in stream.getvalue()
    assert [json.loads(line)["batch_size"] for line in out.read_text().splitlines()] == [1, 2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_lines_otherwise():
    from collect.engine.progress import Progress, format_seconds

    record = {"status": "ok", "throughput_avg": 12.5, "latency_ms_p50": 80.0, "stable": True}
    terminal = Terminal()
    progress = Progress(4, terminal, estimate_s=30.0)
    progress.start("m bs=1")
    assert "[------------------------] 0/4 ETA 2:00  m bs=1" in terminal.getvalue()
    progress.done("m bs=1", record)
    progress.start("m bs=2")
    assert "] 1/4 ETA " in terminal.getvalue()
    plain = io.StringIO()
    progress = Progress(1, plain, estimate_s=1.0)
    progress.start("m bs=1")
    progress.done("m bs=1", {**record, "stable": False})
    assert plain.getvalue() == "[1/1] m bs=1: ok 12.50 inf/s, P50 80.000 ms (unstable)\n"
    assert format_seconds(3725) == "1:02:05"


def test_two_workers_per_copy_share_the_copy():
    result = measure_offline(synthetic("1.0", copies=1, workers=2), 1, 2,
                             MeasureOptions(duration_s=0.5, warmup_s=0.1))
    assert result["n_batches"] > 0
    assert result["throughput_avg"] <= 2000 * 1.01  # two workers at 1 ms each at most


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's own, on dynamo import
def test_a_compile_error_is_compile_failed():
    import torch

    from collect.backends.cpu import compile_module
    from collect.errors import CompileFailed

    class Broken(torch.nn.Module):
        def forward(self, input_ids):
            raise ValueError("unsupported operator")

    with pytest.raises(CompileFailed, match=r"^torch\.compile failed: ") as error:
        compile_module(Broken(), {"input_ids": torch.ones(1, 2)}, None)
    assert classify(error.value)[0] == "compile_failed"


def test_offline_measurement_pauses_the_garbage_collector():
    import gc

    result = measure_offline(synthetic("2.0"), 1, 1, MeasureOptions(duration_s=0.3,
                                                                    warmup_s=0.1))
    assert result["gc"]["frozen_objects"] > 0 and "collect_after_ms" in result["gc"]
    assert gc.isenabled() and gc.get_freeze_count() == 0
