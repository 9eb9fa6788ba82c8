"""``collect`` (also ``python -m collect``): one thin argparse layer over the library.

Each subcommand is added by its own ``add_<name>_command(subparsers)`` function and runs
through ``args.handler(args)``. One error convention for every command:

- a problem with the input (a file, a value, an unavailable backend) is a
  :class:`~perfcore.errors.UserError`: one line ``error: ...`` on stderr, exit status 1;
- options that do not go together are usage errors (:class:`~collect.errors.UsageError`):
  argparse's usage line and ``error: ...``, exit status 2;
- a command asked to fail on what it found (``diff --fail-on-regression``) exits with 3.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from collect.backends import BACKEND_NAMES, detect_backend
from collect.errors import UsageError
from collect.run.slo import SLO_PERCENTILES
from perfcore.errors import UserError
from perfcore.numbers import parse_fraction, parse_probability

EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2
EXIT_FOUND = 3
DTYPES = ("fp32", "bf16", "fp16")  # = run.generate.DTYPES; not imported: keeps torch out


# --------------------------------------------------------------------------- option values

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


def fraction(text: str) -> float:
    """``0.05`` or ``5%``."""
    try:
        return parse_fraction(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def probability(text: str) -> float:
    try:
        return parse_probability(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# --------------------------------------------------------------------------- run

def add_run_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``run``: built from small groups of options (model, timing, output, load)."""
    parser = subparsers.add_parser(
        "run", help="benchmark a sweep of configurations into a results JSONL file",
        description="Benchmark every combination of the list options (comma-separated) and "
        "append one JSON record per configuration to --out as each one ends.")
    add_model_arguments(parser)
    add_timing_arguments(parser)
    add_output_arguments(parser)
    add_load_arguments(parser)
    parser.set_defaults(handler=handle_run)
    return parser


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, type=names(), metavar="NAME[,NAME...]",
                        help="registry model(s) or synthetic:<ms>[+<per_sample_ms>]")
    parser.add_argument("--backend", choices=BACKEND_NAMES,
                        help="default: detect (neuron, else cuda, else cpu)")
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
    from collect.run.runner import run_sweep
    from collect.run.sweep import SweepOptions

    settings = load_settings(args)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    open_loop = args.load != "offline"
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
        sample_utilization=not args.no_utilization,
    )
    records = run_sweep(options)
    failed = sum(record["status"] != "ok" for record in records)
    print(f"{args.out}: {len(records)} configuration(s) recorded, {failed} not ok")
    return 0


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
    gen.add_argument("--mode", choices=("offline", "generate"), default="offline",
                     help="offline inference (default) or LLM generation (TTFT, TPOT, tokens/s)")
    gen.add_argument("--input-length", type=positive_int, default=128, metavar="N",
                     help="prompt tokens per sequence for --mode generate (default 128)")
    gen.add_argument("--output-length", type=positive_int, default=128, metavar="N",
                     help="generated tokens per sequence for --mode generate (default 128)")
    gen.add_argument("--dtypes", type=dtype_list, default=["fp32"], metavar="D[,D...]",
                     help=f"model data types to sweep, from {', '.join(DTYPES)} "
                          "(default fp32)")
    return run_parser


def validate_load_arguments(args: argparse.Namespace) -> None:
    """Reject option combinations that do not make sense, naming the options."""
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
    settings: dict[str, Any] = {"mode": args.load if args.mode == "offline" else "generate"}
    if args.load != "offline":
        settings.update(max_batch_size=args.max_batch_size,
                        max_batch_delay_ms=args.max_batch_delay_ms)
    if args.load == "closed":
        settings["concurrency"] = args.concurrency
    if args.mode == "generate":
        settings.update(input_length=args.input_length, output_length=args.output_length)
    return settings



# --------------------------------------------------------------------------- publish, env

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
    from collect.publish.tables import PublishOptions, publish

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
    from collect.publish.sweep_csv import SweepOptions, publish_sweep

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
    from collect.env.envinfo import collect_env

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



# --------------------------------------------------------------------------- report

REPORT_DESCRIPTION = (
    "Write a run report (reST page DIR/index.rst plus SVG plots) from results JSONL: summary, "
    "latency and throughput distributions, latency-vs-throughput by band, dashboard metrics "
    "and time series. Put it under data/reports/<run>/ for the site's Run reports page."
)


