"""What a served benchmark sends: lengths (fixed or uniform ranges), exact-length prompts
built from a tokenizer, or prompts read from a JSONL dataset."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collect.errors import CollectError

LENGTH_PATTERN = re.compile(r"^\s*(\d+)\s*(?:[-:]\s*(\d+)\s*)?$")
WORD_PATTERN = re.compile(r"^ [A-Za-z]{2,}$")

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Length:
    """A token count: ``low == high`` for a fixed length, else uniform on [low, high]."""

    low: int
    high: int

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def label(self) -> int | str:
        """The record's ``input_length``/``output_length``: the number, or ``"low-high"``."""
        return self.low if self.fixed else f"{self.low}-{self.high}"

    def sample(self, rng: np.random.Generator, n: int) -> list[int]:
        return [int(v) for v in rng.integers(self.low, self.high + 1, size=n)]


def parse_length(text: str) -> Length:
    """``"128"`` (fixed) or ``"64-256"`` / ``"64:256"`` (uniform, inclusive)."""
    match = LENGTH_PATTERN.match(str(text))
    if not match:
        raise ValueError(f"expected a token count N or a range LOW-HIGH, got {text!r}")
    low = int(match[1])
    high = int(match[2]) if match[2] is not None else low
    if low < 1 or high < low:
        raise ValueError(f"expected 1 <= LOW <= HIGH, got {text!r}")
    return Length(low, high)


@dataclass(frozen=True)
class Prompt:
    """One request's content and the lengths asked for."""

    text: str
    input_tokens: int | None
    output_tokens: int


class PromptBuilder:
    """Prompts of exactly N tokens: sampled from the tokenizer's vocabulary entries that
    are a space and a word, each of which encodes back to itself (checked per prompt)."""

    def __init__(self, tokenizer: Any, seed: int = 0) -> None:
        import numpy as np

        self.tokenizer = tokenizer
        self.rng = np.random.default_rng(seed)
        self.words = _single_token_words(tokenizer)
        if not self.words:
            raise CollectError("the tokenizer has no single-token words to build prompts from; "
                               "use --dataset")

    def count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def build(self, n_tokens: int) -> str:
        for _ in range(5):
            chosen = self.rng.choice(len(self.words), size=n_tokens)
            text = "".join(self.words[i] for i in chosen)
            if self.count(text) == n_tokens:
                return text
        raise CollectError(f"could not build a prompt of exactly {n_tokens} tokens")


def _single_token_words(tokenizer: Any, limit: int = 2000) -> list[str]:
    words = []
    for token_id in range(min(len(tokenizer), 50_000)):
        text = tokenizer.decode([token_id])
        if WORD_PATTERN.match(text) and tokenizer(
                text, add_special_tokens=False)["input_ids"] == [token_id]:
            words.append(text)
            if len(words) >= limit:
                break
    return words


def synthetic_prompts(builder: PromptBuilder, inputs: Length, outputs: Length,
                      n: int) -> list[Prompt]:
    lengths_in = inputs.sample(builder.rng, n)
    lengths_out = outputs.sample(builder.rng, n)
    return [Prompt(builder.build(i), i, o) for i, o in zip(lengths_in, lengths_out, strict=True)]


def read_dataset(path: Path, outputs: Length, n: int, seed: int = 0) -> list[Prompt]:
    """``n`` prompts cycling through a JSONL file of ``{"prompt": ..., "output_length": N?}``;
    a line without ``output_length`` draws one from ``outputs``."""
    import numpy as np

    rows = _dataset_rows(path)
    rng = np.random.default_rng(seed)
    drawn = outputs.sample(rng, n)
    prompts = []
    for index in range(n):
        row = rows[index % len(rows)]
        prompts.append(Prompt(row["prompt"], None, int(row.get("output_length") or drawn[index])))
    return prompts


def _dataset_rows(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise CollectError(f"{path}: cannot read dataset: {error.strerror}") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise CollectError(f"{path}:{number}: not valid JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("prompt"), str):
            raise CollectError(f"{path}:{number}: expected an object with a string \"prompt\"")
        length = row.get("output_length")
        if length is not None and (not isinstance(length, int) or length < 1):
            raise CollectError(f"{path}:{number}: output_length must be a positive integer")
        rows.append(row)
    if not rows:
        raise CollectError(f"{path}: the dataset has no prompts")
    return rows
