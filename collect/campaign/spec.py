"""The campaign file (``schema_version: 1``), validated with errors that name file and line.

A job's keys are ``collect run``'s options spelled with underscores (``batch_sizes: [1, 4]``
is ``--batch-sizes 1,4``); they go through ``collect run``'s own parser and
:func:`collect.cli.sweep_options`, so a job means exactly what the same ``collect run``
command would. The backend and instance type come from each target, the results file
from the command line. No Ray import here.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

import yaml

from collect.backends import BACKEND_NAMES
from collect.engine.options import SweepOptions
from collect.errors import CollectError, UsageError
from collect.run.modes import plan
from collect.run.options import (
    add_load_arguments,
    add_model_arguments,
    add_output_arguments,
    add_timing_arguments,
    load_settings,
    sweep_options,
)
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar, string_list

SCHEMA_VERSION = 1
TOP_LEVEL_KEYS = ("schema_version", "name", "targets", "jobs")
TARGET_KEYS = ("instance_type", "backend")
# Options a job may not set: the target and the command line decide them.
NOT_JOB_OPTIONS = frozenset({"help", "out", "resume", "force", "instance_type", "backend"})
PLACEHOLDER_OUT = Path("campaign.jsonl")


class CampaignFileError(CollectError):
    """A problem in the campaign file: ``path:line: what was expected``."""


@dataclass(frozen=True)
class Target:
    """An instance type the campaign measures, and the backend it runs there."""

    instance_type: str
    backend: str

    @property
    def slot(self) -> str:
        """The custom Ray resource a node of this type advertises (one per node)."""
        return f"bench-{self.instance_type}"


@dataclass(frozen=True)
class Job:
    """One ``collect run`` sweep, run on each of its targets."""

    number: int
    line: int
    options: SweepOptions
    targets: tuple[str, ...]

    def options_for(self, target: Target, out: Path) -> SweepOptions:
        return replace(self.options, backend=target.backend,
                       instance_type=target.instance_type, out=out)


@dataclass(frozen=True)
class Campaign:
    name: str
    path: Path
    targets: dict[str, Target]
    jobs: tuple[Job, ...]


class _RaisingParser(argparse.ArgumentParser):
    """``collect run``'s parser, raising instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise argparse.ArgumentError(None, message)


def job_parser() -> argparse.ArgumentParser:
    parser = _RaisingParser(prog="job", add_help=False, exit_on_error=False)
    add_model_arguments(parser)
    add_timing_arguments(parser)
    add_output_arguments(parser)
    add_load_arguments(parser)
    return parser


