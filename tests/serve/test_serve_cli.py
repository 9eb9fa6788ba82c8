"""``collect run`` options of served benchmarks: usage errors exit 2 with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from collect.cli import main
from collect.serve.options import goodput

BASE = ["run", "--model", "m", "--out", "unused.jsonl"]
SERVE = [*BASE, "--backend", "openai", "--mode", "serve", "--endpoint", "http://127.0.0.1:9"]


@pytest.mark.parametrize(("argv", "message"), [
    ([*BASE, "--backend", "openai"], "--backend openai benchmarks a server: add --mode serve"),
    ([*BASE, "--mode", "serve", "--load", "closed", "--concurrency", "1"],
     "--mode serve needs --backend openai"),
    ([*BASE, "--backend", "openai", "--mode", "serve", "--load", "closed", "--concurrency", "2"],
     "--mode serve needs --endpoint http://HOST:PORT"),
    (SERVE, "--mode serve needs --load poisson --rate R or --load closed --concurrency N"),
    ([*SERVE, "--load", "poisson"], "--mode serve --load poisson needs --rate"),
    ([*SERVE, "--load", "closed", "--concurrency", "1", "--goodput-search"],
     "--goodput-search needs --load poisson and --goodput"),
    ([*SERVE, "--load", "closed"], "--load closed needs --concurrency N"),
    ([*SERVE, "--load", "closed", "--concurrency", "2", "--max-concurrency", "4"],
     "--max-concurrency applies to --load poisson"),
    ([*SERVE, "--load", "poisson", "--slo-ms", "50"], "--slo-ms does not apply to --mode serve"),
    ([*SERVE, "--load", "poisson", "--rate", "1", "--dtypes", "fp32,bf16"],
     "--mode serve: --dtypes names the one data type"),
    ([*BASE, "--endpoint", "http://x", "--ignore-eos"],
     "--endpoint, --ignore-eos apply to --mode serve only"),
    ([*BASE, "--mode", "generate", "--input-length", "8-16"],
     "--mode generate needs fixed --input-length and --output-length"),
])
def test_option_combinations_are_usage_errors(argv: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: collect run") and f"collect run: error: {message}" in err
    assert not Path("unused.jsonl").exists()


@pytest.mark.parametrize("option", [["--goodput", "ttft:abc"], ["--goodput", "latency:5"],
                                    ["--input-length", "9-3"], ["--output-length", "0"]])
def test_malformed_values_are_argparse_errors(option: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*SERVE, "--load", "poisson", "--rate", "1", *option])
    assert exit_info.value.code == 2


def test_goodput_keys_and_vllm_alias() -> None:
    assert goodput("ttft:200, tpot:50,e2el:1000") == {"ttft": 200.0, "tpot": 50.0, "e2e": 1000.0}
