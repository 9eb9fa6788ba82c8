"""``collect import`` on files the real tools wrote (tests/importers/files/README.md says
how each was produced): every value in the record equals the file's, digit for digit."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from collect.cli import main
from perfcore.records import read_records

FILES = Path(__file__).parent / "files"
AIPERF = FILES / "aiperf-0.13.0-transformers-serve-c2.json"
VLLM = FILES / "vllm-0.32.0-bench-serve-c2-detailed.json"
VLLM_APPENDED = FILES / "vllm-0.32.0-bench-serve-appended.json"
LLMPERF = FILES / "llmperf-tiny-gpt2_48_16_summary.json"
MS_PER = {"aiperf": 0, "vllm": 0, "llmperf": 3}  # the files' time unit, as a power of ten


def run_import(tmp_path: Path, *files: Path, extra: tuple[str, ...] = ()) -> list[dict]:
    out = tmp_path / "imported.jsonl"
    assert main(["import", *map(str, files), "--instance-type", "2 vCPU AMD EPYC VM",
                 "--out", str(out), *extra]) == 0
    return read_records(out).records


def tool_value(document: dict, name: str) -> object:
    """The value a tool's metric name (``time_to_first_token.p50``) points at."""
    value: object = document
    for key in name.split("."):
        value = value[key]  # type: ignore[index]
    return value


def assert_values_are_the_files(record: dict, document: dict) -> None:
    fmt = record["imported"]["format"]
    assert record["imported"]["fields"], "no value imported"
    for record_field, name in record["imported"]["fields"].items():
        if name.endswith("(absent: 0, as AIPerf counts)"):
            assert name.split()[0] not in document and record[record_field] == 0
            continue
        file_value = tool_value(document, name)
        if record_field == "failed_fraction":  # a percentage in the file, a share here
            assert record[record_field] == float(Decimal(repr(float(file_value))).scaleb(-2))
        elif record_field.split("_ms_")[0] in ("ttft", "ttft_answer", "ttst", "tpot", "itl",
                                               "text_itl", "e2e", "latency_per_token") \
                and "_ms_" in record_field:
            # the file's decimal digits, shifted: the double nearest to them (a double holds
            # 15-17 digits; 0.0070034611544308656 s is 7.003461154430866 ms)
            expected = Decimal(repr(float(file_value))).scaleb(MS_PER[fmt])
            assert record[record_field] == float(expected), (record_field, name)
        elif isinstance(file_value, float) and file_value.is_integer() \
                and isinstance(record[record_field], int):
            assert record[record_field] == int(file_value), (record_field, name)
        else:
            assert record[record_field] == file_value, (record_field, name)
            assert repr(record[record_field]) == repr(file_value), (record_field, name)


def test_an_aiperf_export_becomes_a_served_record_with_the_files_values(tmp_path: Path) -> None:
    [record] = run_import(tmp_path, AIPERF, extra=("--model", "tiny-gpt2"))
    document = json.loads(AIPERF.read_text(encoding="utf-8"))
    assert_values_are_the_files(record, document)
    assert (record["mode"], record["backend"], record["status"]) == ("serve", "openai", "ok")
    assert (record["load"], record["concurrency"], record["api"]) == ("closed", 2, "chat")
    assert (record["input_length"], record["output_length"]) == (16, 8)
    assert record["model"] == "tiny-gpt2" and record["env"]["instance_type"] == \
        "2 vCPU AMD EPYC VM"
    imported = record["imported"]
    assert (imported["tool"], imported["version"], imported["format"]) == \
        ("AIPerf", "0.13.0", "aiperf")
    assert imported["file"] == AIPERF.as_posix() and len(imported["sha256"]) == 64
    # the definitions as docs/importing.rst maps them
    assert imported["fields"]["tpot_ms_p50"] == "inter_token_latency.p50"
    assert imported["fields"]["text_itl_ms_p50"] == "inter_chunk_latency.p50"
    assert imported["fields"]["e2e_ms_p99"] == "request_latency.p99"
    assert record.get("itl_ms_p50") is None  # AIPerf has no gap over every choices chunk
    # the metrics users expect, as AIPerf wrote them
    assert imported["fields"]["ttst_ms_p50"] == "time_to_second_token.p50"
    assert imported["fields"]["ttft_answer_ms_p99"] == "time_to_first_output_token.p99"
    assert imported["fields"]["ttft_ms_min"] == "time_to_first_token.min"
    assert imported["fields"]["e2e_ms_std"] == "request_latency.std"
    assert record["per_user_output_tokens_per_s_p50"] == \
        document["output_token_throughput_per_user"]["p50"]
    assert record["per_user_output_tokens_per_s_min"] == \
        document["output_token_throughput_per_user"]["min"]
    assert record["input_tokens_per_s"] == document["input_token_throughput"]["avg"]
    assert record["effective_concurrency"] == document["effective_concurrency"]["avg"]
    assert record["failed_fraction"] == 0.0 and record["max_failed_fraction"] == 0.01
    # what AIPerf does not write stays empty (its HTTP chunk count is not content chunks)
    assert record["ttft_reasoning_ms_p50"] is None and record["chunks_per_request_p50"] is None
    assert record["ttft_ms_p50"] == document["time_to_first_token"]["p50"]
    assert record["source"] == f"imported AIPerf 0.13.0 result ({AIPERF.as_posix()})"


