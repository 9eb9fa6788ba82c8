"""What runs on a node: one configuration of a campaign, measured by ``collect run``'s code.

The node never writes the campaign's results file: the record (and its utilisation time
series, written to a scratch folder first) goes back to the driver, which appends it.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from collect.engine.options import SweepOptions
from collect.engine.outcome import Configuration, OomSkips, make_record
from collect.engine.sweep import measure_one
from collect.env.envinfo import collect_env, utc_now
from collect.errors import CollectError
from collect.run.modes import mode_for, plan
from perfcore.records import config_id


@dataclass(frozen=True)
class Unit:
    """One configuration on one target, as sent to a node."""

    options: SweepOptions
    config_id: str
    target: str
    campaign: str
    run_id: str
    # An earlier batch size of the same group ran out of memory: this one is recorded
    # ``skipped`` without running, as ``collect run`` does.
    oom_batch: int | None = None


@dataclass(frozen=True)
class Outcome:
    record: dict
    timeseries: dict | None


def find_config(options: SweepOptions, wanted: str) -> Configuration:
    for config in plan(options):
        if config_id(config.fields()) == wanted:
            return config
    raise CollectError(f"configuration {wanted} is not in this job's plan (different "
                       "collector versions on the driver and the node?)")


def run_unit(unit: Unit) -> Outcome:
    """Measure ``unit`` here; the record carries the node and the NeuronCores Ray gave it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # Ray gives its workers OMP_NUM_THREADS=1 (a task without CPUs); without it PyTorch,
    # imported below for the first time in this process, sizes its threads as under
    # `collect run` on the same machine.
    os.environ.pop("OMP_NUM_THREADS", None)
    with tempfile.TemporaryDirectory(prefix="collect-campaign-") as scratch:
        options = replace(unit.options, out=Path(scratch) / unit.options.out.name)
        record = measure(unit, options)
        timeseries = read_sidecar(options.out, record)
    record.update(placement(unit))
    return Outcome(record, timeseries)


def measure(unit: Unit, options: SweepOptions) -> dict:
    """``collect run``'s record of the configuration (the same engine and mode); a backend
    that cannot run here, or another domain error, is recorded ``failed`` with the reason
    instead of stopping."""
    config = find_config(options, unit.config_id)
    env = collect_env(options.instance_type, unit.run_id)
    skips = OomSkips({config.group(): unit.oom_batch} if unit.oom_batch else None)
    started_at = utc_now()
    try:
        session = mode_for(options.mode).open(options)
    except CollectError as error:
        return make_record(config, env, started_at, "failed", str(error), {})
    try:
        return measure_one(session, config, options, env, skips)
    except CollectError as error:
        return make_record(config, env, started_at, "failed", str(error), {})
    finally:
        session.close()


def read_sidecar(out: Path, record: dict) -> dict | None:
    relative = record.get("timeseries_file")
    if not relative:
        return None
    return json.loads((out.parent / relative).read_text(encoding="utf-8"))


def placement(unit: Unit) -> dict:
    """Campaign fields of the record: where it ran, and the NeuronCores Ray assigned."""
    import ray

    fields = {"campaign": unit.campaign, "target": unit.target,
              "node_id": ray.get_runtime_context().get_node_id(),
              "hostname": socket.gethostname()}
    cores = os.environ.get("NEURON_RT_VISIBLE_CORES")
    if cores is not None:
        # what Ray granted; the backend records what the copies used (neuron_visible_cores)
        fields["ray_neuron_cores"] = cores
    return fields
