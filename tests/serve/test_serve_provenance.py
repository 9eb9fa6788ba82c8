"""Where a served record says it came from, and which served records a table takes."""

from __future__ import annotations

import http.server
import json

from collect.publish.served import served_cells, source_suffix, unpublishable
from collect.serve.client import run_coroutine, server_info
from tests.serve.conftest import http_server


def vllm_like(handler: http.server.BaseHTTPRequestHandler) -> None:
    """vLLM's /v1/models and /version answers (their documented shapes)."""
    answers = {"/v1/models": {"object": "list", "data": [
                   {"id": "other", "owned_by": "someone"},
                   {"id": "llama", "object": "model", "owned_by": "vllm"}]},
               "/version": {"version": "0.11.0"}}
    body = json.dumps(answers.get(handler.path, {})).encode()
    handler.send_response(200 if handler.path in answers else 404)
    handler.send_header("content-type", "application/json")
    handler.end_headers()
    handler.wfile.write(body)


def test_server_name_and_version_from_models_and_version_endpoints() -> None:
    with http_server(on_get=vllm_like) as url:
        info = run_coroutine(server_info(url + "/v1", "llama"))
    assert (info["name"], info["version"]) == ("vllm", "0.11.0")
    assert info["http_server"].startswith("BaseHTTP")  # the stdlib server's header


def test_without_those_endpoints_the_http_server_header_names_it() -> None:
    with http_server() as url:
        info = run_coroutine(server_info(url, "llama"))
    assert info["name"] == info["http_server"] and info["version"] is None


RECORD = {"mode": "serve", "status": "ok", "n_failed": 0, "n_requests": 10,
          "input_length": 128, "output_length": 64, "load": "poisson", "offered_rate": 4.0,
          "endpoint": "http://h:8000/v1/chat/completions",
          "server": {"name": "vllm", "version": "0.11.0"}}


def test_tables_take_complete_fixed_length_records_only() -> None:
    assert unpublishable(RECORD) is None
    assert unpublishable({**RECORD, "n_failed": 2}) == "2 of 10 requests failed"
    assert "not fixed" in unpublishable({**RECORD, "output_length": "32-64"})
    assert "not fixed" in unpublishable({**RECORD, "input_length": None})


def test_cells_name_the_server_and_the_load() -> None:
    assert served_cells(RECORD) == {"Framework": "vllm 0.11.0", "Batch Size": "",
                                    "Run Mode": "Served, Poisson 4 requests/s"}
    closed = served_cells({**RECORD, "load": "closed", "concurrency": 8})
    assert closed["Run Mode"] == "Served, closed loop, concurrency 8"
    assert source_suffix(RECORD) == " via vllm 0.11.0 at http://h:8000/v1/chat/completions"
