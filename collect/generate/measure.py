"""``--mode generate``: LLM generation metrics for decoder and encoder-decoder models.

Greedy decoding of a fixed number of new tokens with a manual loop over the
KV cache, so the first token can be timed on its own (EOS does not stop it).
Per generation (one batch of ``batch_size`` sequences):

* TTFT, time to first token: from the call to the first generated token of the
  batch (prefill; for encoder-decoder models the encoder pass included).
* TPOT, time per output token: ``(e2e - TTFT) / (output_length - 1)``, the
  decode-phase time per generated token after the first.
* e2e: the whole generation.
* latency per token: ``e2e / output_length`` (what the token tables publish
  as "Latency per Token").

Throughput over all measured generations:

* ``output_tokens_per_s``: generated tokens only, ``batch * output_length / e2e``.
* ``total_tokens_per_s``: input and output tokens, ``batch * (input_length +
  output_length) / e2e``. The published token tables'
  ``Throughput (tokens/second)`` counts input and output tokens: this one.

Failures are records: an out-of-memory error gives ``status: oom`` and the
larger batch sizes of that dtype are ``skipped`` (seed 003's ``oom`` cells);
any other exception gives ``failed``; the sweep goes on. ``collect run --mode generate``
measures the cells through the sweep engine (:mod:`collect.generate.mode`);
:func:`generation_sweep` is the same without a results file.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from collect.engine.metrics import Distribution, Summary
from collect.engine.outcome import OomSkips, attempt
from collect.errors import is_out_of_memory
from perfcore.numbers import PERCENTILES

DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "bf16": torch.bfloat16,
    "fp16": torch.float16,
}

Clock = Callable[[], float]
DIGITS = 4  # of the recorded latencies (ms)
LoadModel = Callable[[str], torch.nn.Module]


def parse_dtype(name: str) -> torch.dtype:
    """``fp32``/``bf16``/``fp16`` to a torch dtype; unknown names list the known ones."""
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; known: {', '.join(DTYPES)}") from None


def build_random_model(config: Any, dtype: str = "fp32", device: str = "cpu") -> torch.nn.Module:
    """A model with random weights from a transformers config (no download), in eval mode."""
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    auto = AutoModelForSeq2SeqLM if config.is_encoder_decoder else AutoModelForCausalLM
    model = auto.from_config(config)
    return model.to(device=device, dtype=parse_dtype(dtype)).eval()


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def _synchronizer(device: torch.device) -> Callable[[], None]:
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def _check_lengths(model: torch.nn.Module, input_length: int, output_length: int) -> None:
    if input_length < 1 or output_length < 1:
        raise ValueError(
            f"input and output lengths must be at least 1, got {input_length} and {output_length}"
        )
    limit = getattr(model.config, "n_positions", None) or getattr(
        model.config, "max_position_embeddings", None
    )
    if not model.config.is_encoder_decoder and limit and input_length + output_length > limit:
        raise ValueError(
            f"input length {input_length} + output length {output_length} exceeds the model's "
            f"{limit} positions"
        )


def random_input_ids(model: torch.nn.Module, batch_size: int, input_length: int,
                     seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    vocab = model.config.vocab_size
    ids = torch.randint(2, vocab, (batch_size, input_length), generator=generator)
    return ids.to(_device(model))


def generate_once(
    model: torch.nn.Module,
    input_ids: torch.Tensor,
    output_length: int,
    clock: Clock = time.perf_counter,
) -> tuple[float, float, torch.Tensor]:
    """One greedy generation: ``(ttft_s, e2e_s, generated ids [batch, output_length])``."""
    sync = _synchronizer(input_ids.device)
    with torch.inference_mode():
        sync()
        begin = clock()
        if model.config.is_encoder_decoder:
            step, token = _encoder_decoder_steps(model, input_ids)
        else:
            step, token = _decoder_steps(model, input_ids)
        sync()
        first = clock()
        tokens = [token]
        for _ in range(output_length - 1):
            token = step(token)
            tokens.append(token)
        sync()
        end = clock()
    return first - begin, end - begin, torch.cat(tokens, dim=1)


def _decoder_steps(model, input_ids):
    out = model(input_ids=input_ids, use_cache=True, logits_to_keep=1)
    cache = {"past": out.past_key_values}

    def step(token):
        out = model(input_ids=token, past_key_values=cache["past"], use_cache=True)
        cache["past"] = out.past_key_values
        return out.logits[:, -1, :].argmax(-1, keepdim=True)

    return step, out.logits[:, -1, :].argmax(-1, keepdim=True)


def _encoder_decoder_steps(model, input_ids):
    encoder_outputs = model.get_encoder()(input_ids=input_ids)
    start_id = model.generation_config.decoder_start_token_id
    if start_id is None:
        start_id = model.config.pad_token_id or 0  # T5 starts decoding from the pad token
    start = torch.full((input_ids.shape[0], 1), start_id, device=input_ids.device)
    out = model(encoder_outputs=encoder_outputs, decoder_input_ids=start, use_cache=True)
    cache = {"past": out.past_key_values}

    def step(token):
        out = model(encoder_outputs=encoder_outputs, decoder_input_ids=token,
                    past_key_values=cache["past"], use_cache=True)
        cache["past"] = out.past_key_values
        return out.logits[:, -1, :].argmax(-1, keepdim=True)

    return step, out.logits[:, -1, :].argmax(-1, keepdim=True)


def measure_generation(
    model: torch.nn.Module,
    batch_size: int,
    input_length: int,
    output_length: int,
    duration_s: float = 2.0,
    min_iterations: int = 3,
    max_iterations: int | None = None,
    warmup_iterations: int = 1,
    seed: int = 0,
    clock: Clock = time.perf_counter,
) -> dict[str, Any]:
    """Repeat generations for ``duration_s`` (at least ``min_iterations``) and summarise."""
    _check_lengths(model, input_length, output_length)
    input_ids = random_input_ids(model, batch_size, input_length, seed)
    warm_begin = clock()
    for _ in range(warmup_iterations):
        generate_once(model, input_ids, output_length, clock)
    warmup_s = clock() - warm_begin
    ttft, e2e = [], []
    while (len(e2e) < min_iterations or sum(e2e) < duration_s) and (
        max_iterations is None or len(e2e) < max_iterations
    ):
        first, total, _ = generate_once(model, input_ids, output_length, clock)
        ttft.append(first)
        e2e.append(total)
    return _summarise(np.array(ttft) * 1000, np.array(e2e) * 1000, batch_size, input_length,
                      output_length, warmup_s)


@dataclass(frozen=True)
class GenerationMetrics(Summary):
    """What one generation cell measured; :meth:`record_fields` are the record's fields."""

    status: str
    reason: str | None
    mode: str
    batch_size: int
    input_length: int
    output_length: int
    duration_s: float
    warmup_s: float
    n_batches: int
    n_inferences: int
    ttft_ms: Distribution
    tpot_ms: Distribution
    e2e_ms: Distribution
    latency_per_token_ms: Distribution
    output_tokens_per_s: float
    total_tokens_per_s: float


