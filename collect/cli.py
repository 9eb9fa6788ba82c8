"""``collect`` (also ``python -m collect``): one thin argparse layer over the library.

Each subcommand is added by its own ``add_<name>_command(subparsers)`` function and runs
through ``args.handler(args)``. One error convention for every command:

- a problem with the input (a file, a value, an unavailable backend) is a
  :class:`~perfcore.errors.UserError`: one line ``error: ...`` on stderr, exit status 1;
- options that do not go together are usage errors (:class:`~collect.errors.UsageError`):
  argparse's usage line and ``error: ...``, exit status 2;
- a command asked to fail on what it found (``diff --fail-on-regression``) exits with 3, and
  so does ``migrate`` when a table is not shown as its page showed it (files still written).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from collect.backends import detect_backend
from collect.engine.values import fraction, positive_float
from collect.errors import UsageError
from collect.run.options import (
    add_load_arguments,
    add_model_arguments,
    add_output_arguments,
    add_timing_arguments,
    load_settings,
    sweep_options,
)
from perfcore.errors import UserError
from perfcore.numbers import parse_probability

EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2
EXIT_FOUND = 3


# --------------------------------------------------------------------------- option values

def probability(text: str) -> float:
    try:
        return parse_probability(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# --------------------------------------------------------------------------- run

RUN_EPILOG = """\
exit status: 0 when the sweep ran (also when configurations failed, unless
--fail-on-error, and when a served endpoint stopped answering after a configuration was
measured), 1 bad input (nothing measured), 2 usage, 3 with --fail-on-error when a
configuration ended failed, timeout, compile_failed or degraded (oom, the expected end of
a batch-size sweep, and the skipped batches after it do not count).
"""


def add_run_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``run``: built from small groups of options (model, timing, output, load)."""
    parser = subparsers.add_parser(
        "run", help="benchmark a sweep of configurations into a results JSONL file",
        description="Benchmark every combination of the list options (comma-separated) and "
        "append one JSON record per configuration to --out as each one ends.",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(parser)
    add_timing_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--fail-on-error", action="store_true",
                        help="exit with status 3 when a configuration ended failed, timeout "
                        "or compile_failed (not oom)")
    add_load_arguments(parser)
    parser.set_defaults(handler=handle_run)
    return parser


def handle_run(args: argparse.Namespace) -> int:
    from collect.engine.outcome import ERROR_STATUSES, status_counts
    from collect.run.runner import run_sweep

    settings = load_settings(args)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    records = run_sweep(sweep_options(args, settings))
    counts = status_counts(records)
    print(f"{args.out}: {len(records)} configuration(s) recorded: "
          + ", ".join(f"{count} {status}" for status, count in counts.items()))
    errors = sum(counts.get(status, 0) for status in ERROR_STATUSES)
    if args.fail_on_error and errors:
        print(f"error: {errors} configuration(s) ended {'/'.join(ERROR_STATUSES)} "
              "(--fail-on-error)", file=sys.stderr)
        return EXIT_FOUND
    return 0


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
    parser.add_argument("--include-degraded", action="store_true",
                        help="also publish served points recorded degraded (more failed "
                        "requests than --max-failed) to their model cards, marked degraded")
    parser.set_defaults(handler=handle_publish)
    return parser


