"""``python -m collect``: a thin argparse layer over the library.

Each subcommand is added by its own ``add_<name>_command(subparsers)`` function and
runs through ``args.handler(args)``; domain errors become one line on stderr and exit
status 1 (argparse's own usage errors exit with 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from collect.backends import BACKEND_NAMES, detect_backend
from collect.errors import CollectError


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
    values = positive_ints(text)
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"expected one positive integer, got {text!r}")
    return values[0]


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


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def add_run_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``run``: built from small groups; ``--mode`` and ``--dtypes`` come from
    ``collect.cli_load`` with the on-demand load and generation options."""
    parser = subparsers.add_parser(
        "run", help="benchmark a sweep of configurations into a results JSONL file",
        description="Benchmark every combination of the list options (comma-separated) and "
        "append one JSON record per configuration to --out as each one ends.")
    from collect.cli_load import add_load_arguments

    add_model_arguments(parser)
    add_timing_arguments(parser)
    add_output_arguments(parser)
    add_load_arguments(parser)
    parser.set_defaults(handler=handle_run)
    return parser


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


def handle_run(args: argparse.Namespace) -> int:
    from collect.cli_load import LoadArgumentError, load_settings
    from collect.sweep import SweepOptions, run_sweep

    try:
        settings = load_settings(args)
    except LoadArgumentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    open_loop = args.load != "offline" and settings["mode"] != "serve"
    options = SweepOptions(
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
    records = run_sweep(options)
    failed = sum(record["status"] != "ok" for record in records)
    print(f"{args.out}: {len(records)} configuration(s) recorded, {failed} not ok")
    return 0


def serve_options(args: argparse.Namespace, settings: dict) -> object | None:
    """The endpoint and workload of ``--mode serve`` (``collect.serve.runner.ServeOptions``)."""
    if settings["mode"] != "serve":
        return None
    from collect.serve.runner import ServeOptions

    return ServeOptions(
        endpoint=args.endpoint, load=settings["load"], api=args.api or "chat",
        input_length=args.input_length, output_length=args.output_length,
        max_concurrency=args.max_concurrency, ignore_eos=args.ignore_eos,
        dataset=args.dataset, goodput=args.goodput, request_timeout_s=args.request_timeout,
        tokenizer=args.tokenizer, search=args.goodput_search)


def add_publish_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "publish", help="select rows from results files and update the site's CSVs",
        description="Per model, instance type, sequence length and dtype: write the "
        "throughput-optimized row (lowest latency within --threshold of peak throughput) to "
        "data/<platform>/throughput_data_<family>.csv and the lowest-latency row to "
        "latency_data_<family>.csv, replacing older rows with the same key.")
    parser.add_argument("results", nargs="+", type=Path, metavar="RESULTS.jsonl")
    parser.add_argument("--data-dir", type=Path, default=Path("data"),
                        help="the site's data folder; default data")
    parser.add_argument("--threshold", type=float, default=0.95,
                        help="fraction of peak throughput the throughput-optimized row must "
                        "reach; default 0.95")
    parser.add_argument("--allow-unstable", action="store_true",
                        help="publish configurations whose throughput windows varied > 10%%")
    parser.add_argument("--allow-failed", action="store_true",
                        help="publish the other configurations when some did not finish ok")
    parser.add_argument("--platform", help="data/<platform> folder; default from instance type "
                        "(trn1, inf2, ...) for neuron, else cpu or gpu")
    parser.add_argument("--family", help="table family; default from the model registry")
    parser.add_argument("--instance-type", metavar="NAME",
                        help="instance type for records that say 'unknown'")
    parser.set_defaults(handler=handle_publish)
    return parser


def handle_publish(args: argparse.Namespace) -> int:
    from collect.publish import PublishOptions, publish

    report = publish(PublishOptions(
        results=args.results, data_dir=args.data_dir, threshold=args.threshold,
        allow_unstable=args.allow_unstable, allow_failed=args.allow_failed,
        platform=args.platform, family=args.family, instance_type=args.instance_type,
    ))
    print("\n".join(report.lines))
    return 0


def add_publish_sweep_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "publish-sweep", help="write every configuration of a batch-size sweep to a sweep CSV",
        description="Write each configuration of the results (one mode: offline or generate) "
        "as a row of data/<platform>/sweep_<name>.csv, keeping the status of those that did "
        "not finish ok (oom stays oom). Pages show it with perf-sweep.")
    parser.add_argument("results", nargs="+", type=Path, metavar="RESULTS.jsonl")
    parser.add_argument("--name", required=True,
                        help="the sweep's name: data/<platform>/sweep_<name>.csv")
    parser.add_argument("--platform", required=True, help="the data/<platform> folder")
    parser.add_argument("--data-dir", type=Path, default=Path("data"),
                        help="the site's data folder; default data")
    parser.set_defaults(handler=handle_publish_sweep)
    return parser


def handle_publish_sweep(args: argparse.Namespace) -> int:
    from collect.sweep_csv import SweepOptions, publish_sweep

    path, changes = publish_sweep(SweepOptions(
        results=args.results, name=args.name, data_dir=args.data_dir, platform=args.platform))
    print(f"{path}: {changes.summary()}")
    return 0


def add_env_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "env", help="print what was detected (backend, versions, instance type, cores)",
        description="Print the detected backend and the env object that run records carry.")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--instance-type", metavar="NAME", help="as for run")
    parser.set_defaults(handler=handle_env)
    return parser


def handle_env(args: argparse.Namespace) -> int:
    from collect.backends.neuron import neuron_present
    from collect.envinfo import collect_env

    env = collect_env(args.instance_type)
    env.pop("run_id")
    env.pop("started_at")
    present, why = neuron_present()
    detected = {"backend": detect_backend(),
                "neuron_backend": "available" if present else why, **env}
    if args.json:
        print(json.dumps(detected, indent=2))
    else:
        width = max(len(key) for key in detected)
        for key, value in detected.items():
            print(f"{key:<{width}}  {value if value is not None else '-'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m collect",
        description="Benchmark models and publish the results to the site's CSVs.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from collect.cli_load import add_report_command
    from collect.diff_cli import add_diff_command

    add_run_command(subparsers)
    add_publish_command(subparsers)
    add_publish_sweep_command(subparsers)
    add_env_command(subparsers)
    add_report_command(subparsers)
    add_diff_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CollectError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; completed configurations are in the results file", file=sys.stderr)
        return 130
