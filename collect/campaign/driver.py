"""The campaign driver: plans every (configuration, target), places each on a Ray node of
its target, and is the only writer of the results file.

Each unit of work asks for its target's slot (``bench-<instance_type>: 1``, one per node,
so two benchmarks never share a machine) and, on Neuron, ``neuron_cores`` for its copies.
The configurations of one group (same everything but batch size) run one after another
on the target, smallest batch first, so an out-of-memory skips the larger batches as in
``collect run``; groups and targets run in parallel. Ray's own task retries are off: a
unit whose node dies is resubmitted here, so the driver counts re-runs and records each
configuration exactly once.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from importlib import import_module
from pathlib import Path
from typing import Any, TextIO

from collect.campaign.progress import CampaignProgress, Tally
from collect.campaign.spec import Campaign, Target, load_campaign
from collect.campaign.worker import Outcome, Unit, run_unit
from collect.engine.outcome import Configuration, make_record
from collect.env.envinfo import new_run_id, utc_now
from collect.env.utilization import write_timeseries
from collect.errors import CollectError
from collect.run.modes import plan
from perfcore.records import ResultsWriter, config_id, read_records

LOCAL_OBJECT_STORE_BYTES = 200 * 1024 * 1024  # records are small; Ray's default is 30% of RAM
WAIT_TICK_S = 1.0  # ray.wait returns this often, so Ctrl-C is seen at once
# Shipped to the nodes with each campaign (Ray ``py_modules``): the code a node runs.
PACKAGES_FOR_NODES = ("collect", "perfcore")
RAY_LOOPBACK = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""``0``: Ray binds its nodes to 127.0.0.1 (the default off Windows and macOS is the machine's
address, reachable from other machines)."""


@dataclass(frozen=True)
class CampaignOptions:
    campaign: Path
    out: Path
    address: str | None = None
    local_target: str | None = None
    resume: bool = False
    force: bool = False
    retries: int = 2


@dataclass(frozen=True)
class Planned:
    """A unit of work and what the driver needs to record it without the node."""

    unit: Unit
    config: Configuration
    target: Target

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit.config_id, self.target.instance_type)


@dataclass
class Attempt:
    planned: Planned
    chain: deque[Planned]
    number: int = 1