def test_a_vllm_result_becomes_a_served_record_with_the_files_values(tmp_path: Path) -> None:
    [record] = run_import(tmp_path, VLLM)
    document = json.loads(VLLM.read_text(encoding="utf-8"))
    assert_values_are_the_files(record, document)
    assert record["imported"]["tool"] == "vllm bench serve"
    assert record["imported"]["fields"]["itl_ms_p50"] == "p50_itl_ms"
    assert record["imported"]["fields"]["e2e_ms_mean"] == "mean_e2el_ms"
    assert (record["load"], record["concurrency"]) == ("closed", document["max_concurrency"])
    assert record["model"] == document["model_id"]
    assert record["imported"]["version"] == "0.32.0"  # --metadata vllm_version=0.32.0
    # --save-detailed lists every request's lengths: all 32 in, 16 out
    assert (record["input_length"], record["output_length"]) == (32, 16)
    assert record["ttft_ms_std"] == document["std_ttft_ms"]
    # vLLM writes no minimum, time to second token, per-user rate or failed share
    assert record["ttft_ms_min"] is None and record["ttst_ms_p50"] is None
    assert record["per_user_output_tokens_per_s_p50"] is None
    assert record["failed_fraction"] is None and record["effective_concurrency"] is None


def test_an_appended_vllm_file_gives_one_record_per_run(tmp_path: Path) -> None:
    records = run_import(tmp_path, VLLM_APPENDED)
    text = VLLM_APPENDED.read_text(encoding="utf-8")
    documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert len(records) == len(documents) == 2
    for index, (record, document) in enumerate(zip(records, documents, strict=True)):
        assert_values_are_the_files(record, document)
        assert record["imported"]["document"] == index
        assert record["concurrency"] == document["max_concurrency"]
        assert record["imported"]["version"] is None  # vLLM's file does not say
        assert record["source"].startswith("imported vllm bench serve (version not stated)")
        # not asked for (--percentile-metrics default) and not in the file: empty
        assert record["e2e_ms_p50"] is None and record["ttft_ms_p90"] is None
        # without --save-detailed the file has no lengths
        assert (record["input_length"], record["output_length"]) == (None, None)
        assert record["ttft_ms_p50"] == document["median_ttft_ms"]
        assert record["imported"]["fields"]["ttft_ms_p50"] == "median_ttft_ms"


def test_an_llmperf_summary_becomes_a_served_record_in_milliseconds(tmp_path: Path) -> None:
    [record] = run_import(tmp_path, LLMPERF)
    document = json.loads(LLMPERF.read_text(encoding="utf-8"))
    assert_values_are_the_files(record, document)  # seconds shifted to ms, digit for digit
    assert record["ttft_ms_p50"] == 26.293077999980596  # "..._ttft_s_quantiles_p50": 0.0262...
    fields = record["imported"]["fields"]
    # LLMPerf's inter-token latency counts TTFT in: it is latency per token, not TPOT
    assert fields["latency_per_token_ms_p50"] == "results_inter_token_latency_s_quantiles_p50"
    assert record["tpot_ms_p50"] is None and record["itl_ms_p50"] is None
    assert "ttft_ms_std" not in fields  # pandas' sample std is not the record's
    assert record["request_throughput"] is None  # per minute in the file; not divided
    assert (record["load"], record["concurrency"], record["model"]) == ("closed", 2, "tiny-gpt2")
    assert (record["input_length"], record["output_length"]) == (48, None)  # 16..19 out
    assert (record["imported"]["tool"], record["imported"]["version"]) == \
        ("LLMPerf", "2023-08-31")
    assert (record["n_requests"], record["n_completed"], record["n_failed"]) == (8, 8, 0)


