"""Whether this machine has Neuron devices and the Neuron SDK, and which versions (the ``env``
of a record and ``collect env``); the backend that runs on them is
:mod:`collect.backends.neuron`."""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

NEURON_DEVICE = Path("/dev/neuron0")
NEURON_PACKAGES = (
    "torch-neuronx", "neuronx-cc", "libneuronxla", "torch-xla", "transformers-neuronx",
)


def neuron_present() -> tuple[bool, str]:
    """Whether torch-neuronx is importable and a Neuron device exists, and if not why."""
    if importlib.util.find_spec("torch_neuronx") is None:
        return False, "torch_neuronx is not installed"
    if not NEURON_DEVICE.exists():
        return False, f"no Neuron device ({NEURON_DEVICE} does not exist)"
    return True, ""


def neuron_versions() -> dict[str, str] | None:
    """Installed Neuron SDK Python packages, or None when there are none."""
    found = {}
    for package in NEURON_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found or None
