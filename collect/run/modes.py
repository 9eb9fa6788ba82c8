"""The modes ``collect run`` (and a campaign job) can measure in, by the record's ``mode``.

A mode is a :class:`collect.engine.mode.Mode` in its own subpackage (``collect.offline``,
``collect.openloop``, ``collect.generate``, ``collect.serve``); the sweep engine
(:mod:`collect.engine.sweep`) runs every one the same way. A new mode is its subpackage and
one entry here. Each is imported when asked for, so ``collect run --help`` stays light.
"""

from __future__ import annotations

from collections.abc import Callable

from collect.engine.mode import Mode
from collect.engine.options import SweepOptions
from collect.engine.outcome import Configuration
from collect.errors import CollectError


def _offline() -> Mode:
    from collect.offline.mode import MODE

    return MODE


def _poisson() -> Mode:
    from collect.openloop.mode import POISSON

    return POISSON


def _closed() -> Mode:
    from collect.openloop.mode import CLOSED

    return CLOSED


def _generate() -> Mode:
    from collect.generate.mode import MODE

    return MODE


def _serve() -> Mode:
    from collect.serve.mode import MODE

    return MODE


MODES: dict[str, Callable[[], Mode]] = {
    "offline": _offline, "poisson": _poisson, "closed": _closed, "generate": _generate,
    "serve": _serve,
}


def mode_for(name: str) -> Mode:
    """The mode that measures records of ``mode: name``."""
    if name not in MODES:
        raise CollectError(f"unknown mode {name!r}; known: {', '.join(MODES)}")
    return MODES[name]()


def plan(options: SweepOptions) -> list[Configuration]:
    """Every configuration the options describe, in the order they run."""
    return mode_for(options.mode).plan(options)
