"""``collect report RESULTS.jsonl... --out DIR``: write a run report the site can include.

Standalone until the collector CLI wires it in: ``python -m collect.report_cli``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

DESCRIPTION = (
    "Write a run report (reST page DIR/index.rst plus SVG plots) from results JSONL: summary, "
    "latency and throughput distributions, latency-vs-throughput by band, dashboard metrics "
    "and time series. Put it under data/reports/<run>/ for the site's Run reports page."
)


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("results", nargs="+", metavar="RESULTS.jsonl",
                        help="results file(s) written by collect run")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="directory for index.rst and the plots (created if missing)")
    parser.add_argument("--title", help="page title (default: 'Run report: <run ids>')")
    parser.set_defaults(handler=run_report)
    return parser


def run_report(args: argparse.Namespace) -> int:
    """Write the report; domain errors become one-line messages on stderr (exit status 2)."""
    from collect.report import ResultsFormatError
    from collect.report_rst import ReportError, write_report

    try:
        written = write_report(args.results, args.out, args.title)
    except (ResultsFormatError, ReportError) as exc:
        print(f"collect report: error: {exc}", file=sys.stderr)
        return 2
    for note in written.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {written.index} ({written.records} configurations, {len(written.plots)} plots)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="collect report", description=DESCRIPTION)
    args = configure_parser(parser).parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
