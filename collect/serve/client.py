"""One streamed request to an OpenAI-compatible endpoint, recorded as a timeline.

A timeline holds when the request was scheduled and sent, when each *content chunk*
arrived (a chunk whose delta ``content``/``text`` is not empty: a role-only opening
chunk or the closing usage chunk is not a token), and when each *choice chunk* arrived
(any event with a non-empty ``choices`` list, text or not: what ``vllm bench serve``'s
client times). A reasoning model's chunk may carry reasoning text (``delta.reasoning_content``
or ``delta.reasoning``, as vLLM's reasoning parsers send it) and answer text
(``delta.content``); both are content, and the timeline keeps when the first of each arrived.
Metrics are computed later from
timelines (:mod:`collect.serve.metrics`), so what was measured can be written out and
checked. Every failure ends as the timeline's ``error`` (a short kind, counted per kind
in the record) with ``detail``; nothing is raised for a failed request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2

from collect.serve.workload import Prompt

T = TypeVar("T")

APIS = ("chat", "completions")
SERVER_INFO = "/server_info?config_format=json"  # vLLM with VLLM_SERVER_DEV_MODE=1
TORCH_DTYPES = {"bfloat16": "bf16", "float16": "fp16", "half": "fp16", "float32": "fp32",
                "float": "fp32"}
API_PATHS = {"chat": "/chat/completions", "completions": "/completions"}


@dataclass
class Timeline:
    """One request; times are ``time.perf_counter()`` seconds."""

    index: int
    scheduled: float
    input_tokens: int | None = None
    requested_output_tokens: int | None = None
    sent: float | None = None
    chunks: list[float] = field(default_factory=list)
    choice_chunks: list[float] = field(default_factory=list)
    end: float | None = None
    text: str = ""
    usage_prompt_tokens: int | None = None
    usage_completion_tokens: int | None = None
    finish_reason: str | None = None
    error: str | None = None
    detail: str | None = None
    endpoint: int = 0  # which of the sweep's endpoints answered (its index)
    first_reasoning: float | None = None  # the first chunk with reasoning text
    first_answer: float | None = None  # the first chunk with answer text

    @property
    def ok(self) -> bool:
        return self.error is None

    def relative(self, origin: float) -> dict[str, Any]:
        """A JSON-ready copy with times in seconds from ``origin``."""
        data = asdict(self)
        for key in ("scheduled", "sent", "end", "first_reasoning", "first_answer"):
            data[key] = None if data[key] is None else data[key] - origin
        data["chunks"] = [t - origin for t in self.chunks]
        data["choice_chunks"] = [t - origin for t in self.choice_chunks]
        return data


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, also from a thread whose event loop is already running.

    Such a loop (a notebook's, Playwright's sync API in the same process) would make
    ``asyncio.run`` refuse; the coroutine then runs on its own loop in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # none: the usual case
        running = False
    else:
        running = True
    if not running:  # outside the except block, so errors do not chain to this one
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="serve") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def api_url(endpoint: str, api: str) -> str:
    """The request URL: ``endpoint`` as given if it names the API path, else
    ``<endpoint>[/v1]/chat/completions`` (or ``/completions``)."""
    url = endpoint.rstrip("/")
    if url.endswith(tuple(API_PATHS.values())):
        return url
    if not url.endswith("/v1"):
        url += "/v1"
    return url + API_PATHS[api]


def base_url(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def request_body(model: str, api: str, prompt: Prompt, ignore_eos: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "stream": True,
                            "stream_options": {"include_usage": True}}
    if api == "chat":
        body["messages"] = [{"role": "user", "content": prompt.text}]
        body["max_completion_tokens"] = prompt.output_tokens
    else:
        body["prompt"] = prompt.text
        body["max_tokens"] = prompt.output_tokens
    if ignore_eos:
        body["ignore_eos"] = True  # vLLM's extension; servers that reject it answer 4xx
    return body


class StreamClient:
    """Sends streamed requests over one connection pool (``async with``)."""

    def __init__(self, url: str, model: str, api: str, ignore_eos: bool,
                 timeout_s: float) -> None:
        self.url, self.model, self.api = url, model, api
        self.ignore_eos = ignore_eos
        self.timeout_s = timeout_s
        self._client = httpx2.AsyncClient(
            timeout=httpx2.Timeout(timeout_s),
            limits=httpx2.Limits(max_connections=None, max_keepalive_connections=None))

    async def __aenter__(self) -> StreamClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def send(self, timeline: Timeline, prompt: Prompt) -> Timeline:
        """Stream one request into ``timeline`` (sets ``sent``, chunks, ``end`` or ``error``)."""
        body = request_body(self.model, self.api, prompt, self.ignore_eos)
        timeline.sent = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._stream(timeline, body)
        except TimeoutError:
            _fail(timeline, "timeout", f"no complete response within {self.timeout_s:g} s")
        except httpx2.TimeoutException as error:
            _fail(timeline, "timeout", f"{type(error).__name__}: {error}")
        except httpx2.ConnectError as error:
            cause = _root_cause(error)
            refused = isinstance(cause, ConnectionRefusedError)
            _fail(timeline, "connection refused" if refused else "cannot connect", str(cause))
        except (httpx2.RemoteProtocolError, httpx2.ReadError) as error:
            kind = "stream ended mid-response" if timeline.chunks else "connection lost"
            _fail(timeline, kind, f"{type(error).__name__}: {error}")
        except httpx2.HTTPError as error:
            _fail(timeline, "http error", f"{type(error).__name__}: {error}")
        return timeline

    async def _stream(self, timeline: Timeline, body: dict[str, Any]) -> None:
        async with self._client.stream("POST", self.url, json=body) as response:
            if response.status_code >= 400:
                text = (await response.aread()).decode("utf-8", "replace")
                _fail(timeline, f"HTTP {response.status_code}", text[:300])
                return
            done = False
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    done = self._on_data(timeline, line[5:].strip(), time.perf_counter()) \
                        or done  # a usage-only event may follow the finish_reason
                    if timeline.error is not None:
                        return
        timeline.end = time.perf_counter()
        if not done:
            _fail(timeline, "stream ended mid-response",
                  f"no finish_reason or [DONE] after {len(timeline.chunks)} content chunk(s)")
        elif not timeline.chunks:
            _fail(timeline, "no content", "the response had no content chunk (no first token)")

    def _on_data(self, timeline: Timeline, data: str, now: float) -> bool:
        """Handle one SSE ``data:`` payload; returns whether the response is complete."""
        if data == "[DONE]":
            return True
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            _fail(timeline, "malformed stream", data[:300])
            return False
        if not isinstance(event, dict) or "error" in event:
            _fail(timeline, "server error in stream", str(event)[:300])
            return False
        usage = event.get("usage") or {}
        if usage:
            timeline.usage_prompt_tokens = usage.get("prompt_tokens")
            timeline.usage_completion_tokens = usage.get("completion_tokens")
        finished = False
        choices = event.get("choices") or []
        if choices:
            timeline.choice_chunks.append(now)
        for choice in choices:
            reasoning, answer = _choice_texts(choice, self.api)
            if reasoning and timeline.first_reasoning is None:
                timeline.first_reasoning = now
            if answer and timeline.first_answer is None:
                timeline.first_answer = now
            if reasoning or answer:
                timeline.chunks.append(now)
                timeline.text += reasoning + answer
            if choice.get("finish_reason"):
                timeline.finish_reason = choice["finish_reason"]
                finished = True
        return finished


def _choice_texts(choice: dict[str, Any], api: str) -> tuple[str, str]:
    """``(reasoning, answer)`` text of one choice of a streamed event."""
    if api == "completions":
        return "", _string(choice.get("text"))
    delta = choice.get("delta") or {}
    reasoning = _string(delta.get("reasoning_content")) or _string(delta.get("reasoning"))
    return reasoning, _string(delta.get("content"))


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _root_cause(error: BaseException) -> BaseException:
    """The OS error under the client's wrappers (e.g. ``ConnectionRefusedError``)."""
    while (error.__cause__ or error.__context__) is not None:
        error = error.__cause__ or error.__context__
    return error


