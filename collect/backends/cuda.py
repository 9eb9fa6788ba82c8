"""PyTorch on NVIDIA GPUs.

Each model copy is a separate module on ``cuda:<copy % device_count>``. Each worker
thread launches on its own CUDA stream and waits for that stream
(``stream.synchronize()``) before the batch counts as done, so asynchronous kernel
launches are never mistaken for completed work and workers do not wait for each other.

- The inputs of every batch are copied from host memory to the device inside the timed
  step (the convention of every backend: ``collect.backends.base.make_step``); outputs
  stay on the device (the stream is synchronised).
- ``--compile``: each copy is ``torch.compile``-d on its device and run once; the compile
  time (summed over copies) is recorded and a failure is ``compile_failed``.
- Cleanup drops the copies (and the steps that hold them) before
  ``torch.cuda.empty_cache()``, which can only return memory nothing references.

Written against the documented torch.cuda API; not run on a GPU in the session that
wrote it (docs/collector.rst, "Backends, and what was verified where").
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from collect.backends.base import (
    Backend,
    Prepared,
    Request,
    compile_module,
    make_step,
    releasing,
    request_inputs,
    synthetic_steps,
)
from collect.errors import BackendUnavailable


class CudaBackend(Backend):
    name = "cuda"

    def check_available(self) -> None:
        import torch

        if torch.version.cuda is None:
            raise BackendUnavailable(
                f"backend cuda is not available: torch {torch.__version__} was built without CUDA"
            )
        if not torch.cuda.is_available():
            raise BackendUnavailable("backend cuda is not available: no CUDA device is visible")

    def prepare(self, request: Request) -> Prepared:
        if request.spec.kind == "synthetic":
            return synthetic_steps(request)
        import torch

        base = self.module(request)
        inputs, tokenize = request_inputs(request)
        steps: list = []
        modules: list = []
        compile_times: list[float] = []
        for index in range(request.n_models):
            device = torch.device("cuda", index % torch.cuda.device_count())
            module = copy.deepcopy(base).to(device)
            if request.compiled:
                module, seconds = compile_module(module, inputs, tokenize, placer(device))
                compile_times.append(seconds)
            modules.append(module)
            steps.append(make_step(stream_runner(module, device), inputs, tokenize))
        return Prepared(
            steps=steps,
            compile_time_s=sum(compile_times) if compile_times else None,
            extra={"cuda_devices": sorted({index % torch.cuda.device_count()
                                           for index in range(request.n_models)})},
            cleanup=releasing(steps, modules, torch.cuda.empty_cache),
        )

    def versions(self) -> dict[str, str]:
        import torch

        return {"cuda": str(torch.version.cuda)}


def placer(device: Any) -> Any:
    def place(batch: dict) -> dict:
        return {key: value.to(device) for key, value in batch.items()}

    return place


def stream_runner(module: Any, device: Any) -> Any:
    import torch

    streams = threading.local()
    place = placer(device)

    def run(batch: dict) -> Any:
        if not hasattr(streams, "stream"):
            streams.stream = torch.cuda.Stream(device=device)
        with torch.inference_mode(), torch.cuda.stream(streams.stream):
            output = module(**place(batch))  # the copy to the device is on this stream
        streams.stream.synchronize()
        return output

    return run
