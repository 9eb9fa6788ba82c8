"""Acceptance checks of the open-loop load runner on a busy-wait calibration model.

    .venv/bin/python benchmarks/open_loop.py            # about a minute

1. At half of capacity, the achieved rate is within 2% of the offered rate.
2. At twice capacity, the P99 keeps growing over the run (last third vs first
   third of requests), instead of staying near the service time.
3. With a 1.0 ms + 0.1 ms/sample model, dynamic batching up to 16 sustains an
   offered 2000 requests/s that batch size 1 cannot.

The model is the collector's registry model ``synthetic:<ms>+<per_sample_ms>`` run through
the cpu backend (``collect.openloop.infer.make_infer``), as ``collect run --load poisson`` runs it:
it sleeps until 0.2 ms before its deadline, then spins, so its service time is accurate
without holding a core for the whole batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collect.engine.schedule import poisson_schedule
from collect.openloop.runner import GROWTH_LIMIT, SUSTAINED_FRACTION, run_closed, run_poisson


def busy_wait_model(base_ms: float, per_sample_ms: float = 0.0):
    """``infer(batch_size)`` of the registry's ``synthetic:<base_ms>+<per_sample_ms>``."""
    from collect.backends.cpu import CpuBackend
    from collect.models import resolve
    from collect.openloop.infer import make_infer

    return make_infer(CpuBackend(), resolve(f"synthetic:{base_ms}+{per_sample_ms}"), None,
                      "fp32")


def service_rate(infer, seconds: float) -> float:
    """Requests per second of ``infer(1)`` called back to back: the model's own capacity."""
    calls, begin = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - begin) < seconds:
        infer(1)
        calls += 1
    return calls / elapsed


def sustained(record: dict) -> bool:
    return (
        record["achieved_rate"] >= SUSTAINED_FRACTION * record["offered_rate"]
        and record["stability"]["p99_growth"] <= GROWTH_LIMIT
    )


def line(label: str, record: dict) -> str:
    stab = record["stability"]
    return (
        f"  {label}: offered {record['offered_rate']:.0f}/s"
        f"  achieved {record['achieved_rate']:.1f}/s ({stab['achieved_over_offered']:.4f})"
        f"  P50 {record['request_latency_ms_p50']:.2f} ms"
        f"  P99 {record['request_latency_ms_p99']:.2f} ms"
        f"  P99 first/last third {stab['p99_first_third_ms']:.2f}"
        f"/{stab['p99_last_third_ms']:.2f} ms"
        f"  lag P99 {record['schedule_lag_ms_p99']:.3f} ms"
        f"  batches {record['batch_size_histogram']}"
    )


def check_half_and_double(seed: int, duration_s: float) -> tuple[bool, bool]:
    model = busy_wait_model(1.0)
    capacity = service_rate(model, seconds=1.0)
    harness = run_closed(model, concurrency=1, duration_s=1.0)["achieved_rate"]
    print(f"capacity of the 1.0 ms model at batch size 1: {capacity:.1f}/s calling it back to "
          f"back ({harness:.1f}/s through the batcher with one closed-loop client)")

    half = run_poisson(model, poisson_schedule(capacity / 2, duration_s, seed))
    ratio = half["achieved_rate"] / half["offered_rate"]
    ok_half = abs(ratio - 1) <= 0.02
    print("[1] half capacity: achieved within 2% of offered")
    print(line("half", half))
    print(f"  achieved/offered = {ratio:.4f} -> {'PASS' if ok_half else 'FAIL'}")

    double = run_poisson(model, poisson_schedule(capacity * 2, duration_s / 2, seed))
    stab = double["stability"]
    ok_double = stab["p99_growth"] > GROWTH_LIMIT and stab["p99_last_third_ms"] > 10 * 1.0
    print("[2] twice capacity: P99 keeps growing over the run")
    print(line("double", double))
    print(f"  P99 last third / first third = {stab['p99_growth']:.1f}x -> "
          f"{'PASS' if ok_double else 'FAIL'}")
    return ok_half, ok_double


def check_batching(seed: int, duration_s: float) -> bool:
    model = busy_wait_model(1.0, 0.1)
    schedule = poisson_schedule(2000, duration_s, seed)
    single = run_poisson(model, schedule, max_batch_size=1, max_batch_delay_ms=0.0)
    batched = run_poisson(model, schedule, max_batch_size=16, max_batch_delay_ms=0.25)
    print("[3] 1.0+0.1 ms model at 2000/s: batch size 1 vs dynamic batching up to 16")
    print(line("max batch 1 ", single))
    print(line("max batch 16", batched))
    ok = sustained(batched) and not sustained(single)
    print(f"  sustained: batch 1 {sustained(single)}, batch 16 {sustained(batched)} -> "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="arrival schedule seed (default 0)")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of load for check 1 (checks 2 and 3 use half; default 10)")
    args = parser.parse_args(argv)
    begin = time.perf_counter()
    results = [*check_half_and_double(args.seed, args.duration),
               check_batching(args.seed, args.duration / 2)]
    print(f"{sum(results)}/3 checks passed in {time.perf_counter() - begin:.0f} s")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