def add_report_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``report RESULTS.jsonl... --out DIR``: a run report page with plots."""
    parser = subparsers.add_parser("report", help="write a run report page with plots",
                                   description=REPORT_DESCRIPTION)
    parser.add_argument("results", nargs="+", metavar="RESULTS.jsonl",
                        help="results file(s) written by collect run")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="directory for index.rst and the plots (created if missing)")
    parser.add_argument("--title", help="page title (default: 'Run report: <run ids>')")
    parser.set_defaults(handler=handle_report)
    return parser


def handle_report(args: argparse.Namespace) -> int:
    from collect.report.rst import write_report

    written = write_report(args.results, args.out, args.title)
    for note in written.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {written.index} ({written.records} configurations, {len(written.plots)} plots)")
    return 0



# --------------------------------------------------------------------------- diff

DIFF_DESCRIPTION = """\
Compare two runs or two releases of the published data, row by row.

OLD and NEW are each a results JSONL file (schema v1), a directory of published
CSVs (e.g. data/ or data/inf2/), or git:<rev> / git:<rev>:<path> for the CSVs
under data/ (or <path>) at a git revision.

Rows match on model, instance type (case-insensitive), sequence length, dtype,
batch size and mode, plus the parallelism and length fields both sides record.
A change is flagged only when it exceeds the threshold AND the measured noise:
throughput with Welch's t-test on the recorded per-second windows; where no
distribution is recorded (CSV snapshots, latency percentiles) the report says
"noise unknown: threshold only".
"""

DIFF_EPILOG = """\
exit status: 0 (also with regressions, unless --fail-on-regression), 1 bad input,
2 usage, 3 regressions found with --fail-on-regression.

examples:
  collect diff data/raw/sdk-2.20.jsonl data/raw/sdk-2.21.jsonl
  collect diff git:v2.20 git:HEAD --prices data/prices.yaml --json
