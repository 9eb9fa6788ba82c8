"""Transcribe the seed documents' measurement tables into results JSONL (schema v1).

Run once from the repository root:  python data/raw/seeds/transcribe.py ../shared/seeds
It parses the Markdown tables of seeds 000, 001, 003 and 004 as written; nothing is estimated.
Fields a seed does not state are null, and ``notes`` says what was read how.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
INF2_UNSTATED = "inf2 (size not stated)"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
NEURON_VENV = "/opt/aws_neuronx_venv_pytorch_2_7_transformers"


def markdown_rows(text: str, header_startswith: str) -> list[list[str]]:
    """Cells of the Markdown table whose header row starts with ``header_startswith``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_startswith))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in UNESCAPED_PIPE.split(line.strip().strip("|"))])
    return rows


def number(cell: str) -> float:
    return float(cell.replace("\\", "").replace("*", "").replace(",", ""))


def base_record(seed: str, **fields: object) -> dict:
    record = {
        "schema_version": 1,
        "run_id": f"seed-{seed}",
        "status": "ok",
        "reason": None,
        "source": f"seed {seed}",
        "mode": "offline",
    }
    record.update(fields)
    return record


def neuron_env(seed: str) -> dict:
    return {
        "instance_type": INF2_UNSTATED,
        "neuron": {"venv": NEURON_VENV},
        "torch": None,
        "run_id": f"seed-{seed}",
        "notes": (
            "the seed names the Neuron venv (PyTorch 2.7) but not the SDK release "
            "or instance size"
        ),
    }


def offline_sweep(seed: str, text: str, sequence_length: int | None, notes: str) -> list[dict]:
    """Seeds 000 and 001: one offline bert-base configuration per table row."""
    records = []
    for cells in markdown_rows(text, "| Filename"):
        _, batch, batches, inferences, threads, models, duration, tput, p50, p95, p99 = cells
        records.append(
            base_record(
                seed,
                model="bert-base",
                backend="neuron",
                batch_size=int(batch),
                n_models=int(models),
                workers_per_model=int(threads) // int(models),
                sequence_length=sequence_length,
                dtype=None,
                n_batches=int(batches),
                n_inferences=int(inferences),
                duration_s=number(duration),
                throughput_avg=number(tput),
                throughput_peak=None,
                latency_ms_p50=number(p50),
                latency_ms_p90=None,
                latency_ms_p95=number(p95),
                latency_ms_p99=number(p99),
                stable=None,
                notes=notes,
                env=neuron_env(seed),
            )
        )
    return records


def seed_000(text: str) -> list[dict]:
    return offline_sweep(
        "000", text, 512,
        "one batch per configuration, so the percentiles are that batch's latency; "
        "sequence length 512 as stated in the seed's sweet-spot notes; latency in ms "
        "(256 / 361.4 inf/s = 708 ms, the P50 shown)",
    )


def seed_001(text: str) -> list[dict]:
    return offline_sweep(
        "001", text, None,
        "the seed labels P50/P95/P99 in seconds, but 12 threads x batch 1 at 12,650 "
        "inferences/s is 0.95 ms per request: the values are milliseconds and are "
        "recorded as such; sequence length not stated",
    )


ENGINES_003 = [("HF", "fp32"), ("HF", "bf16"), ("HF", "int8"), ("DS-inference", "fp16")]


def seed_003(text: str) -> list[dict]:
    throughput_rows = markdown_rows(text, "| batch_size |    HF")
    latency_rows = markdown_rows(text, "| batch_size | HF (fp32)")
    latency_by_batch = {int(r[0]): r[1:] for r in latency_rows}
    records = []
    for cells in throughput_rows:
        batch = int(cells[0])
        # The DS-inference column is written "61.61 | 16.23", which splits into two cells.
        values = cells[1:]
        if len(values) == 5:
            values = [*values[:3], f"{values[3]} | {values[4]}"]
        for (engine, dtype), tput_cell, latency_cell in zip(
            ENGINES_003, values, latency_by_batch[batch], strict=True
        ):
            record = base_record(
                "003",
                model="bloom (hidden 2048, 16 heads, 24 layers)",
                backend="cuda",
                engine=engine,
                mode="generate",
                batch_size=batch,
                dtype=dtype,
                input_length=None,
                output_length=None,
                env={"instance_type": "A100 80GB (host not stated)", "cuda": "A100 80GB",
                     "run_id": "seed-003"},
                notes=(
                    "bigcode-inference-benchmark table: tokens/sec | msec/token, "
                    "latency in seconds"
                ),
            )
            cell = tput_cell.replace("\\", "").strip()
            if not cell:
                record.update(status="skipped", reason="not measured (empty cell in the seed)")
            elif cell == "oom":
                record.update(status="oom", reason="oom (as reported by the seed)")
            else:
                tokens_per_s, ms_per_token = (number(x) for x in cell.split("|"))
                record.update(
                    tokens_per_s=tokens_per_s,
                    ms_per_token=ms_per_token,
                    e2e_s=number(latency_cell),
                )
            records.append(record)
    return records


def seed_004(text: str) -> list[dict]:
    def metric_table(title: str) -> dict[str, float]:
        section = text.split(title, 1)[1]
        return {row[0]: number(row[1]) for row in markdown_rows(section, "| Metric")}

    latency = metric_table("#### Latency (ms)")
    throughput = metric_table("#### Throughput (pairs/s)")
    record = base_record(
        "004",
        model="cross-encoder/ms-marco-MiniLM-L-6-v2",
        backend="mps",
        compiled=True,
        batch_size=32,
        n_models=1,
        workers_per_model=1,
        concurrency=1,
        dtype=None,
        n_inferences=3200,
        duration_s=19.40,
        throughput_avg=throughput["Average"],
        throughput_peak=throughput["Max"],
        latency_ms_p50=latency["P50"],
        latency_ms_p90=latency["P90"],
        latency_ms_p95=latency["P95"],
        latency_ms_p99=latency["P99"],
        latency_ms_mean=latency["Average"],
        latency_ms_std=latency["Std Dev"],
        latency_ms_min=latency["Min"],
        latency_ms_max=latency["Max"],
        tokenize_ms_mean=13.4,
        stable=False,
        started_at="2025-12-26T02:18:26",
        notes=(
            "pairs per second; torch.compile (inductor) on MPS; the first batches include "
            "compilation (3,590 ms), which the seed did not exclude as warm-up"
        ),
        env={"instance_type": "Apple MPS (host not stated)", "run_id": "seed-004"},
    )
    return [record]


def main(seed_dir: Path) -> None:
    transcribers = {"000": seed_000, "001": seed_001, "003": seed_003, "004": seed_004}
    for seed, transcribe in transcribers.items():
        (path,) = seed_dir.glob(f"{seed}_*.txt")
        records = transcribe(path.read_text())
        out = OUT_DIR / f"seed-{seed}.jsonl"
        out.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
        print(f"{out.name}: {len(records)} records from {path.name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
