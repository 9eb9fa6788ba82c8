"""Workloads: length distributions, exact-length prompts, dataset files, endpoint URLs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from collect.errors import CollectError
from collect.serve.client import api_url, request_body
from collect.serve.workload import Length, Prompt, PromptBuilder, parse_length, read_dataset


def test_lengths_fixed_or_uniform_ranges() -> None:
    assert parse_length("128") == Length(128, 128) and Length(128, 128).label() == 128
    assert parse_length("64-256") == parse_length("64:256") == Length(64, 256)
    assert Length(64, 256).label() == "64-256"
    drawn = Length(3, 5).sample(np.random.default_rng(0), 300)
    assert set(drawn) == {3, 4, 5}
    for bad in ("0", "5-3", "a", "1-2-3"):
        with pytest.raises(ValueError):
            parse_length(bad)


def test_prompts_have_exactly_the_asked_token_count(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    builder = PromptBuilder(tokenizer, seed=1)
    for n in (1, 7, 64, 300):
        assert builder.count(builder.build(n)) == n
    again = PromptBuilder(tokenizer, seed=1)
    assert again.build(7) == PromptBuilder(tokenizer, seed=1).build(7)  # seeded


def test_dataset_lines_cycle_and_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "output_length": 3}\n\n{"prompt": "b"}\n', encoding="utf-8")
    prompts = read_dataset(path, Length(9, 9), 3)
    assert prompts == [Prompt("a", None, 3), Prompt("b", None, 9), Prompt("a", None, 3)]
    path.write_text('{"prompt": "a"}\n{"text": "b"}\n', encoding="utf-8")
    with pytest.raises(CollectError, match=r"d.jsonl:2: expected an object with a string"):
        read_dataset(path, Length(9, 9), 1)


def test_endpoint_urls_and_request_bodies() -> None:
    assert api_url("http://h:8000", "chat") == "http://h:8000/v1/chat/completions"
    assert api_url("http://h:8000/v1/", "completions") == "http://h:8000/v1/completions"
    assert api_url("http://h/x/v1/chat/completions", "completions").endswith("/chat/completions")
    body = request_body("m", "chat", Prompt("hi", 1, 5), ignore_eos=True)
    assert body["max_completion_tokens"] == 5 and body["ignore_eos"] is True
    assert body["stream"] and body["stream_options"] == {"include_usage": True}
    assert request_body("m", "completions", Prompt("hi", 1, 5), False)["max_tokens"] == 5