"""


def add_diff_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``diff OLD NEW``: compare two runs or two releases of data/."""
    parser = subparsers.add_parser(
        "diff", help="compare two results files or two releases of data/",
        description=DIFF_DESCRIPTION, epilog=DIFF_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", metavar="OLD", help="results JSONL, CSV directory or git:<rev>")
    parser.add_argument("new", metavar="NEW", help="results JSONL, CSV directory or git:<rev>")
    from perfcore import diff

    parser.add_argument("--threshold", type=fraction, default=diff.DEFAULT_THRESHOLD,
                        help="relative change that counts (default 0.05, also written 5%%)")
    parser.add_argument("--alpha", type=probability, default=diff.DEFAULT_ALPHA,
                        help="significance level of the noise test (default 0.01)")
    parser.add_argument("--prices", type=Path, default=None,
                        help="price catalog (data/prices.yaml) to compare cost per 1M")
    parser.add_argument("--pricing-model", default="on-demand",
                        help="pricing model in the catalog (default on-demand)")
    parser.add_argument("--repo", type=Path, default=None,
                        help="git repository for git:<rev> sides (default: current directory)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit with status 3 when a regression is flagged")
    parser.set_defaults(handler=handle_diff)
    return parser


def handle_diff(args: argparse.Namespace) -> int:
    """Run the comparison the parsed arguments describe; returns the exit status."""
    from perfcore import diff
    from perfcore.prices import load_price_catalog

    old = diff.load_snapshot(args.old, args.repo)
    new = diff.load_snapshot(args.new, args.repo)
    prices = load_price_catalog(args.prices) if args.prices else None
    result = diff.compare(old, new, args.threshold, args.alpha, prices, args.pricing_model)
    if args.json:
        print(json.dumps(diff.to_json(result), indent=2, sort_keys=True))
    else:
        sys.stdout.write(diff.format_text(result))
    return EXIT_FOUND if args.fail_on_regression and result.regressions else 0


RELEASE_DESCRIPTION = """\
Freeze the published CSVs of data/ (data/<platform>/*.csv, not raw/, reports/ or releases/)
and data/prices.yaml as release VERSION under data/releases/<VERSION>/, and add it to
data/releases/index.csv (Version, Date, Source). An existing release is never overwritten.

  collect release 2.29 --date 2026-05-01
  collect release import ../shared/neuron-pages/releases --data-dir data

"import SRC" brings in the published pages' history (a folder of snapshot folders with a
releases.csv), mapping old file and column names onto today's as declared in
data/releases/column-map.yaml; what cannot be mapped is reported and left out.
"""


def add_release_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``release VERSION [--date D]`` and ``release import SRC``: the release history."""
    parser = subparsers.add_parser(
        "release", help="freeze data/ as a release, or import a release history",
        description=RELEASE_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", metavar="VERSION",
                        help="release version as text, e.g. 2.20 (or the word import)")
    parser.add_argument("source", metavar="SRC", nargs="?",
                        help="with import: the folder of snapshot folders and releases.csv")
    parser.add_argument("--date", default=None, help="release date YYYY-MM-DD (default today)")
    parser.add_argument("--data-dir", type=Path, default=Path("data"),
                        help="the site's data folder (default data)")
    parser.add_argument("--source-note", default=None,
                        help="where the release came from (default: data/ at git HEAD)")
    parser.add_argument("--map", type=Path, default=None,
                        help="with import: the column map (default "
                             "DATA/releases/column-map.yaml)")
    parser.set_defaults(handler=handle_release)
    return parser


def handle_release(args: argparse.Namespace) -> int:
    """Freeze data/ as a release, or import a history; prints what was written."""
    from collect.release import commands

    if args.version == "import":
        if args.source is None:
            raise UsageError("release import: give SRC, the folder to import")
        if args.date or args.source_note:
            raise UsageError("release import: --date and --source-note come from SRC")
        print(commands.run_import(args.source, args.data_dir, args.map), end="")
        return 0
    if args.source is not None:
        raise UsageError(f"release {args.version}: unexpected {args.source!r} (only "
                         "'release import SRC' takes a folder)")
    if args.map is not None:
        raise UsageError("--map goes with 'release import'")
    print(commands.run_freeze(args.version, args.date, args.data_dir, args.source_note))
    return 0


# ----------------------------------------------------------------------- migrate

def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def add_migrate_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "migrate", help="translate pages of pandas df-table bodies into declarative pages + data",
        description="Read every page under SRC_DIR, translate each pandas df-table body into "
        "a declarative spec (never running it), write the pages under --docs-dir and the CSVs, "
        "prices and families under --data-dir (merged with what is there), and compare each "
        "table with the original body run by pandas. See docs/migrating.rst.")
    parser.add_argument("src", type=Path, metavar="SRC_DIR")
    parser.add_argument("--data-dir", type=Path, required=True, metavar="DATA")
    parser.add_argument("--docs-dir", type=Path, required=True, metavar="DOCS")
    parser.add_argument("--region", default="us-east-1",
                        help="region of the converted prices (default us-east-1)")
    parser.add_argument("--price-date", type=iso_date, metavar="YYYY-MM-DD",
                        help="'read' date of prices on pages without a 'Last update' line")
    parser.add_argument("--source-label", metavar="TEXT",
                        help="how Source names SRC_DIR (default: SRC_DIR as given)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip the self-check against pandas")
    parser.add_argument("--check-time-limit", type=positive_float, default=300.0, metavar="S",
                        help="time limit of the pandas child process (default 300 s)")
    parser.set_defaults(handler=handle_migrate)
    return parser


def handle_migrate(args: argparse.Namespace) -> int:
    from collect.migrate.run import Options, migrate, report

    plan = migrate(Options(src=args.src, data_dir=args.data_dir, docs_dir=args.docs_dir,
                           region=args.region, price_date=args.price_date,
                           source_label=args.source_label, check=not args.no_check,
                           time_limit_s=args.check_time_limit))
    print("\n".join(report(plan)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collect",
        description="Benchmark models and publish the results to the site's CSVs.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (add_run_command, add_publish_command, add_publish_sweep_command,
                        add_env_command, add_report_command, add_diff_command,
                        add_release_command, add_migrate_command):
        command_parser = add_command(subparsers)
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the module docstring has the exit statuses."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as error:
        args.command_parser.error(str(error))  # exits with EXIT_USAGE
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print("interrupted; completed configurations are in the results file", file=sys.stderr)
        return 130
