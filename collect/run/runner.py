"""``collect run``: the sweep its options describe, measured by the engine in its mode."""

from __future__ import annotations

from typing import Any, TextIO

from collect.engine.options import SweepOptions
from collect.engine.sweep import run_sweep as run_in_mode
from collect.run.modes import mode_for


def run_sweep(options: SweepOptions, stream: TextIO | None = None,
              backend: Any = None) -> list[dict]:
    """Run every planned configuration not already done; returns the new records.

    ``backend`` overrides ``options.backend`` (e.g. a backend object built elsewhere).
    """
    return run_in_mode(mode_for(options.mode), options, stream, backend)