@dataclass
class Plan:
    chains: list[deque[Planned]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    already_done: int = 0


def unit_resources(target: Target, config: Configuration) -> dict[str, float]:
    """The Ray resources one configuration asks for: its target's slot, and on Neuron one
    NeuronCore per model copy (the backend places copy i on visible core i)."""
    resources = {target.slot: 1.0}
    if target.backend == "neuron":
        resources["neuron_cores"] = float(config.fields()["n_models"])
    return resources


def chosen_targets(campaign: Campaign, options: CampaignOptions) -> list[Target]:
    """Every target on a cluster; without ``--address``, the one this machine serves."""
    if options.address is not None:
        if options.local_target is not None:
            raise CollectError("--local-target is for a run without --address (this machine "
                               "as the only node)")
        return list(campaign.targets.values())
    names = ", ".join(campaign.targets)
    if options.local_target is None:
        raise CollectError(f"without --address, name the target this machine serves with "
                           f"--local-target (one of {names})")
    if options.local_target not in campaign.targets:
        raise CollectError(f"--local-target {options.local_target!r} is not a target of "
                           f"{campaign.path} ({names})")
    return [campaign.targets[options.local_target]]


def recorded_keys(out: Path) -> set[tuple[str, str]]:
    """``(config_id, target)`` of every record already in ``out`` (for ``--resume``)."""
    if not out.exists():
        return set()
    return {(record.get("config_id"), record.get("target")
             or (record.get("env") or {}).get("instance_type"))
            for record in read_records(out).records}


def plan_campaign(campaign: Campaign, targets: list[Target], out: Path, run_id: str,
                  done: set[tuple[str, str]]) -> Plan:
    """One chain per (job, target, group), batch sizes ascending; each key at most once."""
    result = Plan()
    seen: set[tuple[str, str]] = set()
    for job in campaign.jobs:
        for target in (t for t in targets if t.instance_type in job.targets):
            options = job.options_for(target, out)
            chains: dict[tuple, deque[Planned]] = {}
            for config in plan(options):
                unit = Unit(options, config_id(config.fields()), target.instance_type,
                            campaign.name, run_id)
                planned = Planned(unit, config, target)
                if planned.key in seen:
                    continue
                seen.add(planned.key)
                if planned.key in done:
                    result.already_done += 1
                    continue
                chains.setdefault(config.group(), deque()).append(planned)
                result.totals[target.instance_type] = \
                    result.totals.get(target.instance_type, 0) + 1
            result.chains.extend(chains.values())
    return result


def run_campaign(options: CampaignOptions, stream: TextIO) -> dict[str, Tally]:
    """Run the campaign; returns per target what was recorded now (ok, not ok, re-run)."""
    campaign = load_campaign(options.campaign)
    targets = chosen_targets(campaign, options)
    writer = ResultsWriter(options.out, resume=options.resume, force=options.force)
    if writer.repaired_line is not None:
        stream.write(f"{options.out}:{writer.repaired_line}: removed a torn last line (the "
                     "configuration it belonged to runs again)\n")
    done = recorded_keys(options.out) if options.resume else set()
    planned = plan_campaign(campaign, targets, options.out, new_run_id(), done)
    if planned.already_done:
        stream.write(f"resume: {planned.already_done} configuration(s) already recorded\n")
    if not planned.chains:
        return {}
    with ray_connection(options, targets) as ray:
        check_cluster(ray, planned.chains, stream)
        scheduler = Scheduler(ray, writer, options, CampaignProgress(planned.totals, stream))
        return scheduler.run(planned.chains)


@contextlib.contextmanager
def ray_connection(options: CampaignOptions, targets: list[Target]) -> Iterator[Any]:
    """Ray connected to ``--address``, or a local instance holding the one target's slot and
    listening on loopback only.

    The ``collect`` package travels to the nodes with the job (``py_modules``); the nodes
    need the same Python packages as this machine (torch, and the backend's SDK).
    """
    if options.address is None:
        # This machine alone: every Ray process listens on loopback, not on the machine's
        # interface address (Ray reads this when it is imported).
        os.environ[RAY_LOOPBACK] = "0"
    import ray

    common: dict[str, Any] = {
        "runtime_env": {"py_modules": [import_module(name) for name in PACKAGES_FOR_NODES]},
        "logging_level": logging.WARNING,
        "log_to_driver": False,
    }
    if options.address is not None:
        ray.init(address=options.address, **common)
    else:
        # "local": a new instance even when another Ray runs on this machine
        ray.init(address="local", resources={targets[0].slot: 1}, include_dashboard=False,
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES, **common)
    try:
        yield ray
    finally:
        ray.shutdown()


def check_cluster(ray: Any, chains: list[deque[Planned]], stream: TextIO) -> None:
    """Say which targets no node serves yet (their work waits for one); refuse work that
    no node of its type could ever take (e.g. more NeuronCores than such a node has)."""
    nodes = [node["Resources"] for node in ray.nodes() if node["Alive"]]
    waiting: Counter[str] = Counter()
    for planned in (planned for chain in chains for planned in chain):
        serving = [resources for resources in nodes if resources.get(planned.target.slot)]
        if not serving:
            waiting[planned.target.slot] += 1
            continue
        wanted = unit_resources(planned.target, planned.config)
        if not any(all(resources.get(name, 0) >= amount for name, amount in wanted.items())
                   for resources in serving):
            raise CollectError(
                f"{planned.target.instance_type}: {planned.config.label()} asks for "
                f"{describe(wanted)}; no node serving {planned.target.slot} has that much "
                f"({'; '.join(describe(resources) for resources in serving)})")
    for slot, count in waiting.items():
        stream.write(f"no node advertises {slot} yet: its {count} configuration(s) wait "
                     "for one\n")


def describe(resources: dict[str, float]) -> str:
    return ", ".join(f"{name}: {amount:g}" for name, amount in sorted(resources.items())
                     if name == "neuron_cores" or name.startswith("bench-"))


class Scheduler:
    """Submits the head of every chain, records results as they come, resubmits lost work."""

    def __init__(self, ray: Any, writer: ResultsWriter, options: CampaignOptions,
                 progress: CampaignProgress) -> None:
        self.ray = ray
        self.remote = ray.remote(run_unit)
        self.writer = writer
        self.options = options
        self.progress = progress
        self.pending: dict[Any, Attempt] = {}

    def run(self, chains: list[deque[Planned]]) -> dict[str, Tally]:
        # On Ctrl-C nothing is cancelled here: disconnecting (ray_connection) ends the job,
        # and Ray stops its workers (cancelling a task as it completes can abort the driver).
        try:
            for chain in chains:
                self.submit_next(chain, oom_batch=None)
            while self.pending:
                ready, _ = self.ray.wait(list(self.pending), num_returns=1, timeout=WAIT_TICK_S)
                for ref in ready:
                    self.settle(ref, self.pending.pop(ref))
        finally:
            self.progress.close()
        return self.progress.tallies

    def submit(self, attempt: Attempt) -> None:
        planned = attempt.planned
        ref = self.remote.options(
            num_cpus=0, max_retries=0, resources=unit_resources(planned.target, planned.config),
        ).remote(planned.unit)
        self.pending[ref] = attempt

    def submit_next(self, chain: deque[Planned], oom_batch: int | None) -> None:
        if chain:
            planned = chain.popleft()
            self.submit(Attempt(replace(planned, unit=replace(planned.unit, oom_batch=oom_batch)),
                                chain))

    def settle(self, ref: Any, attempt: Attempt) -> None:
        from ray.exceptions import RayError, RayTaskError

        try:
            outcome: Outcome = self.ray.get(ref)
        except RayTaskError as error:
            cause = error.cause if isinstance(error.cause, BaseException) else error
            outcome = self.lost(attempt, f"the node raised {first_line(cause)}")
        except RayError as error:
            if attempt.number <= self.options.retries:
                self.progress.rerun(attempt.planned.target.instance_type)
                self.submit(replace(attempt, number=attempt.number + 1))
                return
            outcome = self.lost(attempt, f"lost {attempt.number} time(s), retries spent; "
                                f"last: {first_line(error)}")
        record = self.write(outcome, attempt)
        oom_batch = attempt.planned.unit.oom_batch
        if record["status"] == "oom" and oom_batch is None:
            oom_batch = record["batch_size"]
        self.submit_next(attempt.chain, oom_batch)

    def lost(self, attempt: Attempt, reason: str) -> Outcome:
        """A ``failed`` record made here: no node finished it, so its env is not known."""
        unit = attempt.planned.unit
        env = {"instance_type": unit.target, "run_id": unit.run_id, "hostname": None}
        record = make_record(attempt.planned.config, env, utc_now(), "failed", reason, {})
        record.update(campaign=unit.campaign, target=unit.target, node_id=None, hostname=None)
        return Outcome(record, None)

    def write(self, outcome: Outcome, attempt: Attempt) -> dict:
        record = {**outcome.record, "attempt": attempt.number}
        if outcome.timeseries is not None:
            record["timeseries_file"] = write_timeseries(
                self.options.out, f"{record['target']}-{record['config_id']}", outcome.timeseries)
        self.writer.append(record)
        self.progress.done(record)
        return record


def first_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text.splitlines()[0][:300]
