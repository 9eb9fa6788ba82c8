"""Served sweeps in one command, several endpoints, reasoning streams, the metrics AIPerf
reports, degraded points and exit statuses: against real ``transformers serve`` servers
(tests/serve/conftest.py) and, for streams they cannot produce (reasoning text, failures on
demand), small real HTTP servers on loopback; every check goes through ``collect.cli.main``."""

from __future__ import annotations

import http.server
import itertools
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from collect.cli import main
from perfcore.records import read_records
from tests.serve.conftest import Handle, Server, http_server, start_server

pytestmark = pytest.mark.slow


def serve_argv(endpoint: str, model: str, out: Path, *options: str) -> list[str]:
    return ["run", "--backend", "openai", "--mode", "serve", "--endpoint", endpoint,
            "--model", model, "--duration", "1", "--warmup", "0.2", "--instance-type",
            "test-vm", "--no-utilization", "--out", str(out), *options]


def timelines(record: dict, out: Path) -> list[dict]:
    text = (out.parent / record["requests_file"]).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def second_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Server]:
    """A second data-parallel copy of the session's server (same model, its own process)."""
    home = tmp_path_factory.mktemp("hf-home-2")
    running = start_server(tiny_model, home, home / "serve.log")
    yield running
    running.stop()


def test_one_command_sweeps_concurrency_and_length_pairs_and_resumes(
        server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep.jsonl"
    sweep = ("--load", "closed", "--concurrency", "1,2", "--input-output", "8:4,16:6")
    assert main(serve_argv(server.url, server.model, out, *sweep)) == 0
    records = read_records(out).records
    points = [(r["input_length"], r["output_length"], r["concurrency"]) for r in records]
    assert points == [(8, 4, 1), (8, 4, 2), (16, 6, 1), (16, 6, 2)]  # every combination
    assert all(r["status"] == "ok" and r["warmup_requests"] >= 1 for r in records)
    err = capsys.readouterr().err
    assert "[1/4]" in err and "[4/4]" in err and "concurrency=2 in=16 out=6" in err
    for record in records:  # each point's prompts and answers have its lengths
        rows = timelines(record, out)
        assert {row["usage_prompt_tokens"] for row in rows} == {record["input_length"]}
        assert {row["usage_completion_tokens"] for row in rows} == {record["output_length"]}
    # resume: the four points stay, only the new concurrency runs (per pair)
    more = ("--load", "closed", "--concurrency", "1,2,3", "--input-output", "8:4,16:6")
    assert main(serve_argv(server.url, server.model, out, *more, "--resume")) == 0
    err = capsys.readouterr().err
    assert "resume: 4 of 6 configurations already have a final status" in err
    assert [(r["input_length"], r["concurrency"]) for r in read_records(out).records][4:] == \
        [(8, 3), (16, 3)]


def test_the_metrics_users_expect_equal_numpy_on_the_timelines(server: Server,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "metrics.jsonl"
    assert main(serve_argv(server.url, server.model, out, "--load", "closed",
                           "--concurrency", "2", "--input-length", "12",
                           "--output-length", "8")) == 0
    [record] = read_records(out).records
    rows = [row for row in timelines(record, out) if row["error"] is None]
    ttft = np.array([row["chunks"][0] - row["scheduled"] for row in rows]) * 1000
    e2e = np.array([row["chunks"][-1] - row["scheduled"] for row in rows]) * 1000
    tokens = np.array([row["usage_completion_tokens"] for row in rows])
    tpot = (e2e - ttft) / (tokens - 1)
    ttst = np.array([row["chunks"][1] - row["chunks"][0] for row in rows]) * 1000
    in_flight = sum(row["end"] - row["sent"] for row in timelines(record, out))
    expected = {
        "ttft_ms_min": ttft.min(), "ttft_ms_max": ttft.max(), "ttft_ms_std": ttft.std(),
        "e2e_ms_std": e2e.std(), "tpot_ms_max": tpot.max(),
        "ttst_ms_p50": np.percentile(ttst, 50), "ttst_ms_std": ttst.std(),
        "per_user_output_tokens_per_s_p50": np.percentile(1000 / tpot, 50),
        "per_user_output_tokens_per_s_p90": np.percentile(1000 / tpot, 90),
        "per_user_output_tokens_per_s_min": (1000 / tpot).min(),
        "chunks_per_request_mean": np.mean([len(row["chunks"]) for row in rows]),
        "input_tokens_per_s": 12 * len(rows) / record["duration_s"],
        "effective_concurrency": in_flight / record["duration_s"],
    }
    for key, value in expected.items():
        assert record[key] == pytest.approx(value, rel=1e-9), key
    assert record["failed_fraction"] == 0.0 and record["max_failed_fraction"] == 0.01
    assert 1.0 < record["effective_concurrency"] <= 2.0  # two users, nearly always busy
    # a model without reasoning: the answer's first token is the first token
    assert record["ttft_at"] == "first-token" and record["ttft_reasoning_ms_p50"] is None
    assert record["ttft_answer_ms_p50"] == record["ttft_ms_p50"]


def answered_posts(server: Server, expected: int, limit_s: float = 10.0) -> int:
    """Chat requests the server's access log shows answered (waiting for the log to catch up
    to ``expected``)."""
    deadline = time.monotonic() + limit_s
    while True:
        text = server.log.read_text(encoding="utf-8", errors="replace")
        count = text.count('"POST /v1/chat/completions HTTP/1.1" 200')
        if count >= expected or time.monotonic() > deadline:
            return count


def test_two_endpoints_split_the_requests_evenly(server: Server, second_server: Server,
                                                 tmp_path: Path) -> None:
    before = [answered_posts(s, 0, 0) for s in (server, second_server)]
    out = tmp_path / "two.jsonl"
    assert main(serve_argv(f"{server.url},{second_server.url}", server.model, out,
                           "--load", "closed", "--concurrency", "2", "--input-length", "8",
                           "--output-length", "6", "--duration", "2")) == 0
    [record] = read_records(out).records
    assert record["status"] == "ok" and record["endpoint_policy"] == "round-robin"
    first, second = record["endpoints"]
    assert (first["url"], second["url"]) == (f"{server.url}/v1/chat/completions",
                                              f"{second_server.url}/v1/chat/completions")
    assert first["failed"] == second["failed"] == 0
    assert first["requests"] + second["requests"] == record["n_requests"] >= 6
    assert abs(first["requests"] - second["requests"]) <= 1  # round-robin: every other one
    rows = timelines(record, out)
    assert [row["endpoint"] for row in sorted(rows, key=lambda row: row["sent"])] == \
        [index % 2 for index in range(len(rows))]
    # each server's own access log counts what the record says it sent there, warm-up
    # requests (alternating, the first to the first endpoint) included
    warm = record["warmup_requests"]
    for running, sent, was, share in ((server, first, before[0], (warm + 1) // 2),
                                      (second_server, second, before[1], warm // 2)):
        assert answered_posts(running, was + sent["requests"] + share) - was == \
            sent["requests"] + share

    out = tmp_path / "least.jsonl"
    assert main(serve_argv(f"{server.url},{second_server.url}", server.model, out,
                           "--load", "closed", "--concurrency", "2", "--input-length", "8",
                           "--output-length", "6", "--duration", "2",
                           "--endpoint-policy", "least-outstanding")) == 0
    [record] = read_records(out).records
    counts = [endpoint["requests"] for endpoint in record["endpoints"]]
    assert record["endpoint_policy"] == "least-outstanding"
    assert min(counts) >= 0.4 * sum(counts)  # two users, two idle copies: one each


def stream(events: list[tuple[float, dict]]) -> Handle:
    """Answer every POST with these SSE events, each after its pause (seconds), then
    ``[DONE]``."""
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        for pause, event in events:
            time.sleep(pause)
            handler.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            handler.wfile.flush()
        handler.wfile.write(b"data: [DONE]\n\n")
    return answer


def delta(**fields: str) -> dict:
    return {"choices": [{"index": 0, "delta": fields}]}


REASONING = [(0.0, delta(role="assistant")), (0.05, delta(reasoning_content="Let")),
             (0.02, delta(reasoning_content=" me think")), (0.15, delta(content="The")),
             (0.02, delta(content=" answer")),
             (0.0, {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}),
             (0.0, {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}})]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_a_reasoning_stream_has_both_ttfts_and_the_flag_picks_the_headline(
        field: str, tmp_path: Path) -> None:
    """vLLM's reasoning parsers stream the thinking as ``delta.reasoning_content`` (older) or
    ``delta.reasoning`` (newer), then the answer as ``delta.content``."""
    events = [(pause, json.loads(json.dumps(event).replace("reasoning_content", field)))
              for pause, event in REASONING]
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"prompt": "why?", "output_length": 4}\n', encoding="utf-8")
    records = {}
    with http_server(stream(events)) as url:
        for headline in ("first-token", "answer"):
            out = tmp_path / f"{headline}.jsonl"
            assert main(serve_argv(url, "m", out, "--load", "closed", "--concurrency", "1",
                                   "--dataset", str(dataset), "--tokenizer", "none",
                                   "--ttft", headline, "--duration", "0.6")) == 0
            [records[headline]] = read_records(out).records
    for headline, record in records.items():
        assert record["status"] == "ok" and record["ttft_at"] == headline
        rows = timelines(record, tmp_path / f"{headline}.jsonl")
        reasoning = np.array([row["first_reasoning"] - row["scheduled"] for row in rows])
        answer = np.array([row["first_answer"] - row["scheduled"] for row in rows])
        assert record["ttft_reasoning_ms_p50"] == pytest.approx(
            np.percentile(reasoning * 1000, 50), rel=1e-9)
        assert record["ttft_answer_ms_p50"] == pytest.approx(
            np.percentile(answer * 1000, 50), rel=1e-9)
        assert (answer - reasoning).min() > 0.12  # the server paused 0.17 s in between
        assert record["chunks_per_request_p50"] == 4  # the role and finish chunks carry none
    assert records["first-token"]["ttft_ms_p50"] == records["first-token"]["ttft_reasoning_ms_p50"]
    assert records["answer"]["ttft_ms_p50"] == records["answer"]["ttft_answer_ms_p50"]


def failing_when_busy(nth: int) -> Handle:
    """Two tokens per answer (50 ms); every ``nth`` request that arrives while another is
    in flight is an HTTP 500. Warm-up requests, sent one at a time, always get their answer;
    a closed loop of two or more users keeps requests overlapping."""
    busy = itertools.count()
    lock = threading.Lock()
    in_flight = [0]
    ok = stream([(0.0, delta(content=" fox")), (0.05, delta(content=" dog")),
                 (0.0, {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})])

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        with lock:
            fail = in_flight[0] > 0 and next(busy) % nth == nth - 1
            in_flight[0] += 1
        try:
            if fail:
                handler.send_response(500)
                handler.end_headers()
                handler.wfile.write(b"boom")
            else:
                ok(handler)
        finally:
            with lock:
                in_flight[0] -= 1
    return answer


def test_more_failed_requests_than_max_failed_is_degraded_and_not_published(
        tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A server failing one request in four (of those sent while another is in flight): each
    closed-loop point is degraded under the default --max-failed (1%), ok under 30%; the run
    exits 0 (it measured), 3 with --fail-on-error; publish leaves degraded points out unless
    --include-degraded."""
    out = tmp_path / "failing.jsonl"
    options = ("--load", "closed", "--tokenizer", str(tiny_model), "--input-length", "4",
               "--output-length", "2")
    with http_server(failing_when_busy(4)) as url:
        # measured: not an error
        assert main(serve_argv(url, "m", out, *options, "--concurrency", "2,3")) == 0
        assert main(serve_argv(url, "m", tmp_path / "lenient.jsonl", *options,
                               "--concurrency", "4,5", "--max-failed", "30%")) == 0
        assert main(serve_argv(url, "m", tmp_path / "strict.jsonl", *options,
                               "--concurrency", "2", "--fail-on-error")) == 3
    assert "1 degraded" in capsys.readouterr().out
    degraded = read_records(out).records
    for record in degraded:
        share = record["n_failed"] / record["n_requests"]
        assert record["failed_fraction"] == share and 0.05 < share <= 0.25
        assert record["status"] == "degraded"
        assert record["failure_reasons"] == {"HTTP 500": record["n_failed"]}
        assert record["reason"] == (
            f"{record['n_failed']} of {record['n_requests']} requests failed ({share:.1%}, "
            f"more than --max-failed 1.0%): HTTP 500 ({record['n_failed']})")
    lenient = read_records(tmp_path / "lenient.jsonl").records
    assert [r["status"] for r in lenient] == ["ok", "ok"]
    assert lenient[0]["max_failed_fraction"] == 0.3
    # publish: the ok points go to the model card, the degraded ones only when asked
    data = tmp_path / "data"
    assert main(["publish", str(out), str(tmp_path / "lenient.jsonl"),
                 "--data-dir", str(data)]) == 0
    assert "left out 2 degraded served point(s)" in capsys.readouterr().out
    card = data / "model-cards" / "m.csv"
    assert card.read_text(encoding="utf-8").count("\n") == 1 + 2  # the lenient points
    assert main(["publish", str(out), "--data-dir", str(data), "--include-degraded"]) == 0
    capsys.readouterr()
    import csv

    with card.open(encoding="utf-8") as handle:
        statuses = sorted(row["Status"] for row in csv.DictReader(handle))
    assert statuses == ["degraded", "degraded", "ok", "ok"]


def test_a_server_lost_mid_sweep_fails_the_rest_and_exits_0(
        doomed_server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rate 4 is measured, then the server dies: rate 2 cannot run. The sweep measured
    something, so it exits 0 with rate 2 recorded failed; a later run that measures nothing
    (the server still gone) is the located error, exit 1."""
    out = tmp_path / "lost.jsonl"

    def argv(rates: str, *more: str) -> list[str]:
        return serve_argv(doomed_server.url, doomed_server.model, out, "--load", "poisson",
                          "--rate", rates, "--input-length", "8", "--output-length", "4",
                          *more)

    def kill_after_first_record() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (out.exists() and out.read_text().strip()):
            time.sleep(0.005)
        doomed_server.process.kill()

    killer = threading.Thread(target=kill_after_first_record)
    killer.start()
    assert main(argv("4,2")) == 0
    killer.join()
    first, second = read_records(out).records
    assert (first["offered_rate"], first["status"]) == (4.0, "ok")
    assert (second["offered_rate"], second["status"]) == (2.0, "failed")
    # killed before its warm-up's first answer (usually), or just after it
    assert "warm-up request failed: " in second["reason"] \
        or second["reason"].startswith("all ")
    assert "2 configuration(s) recorded: 1 ok, 0 oom, 1 failed" in capsys.readouterr().out
    assert main(argv("1", "--resume")) == 1
    assert "warm-up request failed: connection refused" in capsys.readouterr().err
    assert len(read_records(out).records) == 2