def handle_publish(args: argparse.Namespace) -> int:
    from collect.publish.tables import PublishOptions, publish

    report = publish(PublishOptions(
        results=args.results, data_dir=args.data_dir, threshold=args.threshold,
        allow_unstable=args.allow_unstable, allow_failed=args.allow_failed,
        platform=args.platform, family=args.family, instance_type=args.instance_type,
        include_degraded=args.include_degraded,
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
    from collect.env.envinfo import collect_env
    from collect.env.neuron import neuron_present

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



# --------------------------------------------------------------------------- import

IMPORT_DESCRIPTION = """\
Read results files that other serving benchmarks wrote and write them as served records
(results schema v1, mode serve) that collect publish takes:

  vllm     vllm bench serve --save-result JSON (--append-result files: one record each)
  aiperf   AIPerf profile_export_aiperf.json
  llmperf  LLMPerf <model>_<in>_<out>_summary.json

The format is detected per file. Values go into the record's own fields (ttft_ms_*,
tpot_ms_*, itl_ms_*, e2e_ms_*, request_throughput, output_tokens_per_s, ...) as the file
wrote them; a value the file lacks stays empty. Each record names the tool, its version,
the file and the tool's name for each value (imported.fields). A malformed or truncated
file is one error naming its line, and nothing is written. See docs/importing.rst.
"""

IMPORT_EPILOG = """\
examples:
  collect import bench/vllm-c4.json --instance-type inf2.8xlarge --out data/raw/imported.jsonl
  collect import profile_export_aiperf.json --instance-type trn1.32xlarge \\
      --model meta-llama/Llama-3.1-8B-Instruct --out data/raw/imported.jsonl --append
"""


def add_import_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``import FILE... --instance-type T --out R.jsonl``: other tools' results as records."""
    from collect.importers import FORMATS

    parser = subparsers.add_parser(
        "import", help="turn vLLM, AIPerf or LLMPerf results files into served records",
        description=IMPORT_DESCRIPTION, epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--instance-type", required=True, metavar="NAME",
                        help="the instance the tool measured on (the file does not say)")
    parser.add_argument("--model", metavar="NAME",
                        help="the model's name on the site (default: the name in the file)")
    parser.add_argument("--format", choices=tuple(FORMATS), dest="fmt",
                        help="the tool that wrote every FILE (default: detected per file)")
    parser.add_argument("--max-failed", type=fraction, metavar="SHARE",
                        help="a run with more failed requests than this share (1%% or 0.01) is "
                        "recorded degraded, as collect run does (default 1%%)")
    parser.add_argument("--out", required=True, type=Path, metavar="RESULTS.jsonl",
                        help="results file to write (refuses to overwrite without --append "
                        "or --force)")
    overwrite = parser.add_mutually_exclusive_group()
    overwrite.add_argument("--append", action="store_true",
                           help="add the records to an existing --out")
    overwrite.add_argument("--force", action="store_true", help="overwrite --out")
    parser.set_defaults(handler=handle_import)
    return parser


def handle_import(args: argparse.Namespace) -> int:
    from collect.env.envinfo import utc_now
    from collect.importers import import_files, write_results

    records = import_files(args.files, instance_type=args.instance_type, model=args.model,
                           fmt=args.fmt, imported_at=utc_now(), max_failed=args.max_failed)
    write_results(args.out, records, append=args.append, force=args.force)
    for record in records:
        imported = record["imported"]
        print(f"{imported['file']}: {imported['tool']} {imported['version'] or ''} -> "
              f"{record['model']}, {record['status']}"
              + (f" ({record['reason']})" if record["reason"] else ""))
    print(f"{args.out}: {len(records)} record(s) written")
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
  collect diff git:v2.20 git:HEAD --prices data/prices.yaml --models data/models.yaml --json
"""


def add_diff_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``diff OLD NEW``: compare two runs or two releases of data/."""
    parser = subparsers.add_parser(
        "diff", help="compare two results files or two releases of data/",
        description=DIFF_DESCRIPTION, epilog=DIFF_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sides = ("results JSONL (several, comma-separated: repeated runs), CSV directory or "
             "git:<rev>")
    parser.add_argument("old", metavar="OLD", help=sides)
    parser.add_argument("new", metavar="NEW", help=sides)
    from perfcore import diff

    parser.add_argument("--threshold", type=fraction, default=diff.DEFAULT_THRESHOLD,
                        help="relative change that counts (default 0.05, also written 5%%)")
    parser.add_argument("--alpha", type=probability, default=diff.DEFAULT_ALPHA,
                        help="significance level of the noise test (default 0.01): Welch's "
                        "t-test on repeated runs where both sides have them, else on one "
                        "run's 1-second throughput windows")
    parser.add_argument("--prices", type=Path, default=None,
                        help="price catalog (data/prices.yaml) to compare cost per 1M")
    parser.add_argument("--pricing-model", default="on-demand",
                        help="pricing model in the catalog (default on-demand)")
    parser.add_argument("--repo", type=Path, default=None,
                        help="git repository for git:<rev> sides (default: current directory)")
    parser.add_argument("--models", type=Path, default=None,
                        help="model catalog (data/models.yaml): rows match by model id, "
                        "whatever name each side uses")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit with status 3 when a regression is flagged")
    parser.set_defaults(handler=handle_diff)
    return parser


def handle_diff(args: argparse.Namespace) -> int:
    """Run the comparison the parsed arguments describe; returns the exit status."""
    from perfcore import diff
    from perfcore.models import load_model_catalog
    from perfcore.prices import load_price_catalog

    models = load_model_catalog(args.models) if args.models else None
    old = diff.load_snapshot(args.old, args.repo, models)
    new = diff.load_snapshot(args.new, args.repo, models)
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
    add_keep_malformed(parser, "with import: ")
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
        print(commands.run_import(args.source, args.data_dir, args.map, args.keep_malformed),
              end="")
        return 0
    if args.source is not None:
        raise UsageError(f"release {args.version}: unexpected {args.source!r} (only "
                         "'release import SRC' takes a folder)")
    if args.map is not None or args.keep_malformed:
        raise UsageError("--map and --keep-malformed go with 'release import'")
    print(commands.run_freeze(args.version, args.date, args.data_dir, args.source_note))
    return 0


def add_keep_malformed(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """One CSV reader policy for other people's files (migrate, release import)."""
    parser.add_argument("--keep-malformed", action="store_true",
                        help=f"{prefix}keep a CSV row with too few fields (or a decimal comma) "
                             "as pandas read it, instead of leaving it out; either way it is "
                             "reported with its file and line")


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
        "table with the original body run by pandas. Exit status 3 (files still written) "
        "when any table is not shown as the page showed it. See docs/migrating.rst.")
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
    add_keep_malformed(parser)
    parser.set_defaults(handler=handle_migrate)
    return parser


def handle_migrate(args: argparse.Namespace) -> int:
    from collect.migrate.run import Options, exit_status, migrate, report

    plan = migrate(Options(src=args.src, data_dir=args.data_dir, docs_dir=args.docs_dir,
                           region=args.region, price_date=args.price_date,
                           source_label=args.source_label, check=not args.no_check,
                           time_limit_s=args.check_time_limit,
                           keep_malformed=args.keep_malformed))
    print("\n".join(report(plan)))
    return exit_status(plan)


# --------------------------------------------------------------------------- campaign

CAMPAIGN_DESCRIPTION = """\
Benchmark every job of CAMPAIGN.yaml on every target (instance type) it names, on a Ray
cluster whose nodes advertise the resource bench-<instance_type>: 1. Records stream back
to this machine and are appended to --out as each configuration ends (the schema of
collect run, plus campaign, target, node_id, hostname, attempt). Guide: docs/campaigns.rst.
"""

CAMPAIGN_EPILOG = """\
examples:
  collect campaign campaign.yaml --out data/raw/sdk-2.21.jsonl --address auto
  collect campaign campaign.yaml --out laptop.jsonl --local-target my-laptop
"""


def non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def add_campaign_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``campaign CAMPAIGN.yaml --out RESULTS.jsonl``: a release across many instances (Ray is
    imported only when the command runs)."""
    parser = subparsers.add_parser(
        "campaign", help="run a campaign file's benchmarks across a Ray cluster",
        description=CAMPAIGN_DESCRIPTION, epilog=CAMPAIGN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("campaign", type=Path, metavar="CAMPAIGN.yaml")
    parser.add_argument("--out", required=True, type=Path, metavar="RESULTS.jsonl",
                        help="results file (refuses to overwrite without --resume/--force)")
    parser.add_argument("--address", metavar="ADDR",
                        help="Ray cluster: auto, ray://HOST:10001 or HOST:PORT; default: start "
                        "Ray here, serving --local-target")
    parser.add_argument("--local-target", metavar="INSTANCE_TYPE",
                        help="without --address: the campaign target this machine serves")
    overwrite = parser.add_mutually_exclusive_group()
    overwrite.add_argument("--resume", action="store_true",
                           help="continue --out: skip (configuration, target) pairs recorded")
    overwrite.add_argument("--force", action="store_true", help="overwrite --out")
    parser.add_argument("--retries", type=non_negative_int, default=2, metavar="N",
                        help="re-runs of a configuration whose node was lost; default 2")
    parser.set_defaults(handler=handle_campaign)
    return parser


def handle_campaign(args: argparse.Namespace) -> int:
    from collect.campaign.driver import CampaignOptions, run_campaign

    tallies = run_campaign(CampaignOptions(
        campaign=args.campaign, out=args.out, address=args.address,
        local_target=args.local_target, resume=args.resume, force=args.force,
        retries=args.retries), sys.stderr)
    for target, tally in tallies.items():
        print(f"{target}: {tally.summary()}")
    print(f"{args.out}: {sum(t.done for t in tallies.values())} configuration(s) recorded")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collect",
        description="Benchmark models and publish the results to the site's CSVs.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (add_run_command, add_publish_command, add_publish_sweep_command,
                        add_env_command, add_report_command, add_diff_command,
                        add_release_command, add_migrate_command, add_campaign_command,
                        add_import_command):
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
