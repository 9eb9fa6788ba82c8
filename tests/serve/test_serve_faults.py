"""Server faults are counted failures with reasons, or a located error; results are kept.

The server that dies is a real ``transformers serve`` killed mid-run. Faults it cannot be
made to produce on demand (a 5xx, a stream cut short, a stall) come from small real HTTP
servers on loopback (the standard library's ``http.server``), not from mocks."""

from __future__ import annotations

import http.server
import itertools
import threading
import time
from pathlib import Path

import pytest

from collect.cli import main
from collect.serve.client import StreamClient, Timeline, run_coroutine
from collect.serve.workload import Prompt
from perfcore.records import read_records
from tests.serve.conftest import Handle, Server, free_port, http_server

CHUNK = b'data: {"choices": [{"index": 0, "delta": {"content": " fox"}}]}\n\n'


def send_one(url: str, timeout_s: float = 5.0) -> Timeline:
    async def go() -> Timeline:
        async with StreamClient(url + "/v1/chat/completions", "m", "chat", False,
                                timeout_s) as client:
            return await client.send(Timeline(0, time.perf_counter()), Prompt("hi", 1, 4))
    return run_coroutine(go())


def answer_503(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(503)
    handler.send_header("content-type", "application/json")
    handler.end_headers()
    handler.wfile.write(b'{"error": "overloaded"}')


def cut_short(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.send_header("connection", "close")
    handler.end_headers()
    handler.wfile.write(CHUNK * 2)  # two tokens, then the connection closes: no finish_reason


def stall(handler: http.server.BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.end_headers()
    handler.wfile.write(CHUNK)
    handler.wfile.flush()
    time.sleep(2)


def test_a_5xx_is_a_failure_with_its_status_and_body() -> None:
    with http_server(answer_503) as url:
        timeline = send_one(url)
    assert timeline.error == "HTTP 503" and "overloaded" in timeline.detail


def test_a_stream_that_stops_mid_response_is_a_failure() -> None:
    with http_server(cut_short) as url:
        timeline = send_one(url)
    assert timeline.error == "stream ended mid-response" and len(timeline.chunks) == 2
    assert "no finish_reason" in timeline.detail


def test_a_stalled_stream_times_out() -> None:
    with http_server(stall) as url:
        started = time.perf_counter()
        timeline = send_one(url, timeout_s=0.5)
    assert timeline.error == "timeout" and time.perf_counter() - started < 1.9


def serve_argv(url: str, model: str, out: Path, *options: str) -> list[str]:
    return ["run", "--backend", "openai", "--mode", "serve", "--endpoint", url, "--model", model,
            "--warmup", "0.3", "--instance-type", "test-vm", "--no-utilization",
            "--out", str(out), *options]


def test_refused_and_5xx_warm_up_end_the_run_with_a_located_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    argv = serve_argv(url, "m", tmp_path / "r.jsonl", "--load", "closed", "--concurrency", "1",
                      "--tokenizer", "no-such-tokenizer", "--dataset", str(tmp_path / "d.jsonl"))
    (tmp_path / "d.jsonl").write_text('{"prompt": "hi"}\n', encoding="utf-8")
    assert main(argv) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {url}/v1/chat/completions: warm-up request failed: connection refused: "
        f"[Errno 111] Connect call failed ('127.0.0.1', {url.rsplit(':', 1)[1]})")
    with http_server(answer_503) as url:
        argv = serve_argv(url, "m", tmp_path / "s.jsonl", "--load", "closed", "--concurrency",
                          "1", "--dataset", str(tmp_path / "d.jsonl"))
        assert main(argv) == 1
    expected = 'warm-up request failed: HTTP 503: {"error": "overloaded"}'
    assert expected in capsys.readouterr().err


def kill_after_requests(server: Server, count: int, limit_s: float = 60.0) -> None:
    """Kill the server once its log shows ``count`` chat requests answered: past the
    warm-up (a few sequential requests) and well before the schedule's 24 have been sent,
    however slow the machine is."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        log = server.log.read_text(encoding="utf-8", errors="replace")
        if log.count('"POST /v1/chat/completions HTTP/1.1" 200') >= count:
            break
        time.sleep(0.02)
    server.process.kill()


@pytest.mark.slow
def test_server_killed_mid_run(doomed_server: Server, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "killed.jsonl"
    argv = serve_argv(doomed_server.url, doomed_server.model, out, "--load", "poisson",
                      "--rate", "8", "--duration", "3", "--input-length", "8",
                      "--output-length", "40")
    killer = threading.Thread(target=kill_after_requests, args=(doomed_server, 12))
    killer.start()
    assert main(argv) == 0
    killer.join()
    [record] = read_records(out).records
    assert record["n_requests"] == 24  # every scheduled request is in the totals
    assert record["n_completed"] + record["n_failed"] == 24 and record["n_failed"] >= 12
    assert "connection refused" in record["failure_reasons"]  # sent after the kill
    # in flight at the kill: cut off before or after their first token
    assert set(record["failure_reasons"]) <= {"connection refused", "stream ended mid-response",
                                              "connection lost"}
    if record["n_completed"]:  # how many finished before the kill depends on the machine
        assert record["status"] == "degraded"  # far more failed than --max-failed's 1%
        assert record["reason"].startswith(f"{record['n_failed']} of 24 requests failed (")
    else:
        assert record["status"] == "failed"
        assert record["reason"].startswith("all 24 requests failed: ")
    capsys.readouterr()
    # a later run cannot warm up and measures nothing: a located error, the record stays
    # (a sweep that loses its server after measuring exits 0: test_serve_sweeps.py)
    assert main([*argv, "--rate", "8,4", "--resume"]) == 1
    assert "warm-up request failed: connection refused" in capsys.readouterr().err
    assert [r["offered_rate"] for r in read_records(out).records] == [8.0]


ROLE_ONLY = b'data: {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}\n\n'
FINISH = b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}\n\n'


def empty_first_answer() -> Handle:
    """A streaming server whose first answer is complete but has no content (a role-only
    chunk, then the finish), and whose later answers carry two tokens."""
    answered = itertools.count()

    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        body = ROLE_ONLY + (b"" if next(answered) == 0 else CHUNK * 2) + FINISH
        handler.wfile.write(body + b"data: [DONE]\n\n")
    return answer


def test_a_first_warm_up_answer_without_content_is_one_failed_request(tmp_path: Path) -> None:
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"prompt": "hi", "output_length": 2}\n', encoding="utf-8")
    out = tmp_path / "r.jsonl"
    with http_server(empty_first_answer()) as url:
        assert main(serve_argv(url, "m", out, "--load", "closed", "--concurrency", "1",
                               "--dataset", str(dataset), "--duration", "0.3",
                               "--tokenizer", "no-such-tokenizer")) == 0
    [record] = read_records(out).records
    assert record["warmup_failed"] == {"no content": 1} and record["warmup_requests"] >= 2
    assert record["status"] == "ok" and record["n_failed"] == 0 and record["n_completed"] > 0
