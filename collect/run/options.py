"""The options of a benchmark run, shared by ``collect run`` and campaign jobs (whose keys are
these options): the option groups, their value parsers, the checks of what goes together, and
the :class:`~collect.run.sweep.SweepOptions` they make. Errors: argparse's for a value that
does not parse, :class:`~collect.errors.UsageError` for options that do not go together."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collect.backends import BACKEND_NAMES, detect_backend
from collect.engine.slo import SLO_PERCENTILES
from collect.errors import UsageError
from collect.serve.workload import Length, parse_length

if TYPE_CHECKING:
    from collect.run.sweep import SweepOptions
    from collect.serve.runner import ServeOptions

DTYPES = ("fp32", "bf16", "fp16")  # = run.generate.DTYPES; not imported: keeps torch out


def positive_ints(text: str) -> list[int]:
    """``"1,2,4"`` -> ``[1, 2, 4]``."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        values = []
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers, got {text!r}")
    return values


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def names(choices: Sequence[str] | None = None) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        values = [part.strip() for part in text.split(",") if part.strip()]
        if not values:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
        unknown = [value for value in values if choices and value not in choices]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown value(s) {', '.join(unknown)}; choose from {', '.join(choices or ())}")
        return values

    return parse


def finite_float(text: str) -> float:
    """A finite number: ``nan`` and ``inf`` are refused (``inf`` would never end a run)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def positive_float_list(text: str) -> list[float]:
    """``"100,200,400"`` to ``[100.0, 200.0, 400.0]``."""
    try:
        return [positive_float(part) for part in text.split(",") if part.strip()] or \
            positive_float_list("")
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected positive numbers separated by commas, e.g. 100,200,400; got {text!r}"
        ) from None


def dtype_list(text: str) -> list[str]:
    """``"fp32,bf16"`` to ``["fp32", "bf16"]``; unknown names list the known ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in DTYPES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected dtypes from {', '.join(DTYPES)} separated by commas; got {text!r}"
        )
    return names


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
    parser.add_argument("--duration", type=positive_float, default=10.0, metavar="SECONDS",
                        help="measured seconds per configuration, after warm-up; default 10")
    parser.add_argument("--warmup", type=positive_float, metavar="SECONDS",
                        help="minimum warm-up seconds (discarded); default max(0.5, 10%% of "
                        "--duration) capped at 5, and at least 2 batches per worker")
    parser.add_argument("--timeout", type=positive_float, default=600.0, metavar="SECONDS",
                        help="a configuration still running this long after its start is "
                        "recorded as timeout; default 600")


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


def sweep_options(args: argparse.Namespace, settings: dict) -> SweepOptions:
    """``run``'s options (and a campaign job's) as the sweep's settings."""
    from collect.run.sweep import SweepOptions

    open_loop = args.load != "offline" and settings["mode"] != "serve"
    return SweepOptions(
        models=args.model, backend=args.backend or detect_backend(), out=args.out,
        batch_sizes=args.batch_sizes, sequence_lengths=args.sequence_length,
        n_models=args.n_models, workers_per_model=args.workers_per_model, dtypes=args.dtypes,
        compiled=args.compile, intra_op_threads=args.intra_op_threads,
        duration_s=args.duration, warmup_s=args.warmup,
        timeout_s=args.timeout, instance_type=args.instance_type, resume=args.resume,
        force=args.force, mode=settings["mode"],
        rates=args.rate, concurrency=args.concurrency,
        max_batch_size=args.max_batch_size if open_loop else None,
        max_batch_delay_ms=args.max_batch_delay_ms if open_loop else None,
        arrival_seed=args.arrival_seed, slo_ms=args.slo_ms,
        slo_percentile=args.slo_percentile, slo_start_rate=args.slo_start_rate,
        input_length=settings.get("input_length"), output_length=settings.get("output_length"),
        sample_utilization=not args.no_utilization, serve=serve_options(args, settings),
    )


def serve_options(args: argparse.Namespace, settings: dict) -> ServeOptions | None:
    """The endpoint and workload of ``--mode serve``."""
    if settings["mode"] != "serve":
        return None
    from collect.serve.runner import ServeOptions

    return ServeOptions(
        endpoint=args.endpoint, load=settings["load"], api=args.api or "chat",
        input_length=args.input_length, output_length=args.output_length,
        max_concurrency=args.max_concurrency, ignore_eos=args.ignore_eos,
        dataset=args.dataset, goodput=args.goodput, request_timeout_s=args.request_timeout,
        tokenizer=args.tokenizer, search=args.goodput_search)


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
            limit = positive_float(value)
        except argparse.ArgumentTypeError:
            limit = None
        if key.strip().lower() not in GOODPUT_KEYS or limit is None:
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
    load.add_argument("--max-batch-size", type=positive_int, default=1, metavar="B",
                      help="dynamic batcher: largest batch formed from queued requests (default 1)")
    load.add_argument("--max-batch-delay-ms", type=non_negative_float, default=0.0, metavar="D",
                      help="dynamic batcher: longest wait for a batch to fill after its first "
                           "request arrived, in ms (default 0; seed 000 suggests 5-15%% of the "
                           "batch latency)")
    load.add_argument("--concurrency", type=positive_int, metavar="N",
                      help="clients in flight for --load closed")
    load.add_argument("--arrival-seed", type=int, default=0, metavar="SEED",
                      help="seed of the Poisson arrival schedule (default 0)")
    load.add_argument("--slo-ms", type=positive_float, metavar="X",
                      help="find the highest --load poisson rate whose latency percentile stays "
                           "at or under X ms (resumable with --resume)")
    load.add_argument("--slo-percentile", type=int, choices=SLO_PERCENTILES, default=99,
                      help="request-latency percentile the SLO applies to (default 99)")
    load.add_argument("--slo-start-rate", type=positive_float, default=100.0, metavar="R",
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
    serve.add_argument("--max-concurrency", type=positive_int, metavar="N",
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
    serve.add_argument("--request-timeout", type=positive_float, default=300.0,
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
        raise UsageError("--backend openai benchmarks a server: add --mode serve "
                                "--endpoint URL")
    if not serve:
        used = [option for option, name in SERVE_ONLY if getattr(args, name, None)]
        if used:
            raise UsageError(f"{', '.join(used)} appl{'ies' if len(used) == 1 else 'y'}"
                                    " to --mode serve only")
        return
    if not openai:
        raise UsageError("--mode serve needs --backend openai")
    if not args.endpoint or not args.endpoint.startswith(("http://", "https://")):
        raise UsageError("--mode serve needs --endpoint http://HOST:PORT")
    if args.load == "offline":
        raise UsageError("--mode serve needs --load poisson --rate R or --load closed "
                                "--concurrency N")
    if args.slo_ms is not None:
        raise UsageError("--slo-ms does not apply to --mode serve; search a rate with "
                                "--goodput SLOs and --goodput-search")
    if args.goodput_search and (args.load != "poisson" or not args.goodput):
        raise UsageError("--goodput-search needs --load poisson and --goodput SLOs")
    if args.load == "poisson" and not args.rate and not args.goodput_search:
        raise UsageError("--mode serve --load poisson needs --rate (or --goodput-search)")
    if args.max_concurrency is not None and args.load != "poisson":
        raise UsageError("--max-concurrency applies to --load poisson (a closed loop "
                                "has --concurrency clients)")
    if len(args.dtypes) > 1:
        raise UsageError("--mode serve: --dtypes names the one data type the server "
                                "runs; give one")


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