def job_keys(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """``batch_sizes`` -> the action of ``--batch-sizes``, for every option a job may set."""
    keys = {}
    for action in parser._actions:
        for option in action.option_strings:
            key = option.removeprefix("--").replace("-", "_")
            if option.startswith("--") and key not in NOT_JOB_OPTIONS:
                keys[key] = action
    return keys


def load_campaign(path: Path) -> Campaign:
    """Read and check ``path``; every problem is a :class:`CampaignFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CampaignFileError(f"{path}: cannot read the campaign file: {error.strerror}") \
            from None
    try:
        return _campaign(text, str(path), path)
    except YamlError as error:
        raise CampaignFileError(str(error)) from None


def _campaign(text: str, where: str, path: Path) -> Campaign:
    root = compose(text, where)
    if root is None:
        raise YamlError(where, 0, "empty file; expected schema_version, name, targets, jobs")
    items = _known_items(root, where, "the campaign", TOP_LEVEL_KEYS)
    for key in TOP_LEVEL_KEYS:
        if key not in items:
            raise YamlError(where, line_of(root), f"the campaign needs {key!r}")
    version = scalar(items["schema_version"], where, "schema_version")
    if version != str(SCHEMA_VERSION):
        raise YamlError(where, line_of(items["schema_version"]),
                        f"schema_version: expected {SCHEMA_VERSION}, got {version!r}")
    targets = _targets(items["targets"], where)
    jobs = _jobs(items["jobs"], where, targets)
    return Campaign(scalar(items["name"], where, "name"), path, targets, jobs)


def _known_items(node: yaml.Node, where: str, what: str,
                 known: tuple[str, ...] | dict) -> dict[str, yaml.Node]:
    items = {}
    for key, key_node, value in mapping_items(node, where, what):
        if key not in known:
            raise YamlError(where, line_of(key_node),
                            f"{what}: unknown key {key!r}; expected one of {', '.join(known)}")
        items[key] = value
    return items


def _sequence(node: yaml.Node, where: str, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise YamlError(where, line_of(node), f"{what} must be a non-empty list")
    return node.value


def _targets(node: yaml.Node, where: str) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    for item in _sequence(node, where, "targets"):
        fields = _known_items(item, where, "a target", TARGET_KEYS)
        if set(fields) != set(TARGET_KEYS):
            raise YamlError(where, line_of(item), "a target needs instance_type and backend")
        instance_type = scalar(fields["instance_type"], where, "instance_type")
        backend = scalar(fields["backend"], where, "backend")
        if backend not in BACKEND_NAMES:
            raise YamlError(where, line_of(fields["backend"]),
                            f"backend: expected one of {', '.join(BACKEND_NAMES)}, "
                            f"got {backend!r}")
        if instance_type in targets:
            raise YamlError(where, line_of(item), f"target {instance_type!r} is listed twice")
        targets[instance_type] = Target(instance_type, backend)
    return targets


def _jobs(node: yaml.Node, where: str, targets: dict[str, Target]) -> tuple[Job, ...]:
    parser = job_parser()
    keys = job_keys(parser)
    return tuple(_job(number, item, where, targets, parser, keys)
                 for number, item in enumerate(_sequence(node, where, "jobs"), start=1))


def _job(number: int, node: yaml.Node, where: str, targets: dict[str, Target],
         parser: argparse.ArgumentParser, keys: dict[str, argparse.Action]) -> Job:
    what = f"job {number}"
    items = _known_items(node, where, what, {**keys, "targets": None})
    job_targets = tuple(targets)
    if "targets" in items:
        targets_node = items.pop("targets")
        job_targets = tuple(string_list(targets_node, where, f"{what}: targets"))
        unknown = [name for name in job_targets if name not in targets]
        if unknown:
            raise YamlError(where, line_of(targets_node), f"{what}: targets "
                            f"{', '.join(unknown)} are not in the campaign's targets "
                            f"({', '.join(targets)})")
    argv = [token for key, value in items.items()
            for token in _option_tokens(keys[key], value, where, f"{what}: {key}")]
    options = _job_options(parser, [*argv, "--out", str(PLACEHOLDER_OUT)],
                           where, what, node, items)
    job = Job(number, line_of(node), options, job_targets)
    for name in job_targets:
        try:
            plan(job.options_for(targets[name], PLACEHOLDER_OUT))
        except CollectError as error:
            raise YamlError(where, line_of(node),
                            f"{what} on {name}: {as_keys(str(error))}") from None
    return job


def as_keys(text: str) -> str:
    """``collect run``'s option names in a message as campaign keys (``--n-models`` -> n_models)."""
    return re.sub(r"--([a-z][a-z-]*)", lambda match: match[1].replace("-", "_"), text)


def _option_tokens(action: argparse.Action, node: yaml.Node, where: str,
                   what: str) -> list[str]:
    """The ``collect run`` arguments a job key stands for."""
    option = action.option_strings[-1]
    if action.nargs == 0:
        value = scalar(node, where, what)
        if node.tag != "tag:yaml.org,2002:bool":
            raise YamlError(where, line_of(node), f"{what}: expected true or false, "
                            f"got {value!r}")
        return [option] if value.lower() == "true" else []
    if isinstance(node, yaml.SequenceNode):
        return [option, ",".join(string_list(node, where, what))]
    return [option, scalar(node, where, what)]


def _job_options(parser: argparse.ArgumentParser, argv: list[str], where: str, what: str,
                 node: yaml.Node, items: dict[str, yaml.Node]) -> SweepOptions:
    try:
        args = parser.parse_args(argv)
        settings = load_settings(args)
    except argparse.ArgumentError as error:
        key = as_keys(error.argument_name or "")
        line = line_of(items[key]) if key in items else line_of(node)
        prefix = f"{key}: " if key else ""
        message = error.message.replace("the following arguments are required:", "needs")
        raise YamlError(where, line, f"{what}: {prefix}{as_keys(message)}") from None
    except UsageError as error:
        raise YamlError(where, line_of(node), f"{what}: {as_keys(str(error))}") from None
    if "slo_ms" in items:
        raise YamlError(where, line_of(items["slo_ms"]), f"{what}: slo_ms: an SLO search "
                        "picks its rates as it goes; run it with collect run")
    args.backend = "cpu"  # each target replaces it (Job.options_for)
    return sweep_options(args, settings)
