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
from pathlib import Path
from typing import Any

from collect.report_cli import DESCRIPTION as REPORT_DESCRIPTION
from collect.report_cli import configure_parser as configure_report_parser
from collect.serve.workload import Length, parse_length
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


def length(text: str) -> Length:
    """``"128"`` or a uniform range ``"64-256"``."""
    try:
        return parse_length(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


GOODPUT_KEYS = {"ttft": "ttft", "tpot": "tpot", "e2e": "e2e", "e2el": "e2e"}


def goodput(text: str) -> dict[str, float]:
    """``"ttft:200,tpot:50"`` to ``{"ttft": 200.0, "tpot": 50.0}`` (milliseconds)."""
    slos: dict[str, float] = {}
    for part in filter(None, (item.strip() for item in text.split(","))):
        key, _, value = part.partition(":")
        try:
            limit = float(value)
        except ValueError:
            limit = -1.0
        if key.strip().lower() not in GOODPUT_KEYS or not 0 < limit < float("inf"):
            raise argparse.ArgumentTypeError(
                f"expected SLOs like ttft:200,tpot:50 (ms; keys ttft, tpot, e2e), got {text!r}")
        slos[GOODPUT_KEYS[key.strip().lower()]] = limit
    if not slos:
        raise argparse.ArgumentTypeError(f"expected SLOs like ttft:200,tpot:50, got {text!r}")
    return slos


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


def add_serve_arguments(run_parser: argparse.ArgumentParser) -> None:
    serve = run_parser.add_argument_group(
        "served endpoints (--backend openai --mode serve)",
        "Streamed chat or completion requests to an OpenAI-compatible server, with --load "
        "poisson --rate R (latency from each scheduled send) or --load closed --concurrency N. "
        "--model is the served model name; --dtypes labels the server's data type.")
    serve.add_argument("--endpoint", metavar="URL",
                       help="server URL, e.g. http://127.0.0.1:8000 (/v1 and the API path "
                            "are added unless given)")
    serve.add_argument("--api", choices=("chat", "completions"),
                       help="/v1/chat/completions (default) or /v1/completions")
    serve.add_argument("--max-concurrency", type=_positive_int, metavar="N",
                       help="--load poisson: at most N requests in flight (the wait counts "
                            "in their latency)")
    serve.add_argument("--ignore-eos", action="store_true",
                       help="send vLLM's ignore_eos so every request generates "
                            "--output-length tokens (servers that do not know it refuse it)")
    serve.add_argument("--dataset", type=Path, metavar="FILE.jsonl",
                       help='prompts, one JSON object a line: {"prompt": ..., '
                            '"output_length": N (optional)}; used in turn')
    serve.add_argument("--goodput", type=goodput, metavar="KEY:MS[,...]",
                       help="SLOs per request (ttft, tpot, e2e in ms) for "
                            "goodput_requests_per_s")
    serve.add_argument("--goodput-search", action="store_true",
                       help="--load poisson: find the highest rate at which --slo-percentile %% "
                            "of requests meet the --goodput SLOs (bisects --rate if given, else "
                            "starts at --slo-start-rate; resumable with --resume)")
    serve.add_argument("--request-timeout", type=_positive_float, default=300.0,
                       metavar="SECONDS",
                       help="a request not complete after this long fails (default 300)")
    serve.add_argument("--tokenizer", metavar="NAME_OR_PATH",
                       help="tokenizer that builds exact-length prompts and counts tokens the "
                            "server does not report (default: --model)")


SERVE_ONLY = (("--endpoint", "endpoint"), ("--api", "api"),
              ("--max-concurrency", "max_concurrency"), ("--ignore-eos", "ignore_eos"),
              ("--dataset", "dataset"), ("--goodput", "goodput"), ("--tokenizer", "tokenizer"),
              ("--goodput-search", "goodput_search"))


def validate_serve_arguments(args: argparse.Namespace) -> None:
    """``--mode serve`` goes with ``--backend openai``, an endpoint and a load."""
    serve, openai = args.mode == "serve", getattr(args, "backend", None) == "openai"
    if openai and not serve:
        raise LoadArgumentError("--backend openai benchmarks a server: add --mode serve "
                                "--endpoint URL")
    if not serve:
        used = [option for option, name in SERVE_ONLY if getattr(args, name, None)]
        if used:
            raise LoadArgumentError(f"{', '.join(used)} appl{'ies' if len(used) == 1 else 'y'}"
                                    " to --mode serve only")
        return
    if not openai:
        raise LoadArgumentError("--mode serve needs --backend openai")
    if not args.endpoint or not args.endpoint.startswith(("http://", "https://")):
        raise LoadArgumentError("--mode serve needs --endpoint http://HOST:PORT")
    if args.load == "offline":
        raise LoadArgumentError("--mode serve needs --load poisson --rate R or --load closed "
                                "--concurrency N")
    if args.slo_ms is not None:
        raise LoadArgumentError("--slo-ms does not apply to --mode serve; search a rate with "
                                "--goodput SLOs and --goodput-search")
    if args.goodput_search and (args.load != "poisson" or not args.goodput):
        raise LoadArgumentError("--goodput-search needs --load poisson and --goodput SLOs")
    if args.load == "poisson" and not args.rate and not args.goodput_search:
        raise LoadArgumentError("--mode serve --load poisson needs --rate (or --goodput-search)")
    if args.max_concurrency is not None and args.load != "poisson":
        raise LoadArgumentError("--max-concurrency applies to --load poisson (a closed loop "
                                "has --concurrency clients)")
    if len(args.dtypes) > 1:
        raise LoadArgumentError("--mode serve: --dtypes names the one data type the server "
                                "runs; give one")


def validate_load_arguments(args: argparse.Namespace) -> None:
    """Reject option combinations that do not make sense, naming the options."""
    validate_serve_arguments(args)
    if args.mode == "generate" and not (args.input_length.fixed and args.output_length.fixed):
        raise LoadArgumentError("--mode generate needs fixed --input-length and "
                                "--output-length (ranges are for --mode serve)")
    if args.mode == "serve":
        if args.load == "closed" and args.concurrency is None:
            raise LoadArgumentError("--load closed needs --concurrency N")
        return
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


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report RESULTS.jsonl... --out DIR`` to the collector's subcommands."""
    parser = subparsers.add_parser("report", help="write a run report page with plots",
                                   description=REPORT_DESCRIPTION)
    return configure_report_parser(parser)
