"""Utilisation sampled around each measured configuration (every mode)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from collect.engine.options import SweepOptions
from collect.engine.outcome import Configuration
from perfcore.records import config_id


@contextlib.contextmanager
def sampled(options: SweepOptions, config: Configuration) -> Iterator[dict[str, Any]]:
    """Sample utilisation around a measurement; the yielded dict receives
    ``utilization`` and ``timeseries_file`` (the sidecar beside the results file)."""
    usage: dict[str, Any] = {}
    if not options.sample_utilization:
        yield usage
        return
    from collect.env.utilization import UtilizationSampler, write_timeseries

    sampler = UtilizationSampler()
    with sampler:
        yield usage
    usage["utilization"] = sampler.summary()
    usage["timeseries_file"] = write_timeseries(options.out, config_id(config.fields()),
                                                sampler.timeseries())
