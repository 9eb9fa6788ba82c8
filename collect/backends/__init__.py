"""Backends: ``cpu``, ``cuda`` and ``neuron``; ``detect`` picks the best one present."""

from __future__ import annotations

from collect.backends.base import Backend, Prepared, Request
from collect.errors import CollectError

BACKEND_NAMES = ("cpu", "cuda", "neuron")


def get_backend(name: str) -> Backend:
    """A backend by name, checked to be usable here (one-line error saying why not)."""
    if name == "cpu":
        from collect.backends.cpu import CpuBackend

        backend: Backend = CpuBackend()
    elif name == "cuda":
        from collect.backends.cuda import CudaBackend

        backend = CudaBackend()
    elif name == "neuron":
        from collect.backends.neuron import NeuronBackend

        backend = NeuronBackend()
    else:
        raise CollectError(f"unknown backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")
    backend.check_available()
    return backend


def detect_backend() -> str:
    """neuron if torch-neuronx and a Neuron device are present, else cuda if usable, else cpu."""
    from collect.env.neuron import neuron_present

    if neuron_present()[0]:
        return "neuron"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


__all__ = ["BACKEND_NAMES", "Backend", "Prepared", "Request", "detect_backend", "get_backend"]
