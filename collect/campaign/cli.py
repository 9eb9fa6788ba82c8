"""``collect campaign CAMPAIGN.yaml --out RESULTS.jsonl``: the command line of campaigns.

Wired into ``python -m collect`` by ``add_campaign_command(subparsers)``; Ray is imported
only when the command runs, so ``--help`` (and every other command) works without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = """\
Benchmark every job of CAMPAIGN.yaml on every target (instance type) it names, on a Ray
cluster whose nodes advertise the resource bench-<instance_type>: 1. Records stream back
to this machine and are appended to --out as each configuration ends (the schema of
collect run, plus campaign, target, node_id, hostname, attempt). Guide: docs/campaigns.rst.
"""

EPILOG = """\
examples:
  collect campaign campaign.yaml --out data/raw/sdk-2.21.jsonl --address auto
  collect campaign campaign.yaml --out laptop.jsonl --local-target my-laptop
"""


def non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def add_campaign_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "campaign", help="run a campaign file's benchmarks across a Ray cluster",
        description=DESCRIPTION, epilog=EPILOG,
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
