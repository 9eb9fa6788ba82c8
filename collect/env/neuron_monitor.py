"""Parse ``neuron-monitor`` JSON reports (one JSON document per line on its stdout).

Follows the format documented in the Neuron Monitor User Guide: a report has
``neuron_runtime_data`` (a list, one entry per Neuron runtime, each with a
``report`` holding metric groups such as ``neuroncore_counters`` and
``memory_used``), ``system_data``, and instance information. Seed 000 shows
the ``neuroncore_counters`` group as captured on inf2:
``{"period": 1.0003, "neuroncores_in_use": {"0": {"neuroncore_utilization": 99.38, ...}}}``.

A metric group that is absent or carries an ``error`` is skipped (its error is
kept); a line that is not a JSON object of that shape is an error naming the
source and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class NeuronMonitorFormatError(ValueError):
    """A neuron-monitor line that is not a report of the documented shape."""


@dataclass(frozen=True)
class NeuronSample:
    """What one neuron-monitor report says about NeuronCores and device memory."""

    period_s: float | None
    core_utilization: dict[int, float] = field(default_factory=dict)
    device_memory_bytes: int | None = None
    host_memory_bytes: int | None = None
    instance_type: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def mean_utilization(self) -> float | None:
        """Average utilisation (%) over the NeuronCores in use, or ``None`` if none were."""
        if not self.core_utilization:
            return None
        return sum(self.core_utilization.values()) / len(self.core_utilization)


def monitor_config(period_s: float = 1.0) -> dict[str, Any]:
    """A ``neuron-monitor -c`` configuration reporting what the collector samples."""
    return {
        "period": f"{period_s:g}s",
        "neuron_runtimes": [
            {
                "tag_filter": ".*",
                "metrics": [{"type": "neuroncore_counters"}, {"type": "memory_used"}],
            }
        ],
        "system_metrics": [{"type": "memory_info"}],
    }


def _fail(where: str, expected: str) -> NeuronMonitorFormatError:
    return NeuronMonitorFormatError(f"{where}: expected {expected}")


def parse_report(report: str | Mapping[str, Any], where: str = "neuron-monitor") -> NeuronSample:
    """One report (a JSON line or its decoded object) to a :class:`NeuronSample`."""
    if isinstance(report, str):
        try:
            report = json.loads(report)
        except json.JSONDecodeError as exc:
            raise _fail(where, f"one JSON object per line ({exc.msg})") from None
    if not isinstance(report, Mapping):
        raise _fail(where, "a JSON object (a neuron-monitor report)")
    runtimes = report.get("neuron_runtime_data", [])
    if not isinstance(runtimes, list):
        raise _fail(where, '"neuron_runtime_data" to be a list of runtime entries')
    cores: dict[int, float] = {}
    device_bytes = host_bytes = None
    periods, errors = [], []
    for index, runtime in enumerate(runtimes):
        entry = f"{where}: neuron_runtime_data[{index}]"
        groups = runtime.get("report") if isinstance(runtime, Mapping) else None
        if not isinstance(groups, Mapping):
            raise _fail(entry, 'an object with a "report" object')
        if runtime.get("error"):
            errors.append(str(runtime["error"]))
        counters = _group(groups, "neuroncore_counters", errors)
        if counters is not None:
            periods.append(counters.get("period"))
            cores.update(_core_utilization(counters, entry))
        memory = _group(groups, "memory_used", errors)
        if memory is not None:
            used = memory.get("neuron_runtime_used_bytes") or {}
            device_bytes = _add(device_bytes, used.get("neuron_device"))
            host_bytes = _add(host_bytes, used.get("host"))
    period = next((float(p) for p in periods if isinstance(p, int | float)), None)
    info = report.get("instance_info") or report.get("instance_data") or {}
    return NeuronSample(period, cores, device_bytes, host_bytes,
                        info.get("instance_type") or None, tuple(errors))


def _group(groups: Mapping[str, Any], name: str, errors: list[str]) -> Mapping[str, Any] | None:
    group = groups.get(name)
    if not isinstance(group, Mapping):
        return None
    if group.get("error"):
        errors.append(f"{name}: {group['error']}")
        return None
    return group


def _core_utilization(counters: Mapping[str, Any], where: str) -> dict[int, float]:
    in_use = counters.get("neuroncores_in_use") or {}
    if not isinstance(in_use, Mapping):
        raise _fail(where, '"neuroncores_in_use" to be an object keyed by NeuronCore index')
    found = {}
    for core, data in in_use.items():
        value = data.get("neuroncore_utilization") if isinstance(data, Mapping) else None
        if not (str(core).isdigit() and isinstance(value, int | float)):
            raise _fail(where, f'NeuronCore "{core}" with a numeric "neuroncore_utilization"')
        found[int(core)] = float(value)
    return found


def _add(total: int | None, value: Any) -> int | None:
    if not isinstance(value, int | float):
        return total
    return int(value) + (total or 0)


def iter_reports(lines: Iterable[str], source: str = "neuron-monitor") -> Iterator[NeuronSample]:
    """Parse a stream of report lines; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield parse_report(line, f"{source}:{number}")
