"""AWS Trainium / Inferentia2 through torch-neuronx (written to its documented API).

- ``torch_neuronx.trace(func, example_inputs, compiler_args=[...])`` compiles one graph
  per batch size and sequence length (Neuron graphs have static shapes); the compile time
  is recorded and a compile error becomes a ``compile_failed`` result.
- Autocast: neuronx-cc casts FP32 matrix multiplications to BF16 unless told otherwise,
  so an "FP32" row would not be FP32 arithmetic. The collector passes the setting
  explicitly (:func:`autocast_for`: ``--auto-cast matmult --auto-cast-type bf16`` for
  fp32 weights, the compiler's default made visible; ``--auto-cast none`` for bf16/fp16
  weights) and records it as ``compiler_autocast`` (``Matmult-BF16`` or ``None``),
  published as ``Compilation Autocast Data Type``.
- Model copies are pinned to NeuronCores: for each configuration the collector sets
  ``NEURON_RT_VISIBLE_CORES`` to the first ``n_models`` cores of the set the process was
  given (the value when the backend was created, e.g. by Ray; cores 0.. when unset),
  loads copy ``i`` with ``torch_neuronx.experimental.neuron_cores_context(start_nc=i,
  nc_count=1)``, and restores the previous value when the configuration ends
  (:func:`visible_cores_for`, :func:`environment`).

torch-neuronx cannot be installed on the development machines; only the code around
this module is tested there (see docs/collector.rst for what ran on which hardware).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
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
from collect.env.neuron import neuron_present, neuron_versions
from collect.errors import BackendUnavailable, CollectError, CompileFailed

VISIBLE_CORES = "NEURON_RT_VISIBLE_CORES"

AUTOCAST = {  # model dtype -> (--auto-cast, --auto-cast-type or None, recorded value)
    "fp32": ("matmult", "bf16", "Matmult-BF16"),
    "bf16": ("none", None, "None"),
    "fp16": ("none", None, "None"),
}


def autocast_for(dtype: str) -> tuple[list[str], str]:
    """The neuronx-cc autocast arguments for a model dtype, and the value recorded as
    ``compiler_autocast`` (as the published Neuron tables write it)."""
    if dtype not in AUTOCAST:
        raise CollectError(f"neuron: no autocast setting for dtype {dtype!r}; known: "
                           f"{', '.join(AUTOCAST)}")
    cast, cast_type, recorded = AUTOCAST[dtype]
    args = ["--auto-cast", cast]
    if cast_type is not None:
        args += ["--auto-cast-type", cast_type]
    return args, recorded


def parse_cores(text: str) -> list[int]:
    """``"4-7"``, ``"0,2,5"`` or ``"0-1,4"`` (NEURON_RT_VISIBLE_CORES syntax) to core ids."""
    cores: list[int] = []
    try:
        for part in filter(None, (item.strip() for item in text.split(","))):
            low, _, high = part.partition("-")
            cores.extend(range(int(low), int(high or low) + 1))
    except ValueError:
        raise CollectError(f"{VISIBLE_CORES}={text!r} is not a core list such as 0-3 or "
                           "0,2") from None
    return cores


def format_cores(cores: list[int]) -> str:
    """Core ids as NEURON_RT_VISIBLE_CORES writes them: ``4-7`` when contiguous."""
    if len(cores) > 1 and cores == list(range(cores[0], cores[-1] + 1)):
        return f"{cores[0]}-{cores[-1]}"
    return ",".join(str(core) for core in cores)


def visible_cores_for(n_models: int, given: str | None) -> str:
    """NEURON_RT_VISIBLE_CORES for one configuration: the first ``n_models`` cores of the
    set the process was given (``given``; cores from 0 when None). Copy ``i`` is loaded
    onto the ``i``-th of them (``start_nc`` counts within the visible set)."""
    if n_models < 1:
        raise CollectError(f"--n-models must be at least 1, got {n_models}")
    cores = parse_cores(given) if given else list(range(n_models))
    if n_models > len(cores):
        raise CollectError(f"--n-models {n_models}: only {len(cores)} NeuronCore(s) are "
                           f"visible to this process ({VISIBLE_CORES}={given})")
    return format_cores(cores[:n_models])


@contextlib.contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` for the body; the previous value (or its absence)
    restored after."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


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

    def __init__(self) -> None:
        super().__init__()
        self.given_cores = os.environ.get(VISIBLE_CORES)  # the process's set (e.g. Ray's)

    def check_available(self) -> None:
        present, why = neuron_present()
        if not present:
            raise BackendUnavailable(f"backend neuron is not available: {why}")

    def prepare(self, request: Request) -> Prepared:
        if request.spec.kind == "synthetic":
            return synthetic_steps(request)
        import torch_neuronx

        cores = visible_cores_for(request.n_models, self.given_cores)
        compiler_args, autocast = autocast_for(request.dtype)
        module = self.module(request)
        inputs, tokenize = request_inputs(request)
        example = inputs if inputs is not None else tokenize()
        names = list(example)
        began = time.perf_counter()
        try:
            traced = torch_neuronx.trace(positional_wrapper(module, names),
                                         tuple(example[name] for name in names),
                                         compiler_args=compiler_args)
        except Exception as error:
            raise CompileFailed(
                f"torch_neuronx.trace failed: {type(error).__name__}: {error}"
            ) from error
        compile_time = time.perf_counter() - began
        with environment(VISIBLE_CORES, cores):
            copies = load_copies(torch_neuronx, traced, request.n_models)
        # Host-to-device copies are inside each batch's time, as on cuda: the traced
        # graph takes host tensors (make_step).
        steps = [make_step(runner(copy_, names), inputs, tokenize) for copy_ in copies]
        return Prepared(
            steps=steps,
            compile_time_s=compile_time,
            extra={"neuron_visible_cores": cores, "compiler_autocast": autocast,
                   "compiler_args": compiler_args},
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
