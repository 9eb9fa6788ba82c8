"""Does the collector measure what is there? Throughput and open-loop latency against
figures known without measuring, side by side in one run (about 2.5 minutes):

    .venv/bin/python benchmarks/accuracy.py

1. Throughput of batches longer than a window: ``synthetic:200`` and ``synthetic:700``
   (200 ms and 700 ms per batch of 1, so the truth is 5.0 and 1.43 inferences/s), through
   the cpu backend and ``collect.offline.measure.measure_offline`` as ``collect run`` runs
   them, with short runs (3 s and 5 s). ``throughput_avg / truth`` must be within 2%.
   Beside it: the whole-completed-batches count the collector used before
   (``n_inferences / duration_s``), which was up to one batch off.
2. Open-loop mean request latency against M/D/1: Poisson arrivals into one worker
   running ``synthetic:<S>`` (deterministic service time S, 20 ms) with batches of 1,
   through ``collect.openloop.runner.run_poisson`` as ``collect run --load poisson`` runs it.
   The Pollaczek-Khinchine mean for deterministic service is
   ``W = S + rho * S / (2 * (1 - rho))``; at utilisation 0.5 and 0.8 the measured mean
   must be within 5% of it. Beside it: the exact mean of an ideal FIFO server fed the
   *same* arrivals (Lindley's recursion, "replay"): ``measured / replay`` is the harness's
   own error, ``replay / M/D/1`` the draw's. A finite Poisson sample is far off the
   formula at rho 0.8 (45 s at S = 20 ms, seeds 0-11: replay / M/D/1 from 0.89 to 1.06),
   so the default seed is one whose replay is within 1% of it at both loads (seed 7):
   then the M/D/1 ratio shows the harness, not the draw. The reference server is the model
   as it ran: S is the mean service time the run recorded (the busy-wait model overruns
   its nominal S by a fraction of a millisecond, which at rho 0.8 alone moves the M/D/1
   mean by about 4%), and rho is the offered rate times that S; the ratio against the
   nominal S is printed beside it. The harness adds a few tenths of a millisecond per
   request (feeder and worker wake-ups) on the development VM, hence S = 20 ms rather
   than a few ms.

Figures are printed as ratios; the exit status is 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collect.backends.base import Request
from collect.backends.cpu import CpuBackend
from collect.engine.schedule import poisson_schedule
from collect.models import resolve
from collect.offline.measure import MeasureOptions, measure_offline
from collect.openloop.infer import make_infer
from collect.openloop.runner import run_poisson

THROUGHPUT_TOLERANCE = 0.02
LATENCY_TOLERANCE = 0.05
BATCH_MS = (200.0, 700.0)
UTILISATIONS = (0.5, 0.8)


def md1_mean_latency(service_s: float, utilisation: float) -> float:
    """Mean time in system of M/D/1 (Pollaczek-Khinchine, deterministic service)."""
    if not 0 <= utilisation < 1:
        raise ValueError(f"utilisation must be in [0, 1), got {utilisation}")
    return service_s + utilisation * service_s / (2 * (1 - utilisation))


def replay_mean_latency(arrivals_s: Sequence[float], service_s: float) -> float:
    """Mean time in system of one ideal FIFO server with service ``service_s`` fed these
    arrivals (Lindley's recursion): what a perfect harness would measure."""
    free, total = 0.0, 0.0
    for arrival in arrivals_s:
        free = max(arrival, free) + service_s
        total += free - arrival
    return total / len(arrivals_s)


def throughput_rows(durations_s: Sequence[float]) -> list[tuple[str, float, float, bool]]:
    rows = []
    for ms in BATCH_MS:
        truth = 1000.0 / ms
        for duration in durations_s:
            prepared = CpuBackend().prepare(
                Request(resolve(f"synthetic:{ms:g}"), 1, None, "fp32", 1, 1))
            result = measure_offline(prepared, 1, 1, MeasureOptions(duration, warmup_s=0.5))
            ratio = result["throughput_avg"] / truth
            whole = result["n_inferences"] / result["duration_s"] / truth
            rows.append((f"{ms:g} ms batches, {duration:g} s run", ratio, whole,
                         abs(ratio - 1) <= THROUGHPUT_TOLERANCE))
    return rows


def latency_rows(service_ms: float, duration_s: float,
                 seed: int) -> list[tuple[str, float, float, float, bool]]:
    service_s = service_ms / 1000
    infer = make_infer(CpuBackend(), resolve(f"synthetic:{service_ms:g}"), None, "fp32")
    rows = []
    for utilisation in UTILISATIONS:
        rate = utilisation / service_s
        schedule = poisson_schedule(rate, duration_s, seed=seed)
        record = run_poisson(infer, schedule, max_batch_size=1, warmup_s=1.0)
        measured_s = record["request_latency_ms_mean"] / 1000
        # The reference server is the model as it ran: its mean service time (the busy-wait
        # model overruns S by a fraction of a millisecond), at the utilisation that implies.
        real_service_s = record["latency_ms_mean"] / 1000
        real_utilisation = rate * real_service_s
        theory = md1_mean_latency(real_service_s, real_utilisation)
        replay = replay_mean_latency([float(t) for t in schedule.arrivals_s], real_service_s)
        nominal = md1_mean_latency(service_s, utilisation)
        rows.append((f"rho {utilisation:g} ({len(schedule)} requests, mean service "
                     f"{real_service_s * 1000:.3f} ms, rho {real_utilisation:.3f}; "
                     f"vs nominal S {measured_s / nominal:.4f})", measured_s / theory,
                     measured_s / replay, replay / theory,
                     abs(measured_s / theory - 1) <= LATENCY_TOLERANCE))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--durations", type=float, nargs="+", default=[3.0, 5.0],
                        help="offline run lengths in seconds (default 3 5)")
    parser.add_argument("--service-ms", type=float, default=20.0,
                        help="open-loop service time S in ms (default 20)")
    parser.add_argument("--load-duration", type=float, default=45.0,
                        help="seconds of arrivals per utilisation (default 45)")
    parser.add_argument("--seed", type=int, default=7, help="arrival seed (default 7)")
    args = parser.parse_args(argv)
    ok = True
    print("1. throughput_avg / truth (within 2%)   [whole completed batches / truth]")
    for label, ratio, whole, passed in throughput_rows(args.durations):
        ok &= passed
        print(f"  {label:<26} {ratio:.4f}   [{whole:.4f}]  {'PASS' if passed else 'FAIL'}")
    print(f"2. open-loop mean latency, S = {args.service_ms:g} ms, seed {args.seed}: "
          "measured / M/D/1 (within 5%)   [measured / replay, replay / M/D/1]")
    for label, theory, replay, draw, passed in latency_rows(
            args.service_ms, args.load_duration, args.seed):
        ok &= passed
        print(f"  {label:<78} {theory:.4f}   [{replay:.4f}, {draw:.4f}]  "
              f"{'PASS' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
