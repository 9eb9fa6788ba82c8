"""What every backend provides: turn a registry entry into one callable per model copy.

A *step* runs one batch to completion and returns the seconds spent tokenizing (0.0
for models fed pre-built tensors). The measurement loop only sees steps, so the
open-loop and generation runners can reuse backends the same way.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from collect.errors import CollectError, CompileFailed
from collect.models import ModelSpec, example_inputs, load_minilm_tokenizer, minilm_texts

Step = Callable[[], float]
DTYPES = ("fp32", "bf16", "fp16")


@dataclass
class Prepared:
    """The model copies of one configuration, ready to run."""

    steps: list[Step]
    core_sets: list[set[int]] | None = None
    compile_time_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    cleanup: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Request:
    """One configuration as a backend sees it."""

    spec: ModelSpec
    batch_size: int
    sequence_length: int | None
    dtype: str
    n_models: int
    workers_per_model: int
    compiled: bool = False
    intra_op_threads: int | None = None


def torch_dtype(name: str) -> Any:
    import torch

    mapping = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if name not in mapping:
        raise CollectError(f"unknown dtype {name!r}; known: {', '.join(DTYPES)}")
    return mapping[name]


def synthetic_steps(request: Request) -> Prepared:
    model = request.spec.synthetic
    assert model is not None
    batch_size = request.batch_size

    def step() -> float:
        model.run(batch_size)
        return 0.0

    return Prepared(steps=[step] * request.n_models)


def build_module(request: Request) -> Any:
    """The registry module in eval mode with the requested dtype (seeded random weights)."""
    import torch

    assert request.spec.build is not None
    torch.manual_seed(0)
    module = request.spec.build().eval()
    return module.to(torch_dtype(request.dtype))


def cast_inputs(inputs: dict, dtype: str) -> dict:
    """Floating inputs (images) follow the model dtype; ids stay integers."""
    target = torch_dtype(dtype)
    return {k: v.to(target) if v.is_floating_point() else v for k, v in inputs.items()}


def tokenizer_inputs(request: Request) -> Callable[[], dict]:
    """For ``tokenize`` models: a function that tokenizes one batch of texts."""
    tokenizer = load_minilm_tokenizer()
    texts = minilm_texts(request.batch_size, request.sequence_length or 128)
    length = request.sequence_length or 128

    def tokenize() -> dict:
        return dict(
            tokenizer(
                texts,
                padding="max_length",
                truncation=True,
                max_length=length,
                return_tensors="pt",
            )
        )

    return tokenize


def make_step(
    run: Callable[[dict], Any],
    inputs: dict | None,
    tokenize: Callable[[], dict] | None,
) -> Step:
    """A step that optionally tokenizes (timed separately) and runs.

    One convention for every backend: a batch's inputs start in host memory, and moving
    them to the device is ``run``'s work and part of the batch's time, as for a served
    request (cuda's runner copies them on its stream; Neuron's traced graph takes host
    tensors and copies them itself).
    """
    if tokenize is None:
        assert inputs is not None

        def step() -> float:
            run(inputs)
            return 0.0

        return step

    def tokenizing_step() -> float:
        began = time.perf_counter()
        batch = tokenize()
        tokenize_s = time.perf_counter() - began
        run(batch)
        return tokenize_s

    return tokenizing_step


def compile_module(module: Any, inputs: dict | None, tokenize: Callable[[], dict] | None,
                   place: Callable[[dict], dict] = lambda batch: batch) -> tuple[Any, float]:
    """``torch.compile`` and run once (inputs placed on the module's device) so that the
    compile time is measured, not the first batch; a failure is :class:`CompileFailed`."""
    import torch

    began = time.perf_counter()
    try:
        compiled = torch.compile(module)
        with torch.inference_mode():
            compiled(**place(inputs if inputs is not None else tokenize()))
    except Exception as error:
        raise CompileFailed(f"torch.compile failed: {type(error).__name__}: {error}") from error
    return compiled, time.perf_counter() - began


def releasing(steps: list[Step], modules: list[Any],
              then: Callable[[], None]) -> Callable[[], None]:
    """A cleanup that drops the configuration's steps and model copies (the lists are
    emptied in place, so a :class:`Prepared` holding them no longer references the
    copies), collects, and only then calls ``then`` (e.g. ``torch.cuda.empty_cache``,
    which can return only memory nothing references)."""

    def cleanup() -> None:
        steps.clear()
        modules.clear()
        gc.collect()
        then()

    return cleanup


def request_inputs(request: Request) -> tuple[dict | None, Callable[[], dict] | None]:
    """Fixed inputs, or a tokenize function for models that take text."""
    if request.spec.kind == "tokenize":
        return None, tokenizer_inputs(request)
    inputs = example_inputs(request.spec, request.batch_size, request.sequence_length)
    return cast_inputs(inputs, request.dtype), None


class Backend:
    """Base class; subclasses set ``name`` and implement the two methods.

    A backend object lives for one sweep and keeps the modules it built, so a sweep
    over batch sizes builds each (model, dtype) once.
    """

    name = "base"

    def __init__(self) -> None:
        self._modules: dict[tuple[str, str], Any] = {}

    def module(self, request: Request) -> Any:
        key = (request.spec.name, request.dtype)
        if key not in self._modules:
            self._modules[key] = build_module(request)
        return self._modules[key]

    def check_available(self) -> None:
        """Raise :class:`BackendUnavailable` saying why this backend cannot run here."""
        raise NotImplementedError

    def prepare(self, request: Request) -> Prepared:
        """Build, place (and compile) the model copies of one configuration."""
        raise NotImplementedError

    def versions(self) -> dict[str, str]:
        return {}
