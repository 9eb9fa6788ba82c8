"""Command-line options of on-demand load and generation runs, and the ``report`` command.

The collector's CLI (``collect/cli.py``) wires these in::

    run_parser = subparsers.add_parser("run", ...)
    add_load_arguments(run_parser)
    add_report_command(subparsers)
    ...
    args = parser.parse_args()
    validate_load_arguments(args)   # LoadArgumentError -> one-line message, exit 2
"""

from __future__ import annotations

import argparse
from typing import Any

from collect.report_cli import DESCRIPTION as REPORT_DESCRIPTION
from collect.report_cli import configure_parser as configure_report_parser
from collect.slo import SLO_PERCENTILES

DTYPES = ("fp32", "bf16", "fp16")  # collect.generate.DTYPES; not imported here to keep torch out


class LoadArgumentError(ValueError):
    """Options that do not go together; the message names them."""


def positive_float_list(text: str) -> list[float]:
    """``"100,200,400"`` to ``[100.0, 200.0, 400.0]``."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or not all(v > 0 and v != float("inf") for v in values):
        raise argparse.ArgumentTypeError(
            f"expected positive numbers separated by commas, e.g. 100,200,400; got {text!r}"
        )
    return values


def dtype_list(text: str) -> list[str]:
    """``"fp32,bf16"`` to ``["fp32", "bf16"]``; unknown names list the known ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in DTYPES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected dtypes from {', '.join(DTYPES)} separated by commas; got {text!r}"
        )
    return names


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


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
    load.add_argument("--max-batch-size", type=_positive_int, default=1, metavar="B",
                      help="dynamic batcher: largest batch formed from queued requests (default 1)")
    load.add_argument("--max-batch-delay-ms", type=_non_negative_float, default=0.0, metavar="D",
                      help="dynamic batcher: longest wait for a batch to fill after its first "
                           "request arrived, in ms (default 0; seed 000 suggests 5-15%% of the "
                           "batch latency)")
    load.add_argument("--concurrency", type=_positive_int, metavar="N",
                      help="clients in flight for --load closed")
    load.add_argument("--arrival-seed", type=int, default=0, metavar="SEED",
                      help="seed of the Poisson arrival schedule (default 0)")
    load.add_argument("--slo-ms", type=_positive_float, metavar="X",
                      help="find the highest --load poisson rate whose latency percentile stays "
                           "at or under X ms (resumable with --resume)")
    load.add_argument("--slo-percentile", type=int, choices=SLO_PERCENTILES, default=99,
                      help="request-latency percentile the SLO applies to (default 99)")
    load.add_argument("--slo-start-rate", type=_positive_float, default=100.0, metavar="R",
                      help="first rate tried by an SLO search without --rate (default 100)")
    gen = run_parser.add_argument_group(
        "generation",
        "Greedy generation of a fixed number of tokens (decoder and encoder-decoder models).",
    )
    gen.add_argument("--mode", choices=("offline", "generate"), default="offline",
                     help="offline inference (default) or LLM generation (TTFT, TPOT, tokens/s)")
    gen.add_argument("--input-length", type=_positive_int, default=128, metavar="N",
                     help="prompt tokens per sequence for --mode generate (default 128)")
    gen.add_argument("--output-length", type=_positive_int, default=128, metavar="N",
                     help="generated tokens per sequence for --mode generate (default 128)")
    gen.add_argument("--dtypes", type=dtype_list, default=["fp32"], metavar="D[,D...]",
                     help=f"model data types to sweep, from {', '.join(DTYPES)} "
                          "(default fp32)")
    return run_parser


def validate_load_arguments(args: argparse.Namespace) -> None:
    """Reject option combinations that do not make sense, naming the options."""
    if args.mode == "generate" and args.load != "offline":
        raise LoadArgumentError("--mode generate cannot be combined with --load "
                                f"{args.load}; generation runs are fixed-batch")
    if args.load == "poisson" and not args.rate and args.slo_ms is None:
        raise LoadArgumentError("--load poisson needs --rate (requests per second) or --slo-ms")
    if args.load != "poisson":
        for option, value in (("--rate", args.rate), ("--slo-ms", args.slo_ms)):
            if value:
                raise LoadArgumentError(f"{option} applies to --load poisson only")
    if args.load == "closed" and args.concurrency is None:
        raise LoadArgumentError("--load closed needs --concurrency N")
    if args.load != "closed" and args.concurrency is not None:
        raise LoadArgumentError("--concurrency applies to --load closed only")


def load_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The validated options as record configuration fields (CONTRIBUTING.md)."""
    validate_load_arguments(args)
    settings: dict[str, Any] = {"mode": args.load if args.mode == "offline" else "generate"}
    if args.load != "offline":
        settings.update(max_batch_size=args.max_batch_size,
                        max_batch_delay_ms=args.max_batch_delay_ms)
    if args.load == "closed":
        settings["concurrency"] = args.concurrency
    if args.mode == "generate":
        settings.update(input_length=args.input_length, output_length=args.output_length)
    return settings


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report RESULTS.jsonl... --out DIR`` to the collector's subcommands."""
    parser = subparsers.add_parser("report", help="write a run report page with plots",
                                   description=REPORT_DESCRIPTION)
    return configure_report_parser(parser)
