"""The options of a benchmark run, shared by ``collect run`` and campaign jobs (whose keys are
these options): the option groups, the checks of what goes together, and the
:class:`~collect.engine.options.SweepOptions` they make. Value types are
:mod:`collect.engine.values`; the served endpoint's group is :mod:`collect.serve.options`.
Errors: argparse's for a value that does not parse, :class:`~collect.errors.UsageError` for
options that do not go together."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from collect.backends import BACKEND_NAMES, detect_backend
from collect.backends.base import DTYPES
from collect.engine.options import (
    DEFAULT_DURATION_S,
    DEFAULT_SLO_PERCENTILE,
    DEFAULT_SLO_START_RATE,
    DEFAULT_TIMEOUT_S,
    SweepOptions,
    Timing,
    default_warmup_text,
)
from collect.engine.slo import SLO_PERCENTILES
from collect.engine.values import (
    dtype_list,
    names,
    non_negative_float,
    positive_float,
    positive_float_list,
    positive_int,
    positive_ints,
)
from collect.errors import UsageError
from collect.offline.measure import MIN_WARMUP_BATCHES
from collect.run.modes import mode_for
from collect.serve.options import add_serve_arguments, length, validate_serve_arguments
from collect.serve.workload import Length


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=names(), metavar="NAME[,NAME...]",
                        help="registry model(s) or synthetic:<ms>[+<per_sample_ms>]")
    parser.add_argument("--backend", choices=(*BACKEND_NAMES, "openai"),
                        help="default: detect (neuron, else cuda, else cpu); openai: a served "
                        "endpoint (--mode serve)")
    parser.add_argument("--sequence-length", type=positive_ints, default=[128], metavar="N[,N]",
                        help="tokens per input (ignored by vision and synthetic models); "
                        "default 128")
    parser.add_argument("--batch-sizes", type=positive_ints, default=[1], metavar="B[,B]",
                        help="batch sizes; default 1")
    parser.add_argument("--n-models", type=positive_ints, default=[1], metavar="N[,N]",
                        help="model copies (data parallel); default 1")
    parser.add_argument("--workers-per-model", type=positive_ints, default=[1], metavar="N[,N]",
                        help="threads per model copy; default 1")
    parser.add_argument("--compile", action="store_true",
                        help="cpu/cuda: torch.compile the model (compile time is recorded)")
    parser.add_argument("--intra-op-threads", type=positive_int, metavar="N",
                        help="cpu: PyTorch intra-op threads per worker; default "
                        "max(1, cores // (copies x workers)); recorded as intra_op_threads")


def add_timing_arguments(parser: argparse.ArgumentParser) -> None:
    """``--duration``, ``--warmup``, ``--timeout``: the sweep's :class:`Timing`, by the same
    names (``duration_s``, ...) and defaults all the way down."""
    parser.add_argument("--duration", dest="duration_s", type=positive_float,
                        default=DEFAULT_DURATION_S, metavar="SECONDS",
                        help="measured seconds per configuration, after warm-up; default "
                        f"{DEFAULT_DURATION_S:g}")
    parser.add_argument("--warmup", dest="warmup_s", type=positive_float, metavar="SECONDS",
                        help="minimum warm-up seconds (discarded); default "
                        f"{default_warmup_text().replace('%', '%%')}, and at least "
                        f"{MIN_WARMUP_BATCHES} batches per worker (offline)")
    parser.add_argument("--timeout", dest="timeout_s", type=positive_float,
                        default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                        help="a configuration still running this long after its start is "
                        f"recorded as timeout; default {DEFAULT_TIMEOUT_S:g}")


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--instance-type", metavar="NAME",
                        help="default: detected from DMI on EC2, else 'unknown'")
    parser.add_argument("--out", required=True, type=Path, metavar="RESULTS.jsonl",
                        help="results file (refuses to overwrite without --resume/--force)")
    overwrite = parser.add_mutually_exclusive_group()
    overwrite.add_argument("--resume", action="store_true",
                           help="continue --out: skip configurations already recorded")
    overwrite.add_argument("--force", action="store_true", help="overwrite --out")
    parser.add_argument("--no-utilization", action="store_true",
                        help="do not sample CPU/memory/GPU/NeuronCore utilisation (by default "
                        "every configuration records a summary and a time-series sidecar)")


def add_load_arguments(run_parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the on-demand load and generation options to ``collect run``."""
    load = run_parser.add_argument_group(
        "on-demand load",
        "Open loop (poisson): requests arrive on a seeded, precomputed schedule and latency is "
        "measured from each scheduled arrival. Closed loop: N clients send, wait, repeat.",
    )
    load.add_argument("--load", choices=("offline", "poisson", "closed"), default="offline",
                      help="offline fixed-batch sweep (default), poisson open loop, or closed loop")
    load.add_argument("--rate", type=positive_float_list, metavar="R[,R...]",
                      help="offered requests per second for --load poisson; a list sweeps rates")
    load.add_argument("--max-batch-size", type=positive_int, default=1, metavar="B",
                      help="dynamic batcher: largest batch formed from queued requests (default 1)")
    load.add_argument("--max-batch-delay-ms", type=non_negative_float, default=0.0, metavar="D",
                      help="dynamic batcher: longest wait for a batch to fill after its first "
                           "request arrived, in ms (default 0; seed 000 suggests 5-15%% of the "
                           "batch latency)")
    load.add_argument("--concurrency", type=positive_ints, metavar="N[,N...]",
                      help="clients in flight for --load closed; a list sweeps concurrencies")
    load.add_argument("--arrival-seed", type=int, default=0, metavar="SEED",
                      help="seed of the Poisson arrival schedule (default 0)")
    load.add_argument("--slo-ms", type=positive_float, metavar="X",
                      help="find the highest --load poisson rate whose latency percentile stays "
                           "at or under X ms (resumable with --resume)")
    load.add_argument("--slo-percentile", type=int, choices=SLO_PERCENTILES,
                      default=DEFAULT_SLO_PERCENTILE,
                      help="request-latency percentile the SLO applies to (default "
                           f"{DEFAULT_SLO_PERCENTILE})")
    load.add_argument("--slo-start-rate", type=positive_float, default=DEFAULT_SLO_START_RATE,
                      metavar="R", help="first rate tried by an SLO search without --rate "
                      f"(default {DEFAULT_SLO_START_RATE:g})")
    gen = run_parser.add_argument_group(
        "generation",
        "Greedy generation of a fixed number of tokens (decoder and encoder-decoder models).",
    )
    gen.add_argument("--mode", choices=("offline", "generate", "serve"), default="offline",
                     help="offline inference (default), LLM generation (TTFT, TPOT, tokens/s), "
                          "or serve: benchmark an OpenAI-compatible endpoint (--backend openai)")
    gen.add_argument("--input-length", type=length, default=Length(128, 128), metavar="N",
                     help="prompt tokens per sequence (default 128); --mode serve also takes "
                          "a uniform range LOW-HIGH")
    gen.add_argument("--output-length", type=length, default=Length(128, 128), metavar="N",
                     help="generated tokens per sequence (default 128); --mode serve also "
                          "takes a uniform range LOW-HIGH")
    gen.add_argument("--dtypes", type=dtype_list, default=["fp32"], metavar="D[,D...]",
                     help=f"model data types to sweep, from {', '.join(DTYPES)} "
                          "(default fp32)")
    add_serve_arguments(run_parser)
    return run_parser