def _summarise(ttft_ms, e2e_ms, batch_size, input_length, output_length, warmup_s):
    busy_s = float(e2e_ms.sum()) / 1000
    tpot_ms = (e2e_ms - ttft_ms) / (output_length - 1) if output_length > 1 else np.array([])
    return GenerationMetrics(
        status="ok", reason=None, mode="generate", batch_size=batch_size,
        input_length=input_length, output_length=output_length,
        duration_s=round(busy_s, 6), warmup_s=round(warmup_s, 6),
        n_batches=int(e2e_ms.size), n_inferences=int(e2e_ms.size) * batch_size,
        ttft_ms=Distribution.of(ttft_ms, (50, 99), digits=DIGITS),
        tpot_ms=Distribution.of(tpot_ms, (50, 99), digits=DIGITS),
        e2e_ms=Distribution.of(e2e_ms, PERCENTILES, digits=DIGITS),
        latency_per_token_ms=Distribution.of(e2e_ms / output_length, (50, 99), digits=DIGITS),
        output_tokens_per_s=round(batch_size * output_length * e2e_ms.size / busy_s, 4),
        total_tokens_per_s=round(
            batch_size * (input_length + output_length) * e2e_ms.size / busy_s, 4),
    ).record_fields()


def failure_record(exc: BaseException) -> dict[str, Any]:
    """``status`` and ``reason`` for an exception (``oom`` or ``failed``)."""
    status = "oom" if is_out_of_memory(exc) else "failed"
    reason = f"{type(exc).__name__}: {exc}".strip()
    return {"status": status, "reason": reason[:500]}


def _free_memory() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class GenerationCells:
    """Generation cells of one model at a time: the model is loaded when a cell of another
    model (``key``) is asked for, the previous one released first. A model that fails to
    load makes every cell of it a failure record (``oom`` or ``failed``) without retrying;
    a cell that fails raises, after freeing memory (the sweep engine records it)."""

    def __init__(self, input_length: int, output_length: int, **measure_options: Any) -> None:
        self.input_length, self.output_length = input_length, output_length
        self.measure_options = measure_options
        self._key: Hashable = None
        self._model: torch.nn.Module | None = None
        self._load_error: BaseException | None = None

    def measure(self, key: Hashable, load_model: Callable[[], torch.nn.Module],
                batch_size: int) -> dict[str, Any]:
        if key != self._key:
            self.close()
            self._key = key
            try:
                self._model = load_model()
            except Exception as exc:
                self._load_error = exc
                _free_memory()
        if self._load_error is not None:
            return failure_record(self._load_error)
        try:
            return measure_generation(self._model, batch_size, self.input_length,
                                      self.output_length, **self.measure_options)
        except Exception:
            _free_memory()
            raise

    def close(self) -> None:
        if self._model is not None:
            self._model = None
            _free_memory()
        self._key, self._load_error = None, None


def generation_sweep(
    load_model: LoadModel,
    batch_sizes: Sequence[int],
    dtypes: Sequence[str],
    input_length: int,
    output_length: int,
    **measure_options: Any,
) -> Iterator[dict[str, Any]]:
    """Yield one record per (dtype, batch size), as each ends; failures are records.

    ``load_model(dtype)`` builds the model (e.g. from the collector's registry). After an
    OOM at batch size B, larger batch sizes of that dtype are ``skipped``, as in every
    sweep (:class:`collect.engine.outcome.OomSkips`).
    """
    cells = GenerationCells(input_length, output_length, **measure_options)
    skips = OomSkips()
    try:
        for dtype in dtypes:
            parse_dtype(dtype)
            base = {"mode": "generate", "dtype": dtype, "input_length": input_length,
                    "output_length": output_length}
            for batch_size in sorted(batch_sizes):
                skipped = skips.reason(dtype, batch_size)
                if skipped is not None:
                    yield {**base, "batch_size": batch_size, "status": "skipped",
                           "reason": skipped}
                    continue
                measured = attempt(
                    lambda dtype=dtype, batch_size=batch_size: cells.measure(
                        dtype, lambda: load_model(dtype), batch_size),
                    skips, dtype, batch_size)
                yield {**base, "batch_size": batch_size, **measured}
    finally:
        cells.close()