def test_a_file_without_the_model_name_needs_model(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(AIPERF.read_text(encoding="utf-8"))
    del document["input_config"]["models"]
    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps(document, indent=2), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["import", str(nameless), "--instance-type", "x", "--out", str(out)]) == 1
    assert "does not name the model; pass --model" in capsys.readouterr().err
    assert not out.exists()


def test_a_truncated_file_is_one_located_error_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = AIPERF.read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2], encoding="utf-8")
    out = tmp_path / "out.jsonl"
    argv = ["import", str(AIPERF), str(truncated), "--instance-type", "x", "--out", str(out)]
    assert main(argv) == 1
    error = capsys.readouterr().err.strip()
    lines = truncated.read_text(encoding="utf-8").count("\n") + 1
    assert error == f"error: {truncated}:{lines}: the file ends inside a JSON value (truncated?)"
    assert not out.exists()  # not even the first, good file's record


def test_malformed_json_and_a_wrong_value_name_their_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = AIPERF.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.json"
    at = next(i for i, line in enumerate(lines) if '"request_latency"' in line)
    bad.write_text("\n".join([*lines[:at + 3], "    ,,", *lines[at + 3:]]), encoding="utf-8")
    assert main(["import", str(bad), "--instance-type", "x", "--out",
                 str(tmp_path / "o.jsonl")]) == 1
    assert capsys.readouterr().err.startswith(f"error: {bad}:{at + 4}: invalid JSON (")
    document = json.loads(AIPERF.read_text(encoding="utf-8"))
    document["time_to_first_token"]["p50"] = "fast"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(document, indent=2), encoding="utf-8")
    assert main(["import", str(wrong), "--instance-type", "x", "--out",
                 str(tmp_path / "o.jsonl")]) == 1
    text = wrong.read_text(encoding="utf-8").splitlines()
    ttft = next(i for i, line in enumerate(text) if '"time_to_first_token"' in line)
    p50 = next(i for i, line in enumerate(text) if i > ttft and '"p50"' in line) + 1
    assert capsys.readouterr().err.strip() == (
        f'error: {wrong}:{p50}: time_to_first_token.p50 must be a number, got "fast"')
    assert not (tmp_path / "o.jsonl").exists()


def test_an_unknown_file_asks_for_format_and_format_overrides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}\n', encoding="utf-8")
    assert main(["import", str(other), "--instance-type", "x", "--out",
                 str(tmp_path / "o.jsonl")]) == 1
    assert "cannot tell which tool wrote this" in capsys.readouterr().err
    copy = tmp_path / "export.json"
    shutil.copy(AIPERF, copy)
    [record] = run_import(tmp_path, copy, extra=("--format", "aiperf"))
    assert record["imported"]["format"] == "aiperf"
    assert main(["import", str(copy), "--instance-type", "x", "--format", "llmperf",
                 "--model", "m", "--out", str(tmp_path / "p.jsonl")]) == 1
    assert f"{copy}:1: no LLMPerf latency found; is this a llmperf file?" \
        in capsys.readouterr().err


def test_an_existing_results_file_needs_append_or_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_import(tmp_path, AIPERF)
    out = tmp_path / "imported.jsonl"
    assert main(["import", str(AIPERF), "--instance-type", "x", "--out", str(out)]) == 1
    assert "already exists; pass --append" in capsys.readouterr().err
    assert main(["import", str(AIPERF), "--instance-type", "x", "--out", str(out),
                 "--append"]) == 0
    assert len(read_records(out).records) == 2
    assert main(["import", str(AIPERF), "--instance-type", "x", "--out", str(out),
                 "--force"]) == 0
    assert len(read_records(out).records) == 1
