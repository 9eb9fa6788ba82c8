"""PyTorch eager on the CPU (optionally ``torch.compile``).

Copies and threads: the ``n_models`` copies share one set of weights (inference only
reads them); each copy gets its own contiguous core set, and each worker thread pins
itself to its copy's set (``os.sched_setaffinity`` on a thread id pins that thread on
Linux). PyTorch's intra-op pool is sized so that all workers together use the cores
once: ``torch.set_num_threads(max(1, cores // (n_models * workers_per_model)))``
unless ``--intra-op-threads`` says otherwise; the previous value is restored when the
configuration ends.
"""

from __future__ import annotations

import os
from typing import Any

from collect.backends.base import (
    Backend,
    Prepared,
    Request,
    compile_module,
    make_step,
    request_inputs,
    synthetic_steps,
)


def available_cores() -> list[int]:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def split_cores(cores: list[int], n_sets: int) -> list[set[int]]:
    """``n_sets`` contiguous core sets; with fewer cores than sets, sets share cores."""
    if n_sets <= len(cores):
        size, extra = divmod(len(cores), n_sets)
        sets, start = [], 0
        for index in range(n_sets):
            end = start + size + (1 if index < extra else 0)
            sets.append(set(cores[start:end]))
            start = end
        return sets
    return [{cores[index % len(cores)]} for index in range(n_sets)]


def run_module(module: Any) -> Any:
    import torch

    def run(batch: dict) -> Any:
        with torch.inference_mode():
            return module(**batch)

    return run


class CpuBackend(Backend):
    name = "cpu"

    def check_available(self) -> None:
        return None

    def prepare(self, request: Request) -> Prepared:
        if request.spec.kind == "synthetic":
            return synthetic_steps(request)
        import torch

        cores = available_cores()
        workers = request.n_models * request.workers_per_model
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(request.intra_op_threads or max(1, len(cores) // workers))
        module = self.module(request)
        inputs, tokenize = request_inputs(request)
        compile_time = None
        if request.compiled:
            module, compile_time = compile_module(module, inputs, tokenize)
        run = run_module(module)
        step = make_step(run, inputs, tokenize)
        return Prepared(
            steps=[step] * request.n_models,
            core_sets=split_cores(cores, request.n_models) if len(cores) > 1 else None,
            compile_time_s=compile_time,
            extra={"intra_op_threads": torch.get_num_threads()},
            cleanup=lambda: torch.set_num_threads(previous_threads),
        )
