"""``collect diff OLD NEW``: a thin command line over :mod:`collect.diff`.

The core CLI wires it in with ``add_diff_command(subparsers)``; meanwhile it runs
standalone as ``python -m collect.diff_cli OLD NEW``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from collect import diff

DESCRIPTION = """\
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

EPILOG = """\
exit status: 0 (also with regressions, unless --fail-on-regression), 1 regressions
found with --fail-on-regression, 2 bad input.

examples:
  collect diff data/raw/sdk-2.20.jsonl data/raw/sdk-2.21.jsonl
  collect diff git:v2.20 git:HEAD --prices data/prices.yaml --json
"""


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a fraction like 0.05 or 5%, got {text!r}") \
            from exc
    return value


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("old", metavar="OLD", help="results JSONL, CSV directory or git:<rev>")
    parser.add_argument("new", metavar="NEW", help="results JSONL, CSV directory or git:<rev>")
    parser.add_argument("--threshold", type=_fraction, default=diff.DEFAULT_THRESHOLD,
                        help="relative change that counts (default 0.05, also written 5%%)")
    parser.add_argument("--alpha", type=float, default=diff.DEFAULT_ALPHA,
                        help="significance level of the noise test (default 0.01)")
    parser.add_argument("--prices", type=Path, default=None,
                        help="price catalog (data/prices.yaml) to compare cost per 1M")
    parser.add_argument("--pricing-model", default="on-demand",
                        help="pricing model in the catalog (default on-demand)")
    parser.add_argument("--repo", type=Path, default=None,
                        help="git repository for git:<rev> sides (default: current directory)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit with status 1 when a regression is flagged")
    parser.set_defaults(handler=run_diff)
    return parser


def add_diff_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``diff`` to the collector's sub-commands."""
    parser = subparsers.add_parser(
        "diff", help="compare two results files or two releases of data/",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return configure_parser(parser)


def run_diff(args: argparse.Namespace) -> int:
    """Run the comparison the parsed arguments describe; returns the exit status."""
    try:
        old = diff.load_snapshot(args.old, args.repo)
        new = diff.load_snapshot(args.new, args.repo)
        prices = (diff.load_price_rates(args.prices, args.pricing_model)
                  if args.prices else None)
        result = diff.compare(old, new, args.threshold, args.alpha, prices)
    except diff.DiffError as exc:
        print(f"collect diff: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(diff.to_json(result), indent=2, sort_keys=True))
    else:
        sys.stdout.write(diff.format_text(result))
    return 1 if args.fail_on_regression and result.regressions else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="collect diff", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    args = configure_parser(parser).parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
