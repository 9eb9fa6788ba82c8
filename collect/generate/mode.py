"""``generate``: greedy generation of decoder and encoder-decoder models, one configuration per
(model, dtype, batch size); the model is built once per (model, dtype) and every batch size
measured on it (:class:`collect.generate.measure.GenerationCells`). torch is imported only
when a session opens."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from collect.backends import get_backend
from collect.engine.config import Config, expand
from collect.engine.mode import BackendSession
from collect.engine.options import SweepOptions
from collect.errors import CollectError
from collect.models import check_generation_lengths, resolve

GENERATION_BACKENDS = ("cpu", "cuda")


@dataclass(frozen=True)
class GenerateSettings:
    """Prompt and generated tokens per sequence."""

    input_length: int = 128
    output_length: int = 128


class GenerateSession(BackendSession):
    def __init__(self, backend: Any, options: SweepOptions) -> None:
        from collect.generate.measure import GenerationCells

        super().__init__(backend, options)
        settings = options.settings or GenerateSettings()
        self.device = "cuda" if backend.name == "cuda" else "cpu"
        self.cells = GenerationCells(settings.input_length, settings.output_length,
                                     duration_s=options.timing.duration_s)

    def measure(self, config: Config) -> dict:
        from collect.generate.measure import build_random_model

        def load_model() -> Any:
            return build_random_model(config.spec.generation_config(), config.dtype,
                                      self.device)

        return self.cells.measure((config.spec.name, config.dtype), load_model,
                                  config.batch_size)

    def close(self) -> None:
        self.cells.close()


class GenerateMode:
    name = "generate"

    def settings(self, args: argparse.Namespace) -> GenerateSettings:
        return GenerateSettings(args.input_length.low, args.output_length.low)

    def plan(self, options: SweepOptions) -> list[Config]:
        settings = options.settings or GenerateSettings()
        check(options, settings)
        return expand(options, batch_sizes=options.batch_sizes, sequence=False,
                      input_length=settings.input_length,
                      output_length=settings.output_length)

    def open(self, options: SweepOptions, backend: Any = None) -> GenerateSession:
        return GenerateSession(backend or get_backend(options.backend), options)

    def rate_search(self, options: SweepOptions) -> None:
        return None


def check(options: SweepOptions, settings: GenerateSettings) -> None:
    """Refuse options generation cannot honour (one-line errors naming them)."""
    for name in options.models:
        if resolve(name).generation_config is None:
            raise CollectError(f"--mode generate: {name} is not a generation model; "
                               "use gpt2, t5-small, tiny-gpt2 or tiny-t5")
        check_generation_lengths(resolve(name), settings.input_length, settings.output_length)
    ignored = [option for option, used in (
        ("--n-models", options.n_models != [1]),
        ("--workers-per-model", options.workers_per_model != [1]),
        ("--compile", options.compiled)) if used]
    if ignored:
        raise CollectError(f"--mode generate runs one model copy, uncompiled; leave out "
                           f"{', '.join(ignored)}")
    if options.backend not in GENERATION_BACKENDS:
        raise CollectError(f"--mode generate runs on the cpu and cuda backends, "
                           f"not {options.backend}")


MODE = GenerateMode()
