"""Where a served record says it came from, and which served records a table takes."""

from __future__ import annotations

import http.server
import json
from pathlib import Path

from collect.cli import main
from collect.publish.served import served_cells, source_suffix, unpublishable
from collect.serve.client import run_coroutine, server_info
from perfcore.records import read_records
from tests.serve.conftest import http_server


def vllm_like(handler: http.server.BaseHTTPRequestHandler) -> None:
    """vLLM's /v1/models and /version answers (their documented shapes)."""
    answers = {"/v1/models": {"object": "list", "data": [
                   {"id": "other", "owned_by": "someone"},
                   {"id": "llama", "object": "model", "owned_by": "vllm"}]},
               "/version": {"version": "0.11.0"},
               # VLLM_SERVER_DEV_MODE=1 only; the config dumped with fallback=str
               "/server_info?config_format=json": {"vllm_config": {"model_config": {
                   "model": "/models/llama", "dtype": "torch.bfloat16"}}}}
    body = json.dumps(answers.get(handler.path, {})).encode()
    handler.send_response(200 if handler.path in answers else 404)
    handler.send_header("content-type", "application/json")
    handler.end_headers()
    handler.wfile.write(body)


def test_server_name_and_version_from_models_and_version_endpoints() -> None:
    with http_server(on_get=vllm_like) as url:
        info = run_coroutine(server_info(url + "/v1", "llama"))
    assert (info["name"], info["version"]) == ("vllm", "0.11.0")
    assert info["root"] is None  # this entry names no root
    assert info["dtype"] == "bf16"  # what the server runs, in the collector's names
    assert info["http_server"].startswith("BaseHTTP")  # the stdlib server's header


def test_without_those_endpoints_the_http_server_header_names_it() -> None:
    with http_server() as url:
        info = run_coroutine(server_info(url, "llama"))
    assert info["name"] == info["http_server"] and info["version"] is None
    assert info["dtype"] is None  # not reported: the record's dtype is only the label


def served_name_server(root: Path) -> tuple:
    """vLLM behind ``--served-model-name tiny``: ``/v1/models`` lists ``tiny`` with the
    weights' path as ``root``; every answer streams two text chunks."""
    def on_get(handler: http.server.BaseHTTPRequestHandler) -> None:
        models = {"object": "list", "data": [{"id": "tiny", "object": "model",
                                              "owned_by": "vllm", "root": str(root)}]}
        handler.send_response(200 if handler.path == "/v1/models" else 404)
        handler.send_header("content-type", "application/json")
        handler.end_headers()
        handler.wfile.write(json.dumps(models).encode())

    def on_post(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        chunk = {"choices": [{"index": 0, "delta": {"content": " fox"}}]}
        finish = {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}
        events = [chunk, chunk, finish]
        handler.wfile.write(b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events)
                            + b"data: [DONE]\n\n")
    return on_post, on_get


def test_a_served_model_name_takes_its_tokenizer_from_the_models_root(tiny_model: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with http_server(*served_name_server(tiny_model)) as url:
        assert main(["run", "--backend", "openai", "--mode", "serve", "--endpoint", url,
                     "--model", "tiny", "--load", "closed", "--concurrency", "1",
                     "--duration", "0.3", "--warmup", "0.1", "--input-length", "8",
                     "--output-length", "2", "--instance-type", "test-vm",
                     "--no-utilization", "--out", str(out)]) == 0
    [record] = read_records(out).records
    assert record["status"] == "ok" and record["tokenizer"] == str(tiny_model)
    assert record["server"]["root"] == str(tiny_model)


RECORD = {"mode": "serve", "status": "ok", "n_failed": 0, "n_requests": 10,
          "input_length": 128, "output_length": 64, "load": "poisson", "offered_rate": 4.0,
          "endpoint": "http://h:8000/v1/chat/completions",
          "server": {"name": "vllm", "version": "0.11.0"}}


def test_tables_take_complete_fixed_length_records_only() -> None:
    assert unpublishable(RECORD) is None
    # failures within the point's --max-failed leave it ok and publishable ...
    assert unpublishable({**RECORD, "n_failed": 2, "max_failed_fraction": 0.3}) is None
    # ... a record from before --max-failed says nothing of their share: left out
    assert unpublishable({**RECORD, "n_failed": 2}) == (
        "2 of 10 requests failed (a record without max_failed_fraction: measure or import it "
        "again)")
    assert "not fixed" in unpublishable({**RECORD, "output_length": "32-64"})
    assert "not fixed" in unpublishable({**RECORD, "input_length": None})


def test_cells_name_the_server_and_the_load() -> None:
    assert served_cells(RECORD) == {"Framework": "vllm 0.11.0", "Batch Size": "",
                                    "Run Mode": "Served, Poisson 4 requests/s"}
    closed = served_cells({**RECORD, "load": "closed", "concurrency": 8})
    assert closed["Run Mode"] == "Served, closed loop, concurrency 8"
    reported = served_cells({**RECORD, "server": {"name": "vllm", "dtype": "bf16"}})
    assert reported["Model Data Type"] == "BF16"  # the server's word over the label
    assert served_cells({**RECORD, "load": "burst", "offered_rate": None})["Run Mode"] == \
        "Served, burst"
    assert source_suffix(RECORD) == " via vllm 0.11.0 at http://h:8000/v1/chat/completions"
