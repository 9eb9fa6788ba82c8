"""What a served sweep measures (``collect run --backend openai --mode serve``): its options
(the command-line group, their checks, :class:`ServeOptions`) and the configurations they plan
(:class:`ServeConfig`, :func:`plan_serve`). A new axis of served sweeps is added here: its
option, its field, and its loop in :func:`plan_serve`.

The axes: models, input|output length pairs (``--input-output 128:128,1024:256``, or the one
pair ``--input-length``/``--output-length``), and the load points (``--rate R,...`` of a
Poisson sweep, ``--concurrency N,...`` of a closed loop): every combination is one
configuration and one record."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collect.engine.options import SweepOptions
from collect.engine.values import fraction, positive_float, positive_int
from collect.errors import UsageError
from collect.serve.workload import Length, parse_length

ROUND_ROBIN, LEAST_OUTSTANDING = "round-robin", "least-outstanding"
POLICIES = (ROUND_ROBIN, LEAST_OUTSTANDING)  # how requests are spread over several endpoints
FIRST_TOKEN, ANSWER = "first-token", "answer"
TTFT_AT = (FIRST_TOKEN, ANSWER)  # what the headline TTFT is timed to
DEFAULT_MAX_FAILED = 0.01  # more failed requests than this share: status degraded


@dataclass(frozen=True)
class ServeOptions:
    """The endpoints, the load and the workload of a served sweep."""

    endpoints: tuple[str, ...]
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
    input_outputs: tuple[tuple[Length, Length], ...] = ()  # --input-output; () the one pair
    endpoint_policy: str = POLICIES[0]
    ttft_at: str = FIRST_TOKEN
    max_failed: float = DEFAULT_MAX_FAILED

    @property
    def endpoint(self) -> str:
        """The first endpoint (provenance and the tokenizer's ``root`` are asked there)."""
        return self.endpoints[0]

    def length_pairs(self) -> tuple[tuple[Length, Length], ...]:
        return self.input_outputs or ((self.input_length, self.output_length),)


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
    lengths: tuple[Length, Length] | None = field(default=None, compare=False, repr=False)
    """The workload's lengths (not a record field: ``input_length``/``output_length`` say
    them); None for an imported result."""

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
    """One configuration per model, input|output pair and load point: each rate (poisson;
    none for a goodput search, which picks the rates) or each concurrency (closed)."""
    serve: ServeOptions = options.settings
    rates: list[float | None] = [None]
    concurrencies: list[int | None] = [None]
    if serve.load == "poisson" and not serve.search:
        rates = list(dict.fromkeys(options.rates or []))
    if serve.load == "closed":
        concurrencies = list(dict.fromkeys(options.concurrency or [1]))
    return [ServeConfig(model, serve.load, options.dtypes[0],
                        None if serve.dataset else inputs.label(), outputs.label(),
                        offered_rate=rate, concurrency=concurrency, lengths=(inputs, outputs))
            for model in options.models for inputs, outputs in serve.length_pairs()
            for rate in rates for concurrency in concurrencies]


def length(text: str) -> Length:
    """``"128"`` or a uniform range ``"64-256"``."""
    try:
        return parse_length(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def input_outputs(text: str) -> tuple[tuple[Length, Length], ...]:
    """``"128:128,1024:256"``: input|output length pairs (each side a number or a range)."""
    pairs = []
    for part in filter(None, (item.strip() for item in text.split(","))):
        inputs, colon, outputs = part.partition(":")
        if not colon:
            raise argparse.ArgumentTypeError(
                f"expected INPUT:OUTPUT pairs like 128:128,1024:256, got {part!r} in {text!r}")
        pairs.append((length(inputs.strip()), length(outputs.strip())))
    if not pairs:
        raise argparse.ArgumentTypeError(f"expected pairs like 128:128,1024:256, got {text!r}")
    return tuple(dict.fromkeys(pairs))


def endpoint_list(text: str) -> tuple[str, ...]:
    """``"http://a:8000,http://b:8000"``: each an http(s) URL, none twice."""
    urls = [item.strip() for item in text.split(",") if item.strip()]
    bad = [url for url in urls if not url.startswith(("http://", "https://"))]
    if not urls or bad:
        raise argparse.ArgumentTypeError(
            f"expected URL[,URL...] like http://127.0.0.1:8000, got {(bad or [text])[0]!r}")
    if len(set(urls)) < len(urls):
        raise argparse.ArgumentTypeError(f"an endpoint is given twice in {text!r}")
    return tuple(urls)


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
    serve.add_argument("--endpoint", type=endpoint_list, metavar="URL[,URL...]",
                       help="server URL, e.g. http://127.0.0.1:8000 (/v1 and the API path "
                            "are added unless given); several: data-parallel copies of the "
                            "model, requests spread by --endpoint-policy")
    serve.add_argument("--endpoint-policy", choices=POLICIES,
                       help="how requests are spread over several endpoints: round-robin "
                            "(default) or least-outstanding (the one with the fewest requests "
                            "in flight)")
    serve.add_argument("--input-output", type=input_outputs, metavar="IN:OUT[,IN:OUT...]",
                       help="input|output length pairs to sweep, e.g. 128:128,1024:256 "
                            "(instead of --input-length and --output-length)")
    serve.add_argument("--ttft", choices=TTFT_AT, dest="ttft_at",
                       help="what the headline TTFT (ttft_ms_*) is timed to: the first token, "
                            "reasoning or answer (first-token, default), or the first answer "
                            "token; both are recorded as ttft_reasoning_ms_* and "
                            "ttft_answer_ms_*")
    serve.add_argument("--max-failed", type=fraction, metavar="SHARE",
                       help="a point with more failed requests than this share (1%% or 0.01) "
                            "is recorded degraded (default "
                            + f"{DEFAULT_MAX_FAILED:.0%}".replace("%", "%%") + ")")
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
              ("--goodput-search", "goodput_search"), ("--endpoint-policy", "endpoint_policy"),
              ("--input-output", "input_output"), ("--ttft", "ttft_at"),
              ("--max-failed", "max_failed"))


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
    if not args.endpoint:
        raise UsageError("--mode serve needs --endpoint http://HOST:PORT")
    if args.endpoint_policy and len(args.endpoint) < 2:
        raise UsageError("--endpoint-policy spreads requests over several endpoints: give "
                         "--endpoint URL1,URL2,...")
    if args.input_output and args.dataset:
        raise UsageError("--input-output does not go with --dataset (its prompts set the "
                         "input; --output-length the output)")
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
        endpoints=tuple(args.endpoint), load=args.load, api=args.api or "chat",
        input_length=args.input_length, output_length=args.output_length,
        max_concurrency=args.max_concurrency, ignore_eos=args.ignore_eos,
        dataset=args.dataset, goodput=args.goodput, request_timeout_s=args.request_timeout,
        tokenizer=args.tokenizer, search=args.goodput_search,
        input_outputs=args.input_output or (),
        endpoint_policy=args.endpoint_policy or POLICIES[0],
        ttft_at=args.ttft_at or FIRST_TOKEN,
        max_failed=DEFAULT_MAX_FAILED if args.max_failed is None else args.max_failed)
