"""AWS Trainium / Inferentia2 through torch-neuronx (written to its documented API).

- ``torch_neuronx.trace(func, example_inputs)`` compiles one graph per batch size and
  sequence length (Neuron graphs have static shapes); the compile time is recorded and
  a compile error becomes a ``compile_failed`` result.
- Model copies are pinned to NeuronCores: the process sees cores
  ``NEURON_RT_VISIBLE_CORES`` (set to ``0-<n_models-1>`` unless already set before the
  runtime starts) and copy ``i`` is loaded with
  ``torch_neuronx.experimental.neuron_cores_context(start_nc=i, nc_count=1)``.

torch-neuronx cannot be installed on the development machines; only the code around
this module is tested there (see docs/collector.rst for what ran on which hardware).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from collect.backends.base import (
    Backend,
    Prepared,
    Request,
    make_step,
    request_inputs,
    synthetic_steps,
)
from collect.errors import BackendUnavailable, CompileFailed

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


def visible_cores_value(n_models: int) -> str:
    return "0" if n_models == 1 else f"0-{n_models - 1}"


def positional_wrapper(module: Any, names: list[str]) -> Any:
    """torch_neuronx.trace passes example inputs positionally; HF models take keywords."""
    import torch

    class Positional(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.module = module

        def forward(self, *tensors: Any) -> Any:
            return self.module(**dict(zip(names, tensors, strict=True)))[0]

    return Positional().eval()


class NeuronBackend(Backend):
    name = "neuron"

    def check_available(self) -> None:
        present, why = neuron_present()
        if not present:
            raise BackendUnavailable(f"backend neuron is not available: {why}")

    def prepare(self, request: Request) -> Prepared:
        if request.spec.kind == "synthetic":
            return synthetic_steps(request)
        import torch_neuronx

        os.environ.setdefault("NEURON_RT_VISIBLE_CORES", visible_cores_value(request.n_models))
        module = self.module(request)
        inputs, tokenize = request_inputs(request)
        example = inputs if inputs is not None else tokenize()
        names = list(example)
        began = time.perf_counter()
        try:
            traced = torch_neuronx.trace(positional_wrapper(module, names),
                                         tuple(example[name] for name in names))
        except Exception as error:
            raise CompileFailed(
                f"torch_neuronx.trace failed: {type(error).__name__}: {error}"
            ) from error
        compile_time = time.perf_counter() - began
        copies = load_copies(torch_neuronx, traced, request.n_models)
        steps = [make_step(runner(copy_, names), inputs, tokenize) for copy_ in copies]
        return Prepared(
            steps=steps,
            compile_time_s=compile_time,
            extra={"neuron_visible_cores": os.environ["NEURON_RT_VISIBLE_CORES"]},
        )

    def versions(self) -> dict[str, str]:
        return neuron_versions() or {}


def load_copies(torch_neuronx: Any, traced: Any, n_models: int) -> list[Any]:
    """Save the traced graph once and load it onto NeuronCores 0..n_models-1."""
    import torch

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pt"
        torch.jit.save(traced, str(path))
        copies = []
        for core in range(n_models):
            with torch_neuronx.experimental.neuron_cores_context(start_nc=core, nc_count=1):
                copies.append(torch.jit.load(str(path)))
    return copies


def runner(traced: Any, names: list[str]) -> Any:
    def run(batch: dict) -> Any:
        return traced(*(batch[name] for name in names))

    return run


def neuron_versions() -> dict[str, str] | None:
    """Installed Neuron SDK Python packages, or None when there are none."""
    from importlib import metadata

    found = {}
    for package in NEURON_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found or None
