"""Does the collector report the truth? Side-by-side figures, PASS/FAIL per target.

1. Calibration model (``synthetic:<ms>``, known service time): the collector's P50 must
   be within 2% (1 ms) / 5% (0.1 ms) of the truth and its throughput at least 0.98x /
   0.90x of the ideal ``batch / service time``.
2. A real model (bert-base-uncased, sequence 128, batch 1 and 8, CPU): the collector's
   P50 batch latency against ``torch.utils.benchmark.Timer`` timing the same step
   callable with the same intra-op thread count; the ratio must be within 5%. The two
   alternate in short rounds (collector, Timer, collector, Timer, ...) and the figure is
   the median of the per-round ratios, so that drift in the machine's load hits both.

Run: ``.venv/bin/python benchmarks/collector_fidelity.py`` (about 2 minutes; ``--quick``
for a shorter smoke run whose figures are not meant to be reported).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collect.backends.base import Request
from collect.backends.cpu import CpuBackend
from collect.env.envinfo import collect_env
from collect.models import resolve
from collect.offline.measure import MeasureOptions, measure_offline

CALIBRATION = ((1.0, 0.02, 0.98), (0.1, 0.05, 0.90))
REAL_TOLERANCE = 0.05


def calibration_rows(duration_s: float) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for ms, p50_tolerance, throughput_floor in CALIBRATION:
        prepared = CpuBackend().prepare(Request(resolve(f"synthetic:{ms}"), 1, None, "fp32", 1, 1))
        result = measure_offline(prepared, 1, 1, MeasureOptions(duration_s))
        p50_ratio = result["latency_ms_p50"] / ms
        ideal = 1000.0 / ms
        throughput_ratio = result["throughput_avg"] / ideal
        rows.append((f"synthetic:{ms} P50 (ms)",
                     f"{result['latency_ms_p50']:.4f} vs truth {ms:.4f}",
                     f"ratio {p50_ratio:.4f} (target within {p50_tolerance:.0%})",
                     abs(p50_ratio - 1) <= p50_tolerance))
        rows.append((f"synthetic:{ms} throughput (inf/s)",
                     f"{result['throughput_avg']:.1f} vs ideal {ideal:.1f}",
                     f"ratio {throughput_ratio:.4f} (target >= {throughput_floor})",
                     throughput_ratio >= throughput_floor))
        # Informational: throughput against 1 / mean latency isolates the harness's own
        # gap between batches from slow batches (preemption by other processes).
        by_mean = 1000.0 / result["latency_ms_mean"]
        rows.append((f"synthetic:{ms} harness gap",
                     f"{result['throughput_avg']:.1f} vs 1/mean latency {by_mean:.1f}",
                     f"ratio {result['throughput_avg'] / by_mean:.4f} (info; P99 "
                     f"{result['latency_ms_p99']:.4f} ms)", None))
    return rows


def timer_median_ms(step, threads: int, seconds: float) -> float:
    from torch.utils.benchmark import Timer

    timer = Timer(stmt="step()", globals={"step": step}, num_threads=threads)
    return timer.blocked_autorange(min_run_time=seconds).median * 1000


def real_model_rows(duration_s: float, rounds: int,
                    threads: int | None) -> list[tuple[str, str, str, bool]]:
    rows = []
    spec = resolve("bert-base-uncased")
    for batch in (1, 8):
        request = Request(spec, batch, 128, "fp32", 1, 1, intra_op_threads=threads)
        prepared = CpuBackend().prepare(request)
        threads = prepared.extra["intra_op_threads"]
        collector, timer = [], []
        for round_index in range(rounds):
            # The first round warms the model up; later rounds only need one batch.
            options = (MeasureOptions(duration_s) if round_index == 0 else
                       MeasureOptions(duration_s, warmup_s=0.05, min_warmup_batches=1))
            result = measure_offline(prepared, batch, 1, options)
            collector.append(result["latency_ms_p50"])
            timer.append(timer_median_ms(prepared.steps[0], threads, duration_s))
        prepared.cleanup()
        ratio = statistics.median(c / t for c, t in zip(collector, timer, strict=True))
        rows.append((f"bert-base seq 128 batch {batch} P50 (ms)",
                     f"collector {statistics.median(collector):.3f} vs Timer "
                     f"{statistics.median(timer):.3f} ({threads} threads, {rounds} rounds)",
                     f"median paired ratio {ratio:.4f} (target within {REAL_TOLERANCE:.0%})",
                     abs(ratio - 1) <= REAL_TOLERANCE))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--intra-op-threads", type=int,
                        help="bert-base threads (default: the collector's, all cores)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    env = collect_env()
    print(f"machine: {env['cpu_model']}, {env['cpu_count']} cores, torch {env['torch']}, "
          f"instance {env['instance_type']}; load average at the start: "
          + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    calibration_s, real_s, rounds = (1.0, 1.0, 1) if args.quick else (5.0, 4.0, 4)
    rows = calibration_rows(calibration_s) + real_model_rows(real_s, rounds, args.intra_op_threads)
    width = max(len(row[0]) for row in rows)
    for name, figures, ratio, passed in rows:
        verdict = "info" if passed is None else "PASS" if passed else "FAIL"
        print(f"{verdict:<4}  {name:<{width}}  {figures:<48}  {ratio}")
    print("load average (1, 5, 15 min) at the end: "
          + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    return 0 if all(row[3] is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
