"""Served versus in-process generation on the same tiny model, side by side.

    .venv/bin/python benchmarks/served_vs_generate.py     # about a minute on 2 vCPUs

Builds the registry's ``tiny-gpt2`` architecture (random weights) with the byte-level BPE
tokenizer of tests/serve, serves it with ``transformers serve`` on loopback and runs
``collect run --mode serve --load closed --concurrency 1`` (chat API) and
``collect run --mode generate --model tiny-gpt2 --batch-sizes 1`` with the same input and
output lengths, then prints TTFT, TPOT and output tokens/s of both. The model and the
results files go to --out-dir (kept, so ``collect report`` and ``collect diff`` can use
them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collect.cli import main as collect_main
from collect.models import TINY_GPT2
from perfcore.records import read_records
from tests.serve.conftest import build_tiny_model, start_server

FIELDS = (("ttft_ms_p50", "TTFT P50 (ms)"), ("tpot_ms_p50", "TPOT P50 (ms)"),
          ("itl_ms_p50", "ITL P50 (ms)"), ("e2e_ms_p50", "E2E P50 (ms)"),
          ("output_tokens_per_s", "output tokens/s"))


def run(argv: list[str]) -> dict:
    if collect_main(argv) != 0:
        raise SystemExit(f"collect {' '.join(argv)} failed")
    return read_records(Path(argv[argv.index("--out") + 1])).records[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=Path("/tmp/served_vs_generate"))
    parser.add_argument("--length", type=int, default=32, help="input and output tokens")
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    common = ["--input-length", str(args.length), "--output-length", str(args.length),
              "--duration", str(args.duration), "--instance-type", "dev-vm", "--force"]
    with tempfile.TemporaryDirectory() as folder:
        model = args.out_dir / "tiny-gpt2"  # a stable path: the served model's name
        model.mkdir(exist_ok=True)
        build_tiny_model(model, TINY_GPT2())
        server = start_server(model, Path(folder) / "hf-home", args.out_dir / "serve.log")
        try:
            served = run(["run", "--backend", "openai", "--mode", "serve", "--endpoint",
                          server.url, "--model", str(model), "--load", "closed",
                          "--concurrency", "1", "--out", str(args.out_dir / "served.jsonl"),
                          *common])
        finally:
            server.stop()
    generated = run(["run", "--backend", "cpu", "--mode", "generate", "--model", "tiny-gpt2",
                     "--batch-sizes", "1", "--out", str(args.out_dir / "generate.jsonl"),
                     *common])
    print(f"\n{'':34}{'generate':>12}{'serve':>12}{'serve/generate':>16}")
    for key, label in FIELDS:
        gen, srv = generated.get(key), served.get(key)
        ratio = f"{srv / gen:.2f}" if gen and srv else "n/a"
        cells = [f"{v:12.3f}" if v is not None else f"{'n/a':>12}" for v in (gen, srv)]
        print(f"{label:34}{''.join(cells)}{ratio:>16}")
    print(f"served requests: {served['n_requests']} ({served['n_failed']} failed), "
          f"token counts from {served['token_count_source']}")


if __name__ == "__main__":
    main()
