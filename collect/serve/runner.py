"""Driving a served benchmark: one configuration per offered rate (open loop) or per
concurrency (closed loop) and input|output length pair, measured as request timelines and
summarised into a record.

Open loop (``--load poisson``): requests are sent at the precomputed Poisson schedule
(:mod:`collect.engine.schedule`) and every latency is measured from the request's *scheduled*
send time, so a server (or a ``--max-concurrency`` cap) that falls behind shows as
latency, not as fewer requests (no coordinated omission). Closed loop (``--load closed
--concurrency N``): N clients send, wait for the whole response, send again.

Requests go to the sweep's endpoints (:mod:`collect.serve.endpoints`: one, or several
data-parallel copies, round-robin or least-outstanding).

Warm-up requests run first, at every point, and are not measured; they go to each endpoint
in turn, at least one each. A first warm-up request of an endpoint that gets no answer
(refused, an HTTP error, a broken stream) raises :class:`WarmUpFailed` naming the endpoint;
one answered without content counts as a failed warm-up request. After that, failures are
counted per request (``n_failed``, ``failure_reasons``) and the run goes on; a closed-loop
client stops at a connection failure (the server is gone) instead of spinning.

The client's garbage collector is paused over the measured interval, as in the in-process
modes (:mod:`collect.engine.gcpause`; the record's ``gc`` field): with the tokenizer loaded
one full collection took about 125 ms on the development VM, a stall in which no chunk is
read and every stream in flight would show it as latency.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collect.engine.gcpause import gc_paused
from collect.engine.schedule import poisson_schedule
from collect.errors import CollectError
from collect.serve.client import Timeline, api_url, run_coroutine, server_info
from collect.serve.endpoints import Endpoints, endpoint_counts
from collect.serve.metrics import served_status, summarize
from collect.serve.options import ServeConfig, ServeOptions
from collect.serve.workload import (
    Length,
    Prompt,
    PromptBuilder,
    read_dataset,
    synthetic_prompts,
)
from perfcore.stats import percentile

CLOSED_POOL = 200
CONNECTION_FAILURES = ("connection refused", "cannot connect", "connection lost")
ANSWERED_FAILURES = ("no content",)  # the server answered in full, with no token


class Workload:
    """The prompts of a run and how output text is counted in tokens."""

    def __init__(self, model: str, serve: ServeOptions, seed: int) -> None:
        self.serve = serve
        self.seed = seed
        self.tokenizer_name, self.tokenizer = find_tokenizer(model, serve)
        self.builder = None if serve.dataset else PromptBuilder(self.tokenizer, seed)

    def prompts(self, n: int, lengths: tuple[Length, Length] | None = None) -> list[Prompt]:
        """``n`` prompts of the lengths (input, output; default the options' one pair)."""
        inputs, outputs = lengths or self.serve.length_pairs()[0]
        if self.serve.dataset is not None:
            prompts = read_dataset(self.serve.dataset, outputs, n, self.seed)
            if self.tokenizer is None:
                return prompts
            return [Prompt(p.text, self.count(p.text), p.output_tokens) for p in prompts]
        return synthetic_prompts(self.builder, inputs, outputs, n)

    def count(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def counter(self) -> Any:
        return self.count if self.tokenizer is not None else None


def find_tokenizer(model: str, serve: ServeOptions) -> tuple[str, Any]:
    """``--tokenizer``, else the served model name, else (a ``--served-model-name`` that
    names no local tokenizer) the model's ``root`` in the server's ``/v1/models``."""
    required = serve.dataset is None
    if serve.tokenizer:
        return serve.tokenizer, load_tokenizer(serve.tokenizer, required)
    tokenizer = load_tokenizer(model, required=False)
    if tokenizer is not None:
        return model, tokenizer
    root = run_coroutine(server_info(serve.endpoint, model)).get("root")
    if root and root != model:
        return root, load_tokenizer(root, required)
    return model, load_tokenizer(model, required)


def load_tokenizer(name: str, required: bool) -> Any:
    """The tokenizer that builds prompts and counts tokens the server does not report."""
    try:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(name)
    except Exception as error:  # any loading failure: missing files, offline hub, bad config
        if not required:
            return None
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise CollectError(f"cannot load tokenizer {name!r} to build prompts of exact length "
                           f"({type(error).__name__}: {first}); pass --tokenizer PATH or "
                           "--dataset") from None


class WarmUpFailed(CollectError):
    """An endpoint's first warm-up request got no answer: the server is not there (yet)."""


@dataclass
class WarmUp:
    requests: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # kind -> count


async def warm_up(endpoints: Endpoints, prompt: Prompt, seconds: float) -> WarmUp:
    """Sequential unmeasured requests for ``seconds``, to each endpoint in turn (at least one
    each). Each endpoint's first must get an answer: a refused connection or an HTTP error
    raises :class:`WarmUpFailed`, while a complete reply without content (``no content``) is
    one failed request and the warm-up goes on."""
    end = time.perf_counter() + seconds
    done = WarmUp()
    while True:
        endpoint = done.requests % len(endpoints.urls)
        timeline = await endpoints.send(Timeline(-1, time.perf_counter()), prompt, endpoint)
        if timeline.error is not None:
            first = done.requests < len(endpoints.urls)
            if first and timeline.error not in ANSWERED_FAILURES:
                raise WarmUpFailed(f"{endpoints.urls[endpoint]}: warm-up request failed: "
                                   f"{timeline.error}: {timeline.detail}")
            done.failed[timeline.error] = done.failed.get(timeline.error, 0) + 1
        done.requests += 1
        if time.perf_counter() >= end and done.requests >= len(endpoints.urls):
            return done


async def run_poisson(client: Endpoints, prompts: list[Prompt], arrivals_s: Any,
                      max_concurrency: int | None) -> tuple[list[Timeline], float]:
    """Send prompt i at ``start + arrivals_s[i]``; latency counts from that time."""
    cap = asyncio.Semaphore(max_concurrency) if max_concurrency else None
    start = time.perf_counter() + 0.01

    async def one(index: int, offset: float, prompt: Prompt) -> Timeline:
        timeline = Timeline(index, start + offset, prompt.input_tokens, prompt.output_tokens)
        await asyncio.sleep(max(0.0, timeline.scheduled - time.perf_counter()))
        if cap is None:
            return await client.send(timeline, prompt)
        async with cap:
            return await client.send(timeline, prompt)

    tasks = [one(i, float(offset), prompt)
             for i, (offset, prompt) in enumerate(zip(arrivals_s, prompts, strict=True))]
    return list(await asyncio.gather(*tasks)), start


async def run_closed(client: Endpoints, prompts: list[Prompt], concurrency: int,
                     duration_s: float) -> tuple[list[Timeline], float]:
    """``concurrency`` clients in a send-wait loop, starting requests for ``duration_s``."""
    start = time.perf_counter()
    end = start + duration_s
    timelines: list[Timeline] = []

    async def worker() -> None:
        while time.perf_counter() < end:
            prompt = prompts[len(timelines) % len(prompts)]
            timeline = Timeline(len(timelines), time.perf_counter(), prompt.input_tokens,
                                prompt.output_tokens)
            timelines.append(timeline)
            await client.send(timeline, prompt)
            if timeline.error in CONNECTION_FAILURES:
                return

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return timelines, start


@dataclass
class Driven:
    """What one measured interval produced."""

    timelines: list[Timeline]
    start: float
    warmups: WarmUp
    floor_s: float = 0.0  # a Poisson run lasts at least its schedule
    extra: dict[str, Any] = field(default_factory=dict)


async def drive_poisson(client: Endpoints, config: ServeConfig, serve: ServeOptions,
                        workload: Workload, duration_s: float, warmup_s: float,
                        seed: int) -> Driven:
    try:
        schedule = poisson_schedule(config.offered_rate, duration_s, seed=seed)
    except ValueError as error:
        raise CollectError(f"--rate {config.offered_rate:g}: {error}") from None
    prompts = workload.prompts(len(schedule), config.lengths)
    warmups = await warm_up(client, prompts[0], warmup_s)
    with gc_paused() as gc_info:
        timelines, start = await run_poisson(client, prompts, schedule.arrivals_s,
                                             serve.max_concurrency)
    schedule_fields = {"kind": schedule.kind, "seed": schedule.seed, "n": len(schedule)}
    return Driven(timelines, start, warmups, schedule.duration_s,
                  {"arrival_schedule": schedule_fields, "gc": gc_info})


async def drive_closed(client: Endpoints, config: ServeConfig, workload: Workload,
                       duration_s: float, warmup_s: float) -> Driven:
    prompts = workload.prompts(CLOSED_POOL, config.lengths)
    warmups = await warm_up(client, prompts[0], warmup_s)
    with gc_paused() as gc_info:
        timelines, start = await run_closed(client, prompts, config.concurrency or 1,
                                            duration_s)
    return Driven(timelines, start, warmups, extra={"gc": gc_info})


async def measure_async(config: ServeConfig, serve: ServeOptions, workload: Workload,
                        duration_s: float, warmup_s: float, arrival_seed: int) -> dict:
    """Warm up, run the configuration's load, and summarise its timelines."""
    urls = [api_url(endpoint, serve.api) for endpoint in serve.endpoints]
    async with Endpoints(urls, config.model, serve.api, serve.ignore_eos,
                         serve.request_timeout_s, serve.endpoint_policy) as client:
        if config.load == "poisson":
            driven = await drive_poisson(client, config, serve, workload, duration_s,
                                         warmup_s, arrival_seed)
        else:
            driven = await drive_closed(client, config, workload, duration_s, warmup_s)
    ends = [t.end for t in driven.timelines if t.end is not None]
    duration = max(driven.floor_s, (max(ends) - driven.start) if ends else 0.0) or duration_s
    measured = summarize(driven.timelines, duration, workload.counter, serve.goodput,
                         serve.ttft_at)
    measured.update(driven.extra, tokenizer=workload.tokenizer_name,
                    endpoints=endpoint_counts(driven.timelines, urls),
                    endpoint_policy=serve.endpoint_policy, max_failed_fraction=serve.max_failed,
                    warmup_requests=driven.warmups.requests,
                    warmup_failed=driven.warmups.failed, warmup_s=warmup_s,
                    **lag_fields(driven.timelines), achieved_rate=measured["request_throughput"])
    measured["_timelines"] = [t.relative(driven.start) for t in driven.timelines]
    return measured


def lag_fields(timelines: list[Timeline]) -> dict[str, float | None]:
    """How late requests were sent after their scheduled time (harness health)."""
    lags = [(t.sent - t.scheduled) * 1000 for t in timelines if t.sent is not None]
    if not lags:
        return {"schedule_lag_ms_p50": None, "schedule_lag_ms_p99": None}
    return {"schedule_lag_ms_p50": percentile(lags, 50),
            "schedule_lag_ms_p99": percentile(lags, 99)}


def status_of(measured: Mapping[str, Any], max_failed: float) -> tuple[str, str | None]:
    """``ok``, ``degraded`` (more than ``max_failed`` of the requests failed) or ``failed``
    (every one did); the reason names the failures by kind."""
    return served_status(measured["n_requests"], measured["n_failed"],
                         measured["failure_reasons"], max_failed)


def write_timelines(out: Path, config_id: str, timelines: list[dict]) -> str:
    """The per-request timelines beside the results file; returns the relative path."""
    folder = out.parent / f"{out.stem}.requests"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{config_id}.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in timelines), encoding="utf-8")
    return path.relative_to(out.parent).as_posix()


def fetch_server_info(serve: ServeOptions, model: str) -> dict[str, Any]:
    """The first endpoint's provenance; ``endpoint`` names every endpoint's URL."""
    info = run_coroutine(server_info(serve.endpoint, model))
    urls = ", ".join(api_url(endpoint, serve.api) for endpoint in serve.endpoints)
    return {**info, "endpoint": urls, "api": serve.api}