def validate_load_arguments(args: argparse.Namespace) -> None:
    """Reject option combinations that do not make sense, naming the options."""
    validate_serve_arguments(args)
    if args.mode == "generate" and not (args.input_length.fixed and args.output_length.fixed):
        raise UsageError("--mode generate needs fixed --input-length and "
                         "--output-length (ranges are for --mode serve)")
    if args.mode == "serve":
        if args.load == "closed" and args.concurrency is None:
            raise UsageError("--load closed needs --concurrency N")
        return
    if args.mode == "generate" and args.load != "offline":
        raise UsageError("--mode generate cannot be combined with --load "
                                f"{args.load}; generation runs are fixed-batch")
    if args.load == "poisson" and not args.rate and args.slo_ms is None:
        raise UsageError("--load poisson needs --rate (requests per second) or --slo-ms")
    if args.load != "poisson":
        for option, value in (("--rate", args.rate), ("--slo-ms", args.slo_ms)):
            if value:
                raise UsageError(f"{option} applies to --load poisson only")
    if args.load == "closed" and args.concurrency is None:
        raise UsageError("--load closed needs --concurrency N")
    if args.load != "closed" and args.concurrency is not None:
        raise UsageError("--concurrency applies to --load closed only")


def load_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The validated options as record configuration fields (CONTRIBUTING.md)."""
    validate_load_arguments(args)
    settings: dict[str, Any] = {"mode": args.load if args.mode == "offline" else args.mode}
    if args.mode == "serve":
        return {**settings, "load": args.load, "concurrency": args.concurrency}
    if args.load != "offline":
        settings.update(max_batch_size=args.max_batch_size,
                        max_batch_delay_ms=args.max_batch_delay_ms)
    if args.load == "closed":
        settings["concurrency"] = args.concurrency
    if args.mode == "generate":
        settings.update(input_length=args.input_length.low,
                        output_length=args.output_length.low)
    return settings


def sweep_options(args: argparse.Namespace, settings: dict) -> SweepOptions:
    """``run``'s options (and a campaign job's) as the sweep's settings."""
    return SweepOptions(
        models=args.model, backend=args.backend or detect_backend(), out=args.out,
        mode=settings["mode"], batch_sizes=args.batch_sizes,
        sequence_lengths=args.sequence_length, n_models=args.n_models,
        workers_per_model=args.workers_per_model, dtypes=args.dtypes, compiled=args.compile,
        intra_op_threads=args.intra_op_threads,
        timing=Timing(args.duration_s, args.warmup_s, args.timeout_s),
        instance_type=args.instance_type, resume=args.resume, force=args.force,
        sample_utilization=not args.no_utilization, rates=args.rate,
        concurrency=args.concurrency, arrival_seed=args.arrival_seed,
        slo_percentile=args.slo_percentile, slo_start_rate=args.slo_start_rate,
        settings=mode_for(settings["mode"]).settings(args),
    )