def _fail(timeline: Timeline, kind: str, detail: str) -> None:
    timeline.error = kind
    timeline.detail = detail
    if timeline.end is None:
        timeline.end = time.perf_counter()


async def server_info(endpoint: str, model: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """Provenance: ``name`` (``owned_by`` of the model in ``/v1/models``, else the HTTP
    ``server`` header), ``version`` (vLLM's ``/version``), ``http_server`` (the header),
    ``root`` (the model's ``root`` in ``/v1/models``: vLLM's path or name of the weights
    behind a ``--served-model-name``), ``dtype`` (the data type the server says it runs:
    vLLM's ``/server_info``, served only with ``VLLM_SERVER_DEV_MODE=1``; else None)."""
    info: dict[str, Any] = {"name": None, "version": None, "http_server": None, "root": None,
                            "dtype": None}
    root = base_url(endpoint)
    async with httpx2.AsyncClient(timeout=timeout_s) as client:
        for path in ("/v1/models", "/version", SERVER_INFO):
            try:  # vLLM's /server_info gathers system facts first: slow on a busy machine
                response = await client.get(root + path, timeout=timeout_s * (
                    3 if path == SERVER_INFO else 1))
                payload = response.json() if response.status_code == 200 else {}
            except (httpx2.HTTPError, ValueError):
                continue
            info["http_server"] = info["http_server"] or response.headers.get("server")
            if path == "/version" and isinstance(payload, dict):
                info["version"] = payload.get("version")
            elif path == SERVER_INFO:
                info["dtype"] = reported_dtype(payload)
            elif isinstance(payload, dict):
                entry = model_entry(payload.get("data"), model)
                info["name"] = _text(entry.get("owned_by"))
                info["root"] = _text(entry.get("root"))
    info["name"] = info["name"] or info["http_server"]
    return info


def reported_dtype(server_info: Any) -> str | None:
    """vLLM's model dtype (``"torch.bfloat16"``) in the collector's names (``bf16``)."""
    config = server_info.get("vllm_config") if isinstance(server_info, dict) else None
    model = config.get("model_config") if isinstance(config, dict) else None
    dtype = model.get("dtype") if isinstance(model, dict) else None
    if not isinstance(dtype, str) or not dtype:
        return None
    name = dtype.removeprefix("torch.")
    return TORCH_DTYPES.get(name, name)


def model_entry(models: Any, model: str) -> dict[str, Any]:
    """The entry of ``model`` in ``/v1/models``' ``data`` list ({} when absent)."""
    for entry in models if isinstance(models, list) else []:
        if isinstance(entry, dict) and entry.get("id") == model:
            return entry
    return {}


def _text(value: Any) -> str | None:
    return str(value) if value else None
