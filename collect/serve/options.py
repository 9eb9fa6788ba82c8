"""What a served sweep measures (``collect run --backend openai --mode serve``): its options
(the command-line group, their checks, :class:`ServeOptions`) and the configurations they plan
(:class:`ServeConfig`, :func:`plan_serve`). A new axis of served sweeps is added here: its
option, its field, and its loop in :func:`plan_serve`."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collect.engine.options import SweepOptions
from collect.engine.values import positive_float, positive_int
from collect.errors import UsageError
from collect.serve.workload import Length, parse_length


@dataclass(frozen=True)
class ServeOptions:
    """The endpoint, the load and the workload of a served sweep."""

    endpoint: str
    load: str = "poisson"
    api: str = "chat"
    input_length: Length = field(default_factory=lambda: Length(128, 128))
    output_length: Length = field(default_factory=lambda: Length(128, 128))
    max_concurrency: int | None = None
    ignore_eos: bool = False
    dataset: Path | None = None
    goodput: Mapping[str, float] | None = None
    request_timeout_s: float = 300.0
    tokenizer: str | None = None
    search: bool = False  # --goodput-search: the highest rate meeting the goodput target


@dataclass(frozen=True)
class ServeConfig:
    """One served configuration; ``fields()`` are the record's configuration fields."""

    model: str
    load: str
    dtype: str | None  # None: not stated (an imported result)
    input_length: int | str | None
    output_length: int | str
    offered_rate: float | None = None
    concurrency: int | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "model": self.model, "backend": "openai", "mode": "serve", "batch_size": 1,
            "n_models": 1, "workers_per_model": 1, "sequence_length": None,
            "dtype": self.dtype, "compiled": False, "input_length": self.input_length,
            "output_length": self.output_length, "offered_rate": self.offered_rate,
            "concurrency": self.concurrency, "max_batch_size": None,
            "max_batch_delay_ms": None,
        }

    @property
    def batch_size(self) -> int:
        return 1  # the server batches

    def group(self) -> tuple:
        return tuple(value for key, value in self.fields().items() if key != "batch_size")

    def label(self) -> str:
        load = (f"rate={self.offered_rate:g}/s" if self.load == "poisson"
                else f"concurrency={self.concurrency}")
        return (f"{self.model} serve {self.load} {load} in={self.input_length} "
                f"out={self.output_length}")


def plan_serve(options: SweepOptions) -> list[ServeConfig]:
    """One configuration per model and rate (poisson; one per model for a goodput search,
    which picks the rates) or per model (closed)."""
    serve: ServeOptions = options.settings
    rates: list[float | None] = [None]
    if serve.load == "poisson" and not serve.search:
        rates = list(dict.fromkeys(options.rates or []))
    concurrency = options.concurrency if serve.load == "closed" else None
    inputs = None if serve.dataset else serve.input_length.label()
    return [ServeConfig(model, serve.load, options.dtypes[0], inputs,
                        serve.output_length.label(), offered_rate=rate, concurrency=concurrency)
            for model in options.models for rate in rates]


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


def serve_options(args: argparse.Namespace) -> ServeOptions:
    """The endpoint and workload of ``--mode serve`` (checked by
    :func:`validate_serve_arguments`)."""
    return ServeOptions(
        endpoint=args.endpoint, load=args.load, api=args.api or "chat",
        input_length=args.input_length, output_length=args.output_length,
        max_concurrency=args.max_concurrency, ignore_eos=args.ignore_eos,
        dataset=args.dataset, goodput=args.goodput, request_timeout_s=args.request_timeout,
        tokenizer=args.tokenizer, search=args.goodput_search)
