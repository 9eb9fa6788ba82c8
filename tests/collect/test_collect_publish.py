import csv
import json
import multiprocessing
import os
from pathlib import Path

import pytest

from collect.publish.cells import format_value
from collect.publish.tables import (
    COLUMNS,
    KEY_COLUMNS,
    Located,
    PublishOptions,
    platform_of,
    publish,
    select,
)
from perfcore.csvstore import upsert_csv
from perfcore.errors import DataFileError, UserError

RUN_OLD = "20261101T000000Z-aaaaaa"
RUN_NEW = "20261122T000000Z-bbbbbb"


def rec(batch: int, throughput: float, p50: float, *, run_id: str = RUN_OLD,
        status: str = "ok", stable: bool = True, model: str = "bert-base-uncased",
        instance: str = "inf2.xlarge", backend: str = "neuron") -> dict:
    """A results record written by hand as a test input (not published data)."""
    return {
        "schema_version": 1, "run_id": run_id, "config_id": f"{model}-{batch}",
        "status": status, "reason": None if status == "ok" else "RuntimeError: out of memory",
        "source": "collect run", "model": model, "backend": backend, "mode": "offline",
        "batch_size": batch, "n_models": 1, "workers_per_model": 1, "sequence_length": 128,
        "dtype": "fp32", "throughput_avg": throughput if status == "ok" else None,
        "latency_ms_p50": p50 if status == "ok" else None,
        "latency_ms_p95": p50 * 1.1 if status == "ok" else None,
        "latency_ms_p99": p50 * 1.2 if status == "ok" else None,
        "stable": stable, "stability": {"window_spread": 0.02 if stable else 0.3},
        "env": {"instance_type": instance, "torch": "2.13.0+cpu", "neuron": None,
                "os": "Debian GNU/Linux 12 (bookworm)"},
    }


def write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def located(records):
    return [Located(r, Path("r.jsonl"), i + 1) for i, r in enumerate(records)]


def test_throughput_row_is_lowest_latency_near_peak():
    group = located([rec(1, 300.0, 3.0), rec(8, 342.0, 22.6), rec(16, 347.6, 45.2),
                     rec(32, 352.7, 89.9), rec(64, 357.5, 178.2)])
    throughput, latency = select(group, 0.95)
    assert throughput.record["batch_size"] == 8  # 342 >= 0.95 * 357.5 with the lowest P50
    assert latency.record["batch_size"] == 1
    assert select(group, 1.0)[0].record["batch_size"] == 64


def test_threshold_must_be_a_fraction():
    with pytest.raises(UserError, match=r"--threshold must be within \(0, 1\], got 1.5"):
        select(located([rec(1, 1.0, 1.0)]), 1.5)


def test_format_keeps_small_values():
    assert format_value(12649.5721, 2) == "12649.57"
    assert format_value(0.939, 3) == "0.939"
    assert format_value(0.0834, 2) == "0.0834"
    assert format_value(0.000123456, 3) == "0.000123"
    assert format_value(None, 2) == ""
    assert format_value(0.0, 2) == "0.00"


def test_platform_from_instance_and_backend():
    assert platform_of("neuron", "trn1n.32xlarge", None) == "trn1"
    assert platform_of("neuron", "inf2.xlarge", None) == "inf2"
    assert platform_of("neuron", "inf2 (size not stated)", None) == "inf2"
    assert platform_of("cpu", "inf2.xlarge", None) == "cpu"
    assert platform_of("cuda", "g5.xlarge", None) == "gpu"
    assert platform_of("cuda", "g5.xlarge", "a10g") == "a10g"


def test_publish_writes_both_tables_and_is_idempotent(tmp_path, capsys):
    results = write(tmp_path / "r.jsonl", [rec(1, 300.0, 3.0), rec(8, 342.0, 22.6),
                                           rec(64, 357.5, 178.2)])
    options = PublishOptions([results], data_dir=tmp_path / "data")
    report = publish(options)
    throughput_csv = tmp_path / "data/inf2/throughput_data_encoder.csv"
    latency_csv = tmp_path / "data/inf2/latency_data_encoder.csv"
    assert [r["Batch Size"] for r in rows(throughput_csv)] == ["8"]
    assert [r["Batch Size"] for r in rows(latency_csv)] == ["1"]
    row = rows(throughput_csv)[0]
    assert row["Throughput (inference/sec)"] == "342.00"
    assert row["Latency P50 (ms)"] == "22.600"
    assert row["Application Type"] == "Batch"
    assert row["Framework"] == "PyTorch 2.13.0"
    assert row["Source"] == f"collect run {RUN_OLD} ({results.as_posix()})"
    assert row["Run ID"] == RUN_OLD
    assert list(row) == list(COLUMNS)
    assert any("1 added" in line for line in report.lines)
    before = throughput_csv.read_bytes()
    again = publish(options)
    assert throughput_csv.read_bytes() == before
    assert all(not c.changed for c in again.changes.values())
    assert any("0 added, 0 replaced, 1 unchanged" in line for line in again.lines)


def test_newer_run_replaces_and_older_run_does_not(tmp_path):
    data = tmp_path / "data"
    old = write(tmp_path / "old.jsonl", [rec(4, 100.0, 10.0, run_id=RUN_OLD)])
    new = write(tmp_path / "new.jsonl", [rec(4, 120.0, 9.0, run_id=RUN_NEW)])
    publish(PublishOptions([old], data_dir=data))
    report = publish(PublishOptions([new], data_dir=data))
    csv_path = data / "inf2/throughput_data_encoder.csv"
    assert [r["Throughput (inference/sec)"] for r in rows(csv_path)] == ["120.00"]
    assert "1 replaced" in report.lines[-1] or "1 replaced" in report.lines[-2]
    report = publish(PublishOptions([old], data_dir=data))
    assert [r["Run ID"] for r in rows(csv_path)] == [RUN_NEW]
    assert any("kept (the CSV has a newer run)" in line for line in report.lines)


def test_rows_it_does_not_own_stay_byte_for_byte(tmp_path):
    data = tmp_path / "data"
    csv_path = data / "inf2/throughput_data_encoder.csv"
    csv_path.parent.mkdir(parents=True)
    header = ",".join(f'"{c}"' if "," in c else c for c in COLUMNS[:17]) + ",Notes\n"
    seed_row = ('"bert-large-uncased","",PyTorch 2.1,inf2 (size not stated),Raw,'
                '"12,649.572",0.939,0.990,Batch,2.20,Data Parallel,1,128,FP32,,U22,'
                'seed 001,"kept ""as is"""\n')
    csv_path.write_text(header + seed_row)
    results = write(tmp_path / "r.jsonl", [rec(4, 100.0, 10.0)])
    publish(PublishOptions([results], data_dir=data))
    text = csv_path.read_text()
    lines = text.splitlines(keepends=True)
    # New columns were added, so the header is rewritten; the seed row keeps its values.
    assert lines[0].startswith("Model,Scripts,") and lines[0].rstrip().endswith(
        "Notes,Run ID,Latency P95 (ms),Workers per Model,Model Copies")
    seed = rows(csv_path)[0]
    assert seed["Throughput (inference/sec)"] == "12,649.572"
    assert seed["Neuron Version"] == "2.20"
    assert seed["Notes"] == 'kept "as is"'
    # Publishing again (header now complete) leaves the seed row's bytes alone.
    after_first = text
    newer = write(tmp_path / "n.jsonl", [rec(4, 110.0, 9.0, run_id=RUN_NEW)])
    publish(PublishOptions([newer], data_dir=data))
    assert csv_path.read_text().splitlines()[1] == after_first.splitlines()[1]


def test_hand_added_script_link_survives_republish(tmp_path):
    data = tmp_path / "data"
    publish(PublishOptions([write(tmp_path / "a.jsonl", [rec(4, 100.0, 10.0)])], data_dir=data))
    csv_path = data / "inf2/throughput_data_encoder.csv"
    table = rows(csv_path)
    table[0]["Scripts"] = ":benchmark-pt:`bert.py`"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    newer = write(tmp_path / "b.jsonl", [rec(4, 120.0, 9.0, run_id=RUN_NEW)])
    publish(PublishOptions([newer], data_dir=data))
    assert rows(csv_path)[0]["Scripts"] == ":benchmark-pt:`bert.py`"
    assert rows(csv_path)[0]["Throughput (inference/sec)"] == "120.00"


def test_refuses_failed_unless_allowed(tmp_path):
    results = write(tmp_path / "r.jsonl", [rec(1, 300.0, 3.0), rec(8, 0, 0, status="oom")])
    with pytest.raises(UserError) as error:
        publish(PublishOptions([results], data_dir=tmp_path / "data"))
    assert str(error.value) == (
        "refusing to publish: 1 configuration(s) did not finish ok: bert-base-uncased batch 8 "
        f"seq 128 copies 1 workers 1 ({results}:2): oom: RuntimeError: out of memory; "
        "pass --allow-failed to publish the others")
    assert not (tmp_path / "data").exists()
    publish(PublishOptions([results], data_dir=tmp_path / "data", allow_failed=True))
    assert rows(tmp_path / "data/inf2/throughput_data_encoder.csv")[0]["Batch Size"] == "1"


def test_refuses_unstable_unless_allowed(tmp_path):
    results = write(tmp_path / "r.jsonl", [rec(1, 300.0, 3.0, stable=False)])
    with pytest.raises(UserError, match=r"1 configuration\(s\) are unstable.*spread 0.3; "
                       r"pass --allow-unstable"):
        publish(PublishOptions([results], data_dir=tmp_path / "data"))
    publish(PublishOptions([results], data_dir=tmp_path / "data", allow_unstable=True))


def test_unknown_instance_needs_an_instance_type(tmp_path):
    results = write(tmp_path / "r.jsonl", [rec(1, 30.0, 3.0, instance="unknown", backend="cpu")])
    with pytest.raises(UserError, match=r"r.jsonl:1: the instance type is unknown"):
        publish(PublishOptions([results], data_dir=tmp_path / "data"))
    publish(PublishOptions([results], data_dir=tmp_path / "data", instance_type="c7i.xlarge"))
    assert rows(tmp_path / "data/cpu/latency_data_encoder.csv")[0]["Inst. Type"] == "c7i.xlarge"


def test_malformed_csv_row_is_an_error_with_line(tmp_path):
    csv_path = tmp_path / "data/inf2/throughput_data_encoder.csv"
    csv_path.parent.mkdir(parents=True)
    csv_path.write_text(",".join(COLUMNS) + "\na,b\n")
    results = write(tmp_path / "r.jsonl", [rec(1, 30.0, 3.0)])
    with pytest.raises(UserError, match=rf"^{csv_path}:2: expected {len(COLUMNS)} fields"):
        publish(PublishOptions([results], data_dir=tmp_path / "data"))


def _publish_rows(path: str, model: str, count: int) -> None:
    for index in range(count):
        row = dict.fromkeys(COLUMNS, "")
        row.update({"Model": f"{model}-{index}", "Inst. Type": "inf2.xlarge",
                    "Sequence Length": "128", "Model Data Type": "FP32"})
        upsert_csv(Path(path), [row], COLUMNS, KEY_COLUMNS)


def test_concurrent_publishers_lose_no_rows(tmp_path):
    path = tmp_path / "t.csv"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_publish_rows, args=(str(path), name, 15))
               for name in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert all(worker.exitcode == 0 for worker in workers)
    assert len(rows(path)) == 30
    assert not list(tmp_path.glob("*.tmp"))


def test_seed_transcriptions_keep_their_source(tmp_path):
    seed = {**rec(4, 17584.681, 2.723), "source": "seed 001"}
    results = write(tmp_path / "seed.jsonl", [seed])
    publish(PublishOptions([results], data_dir=tmp_path / "data"))
    assert rows(tmp_path / "data/inf2/throughput_data_encoder.csv")[0]["Source"] == "seed 001"


def test_a_configuration_measured_twice_counts_once_with_its_latest_run(tmp_path):
    old = write(tmp_path / "a.jsonl", [rec(4, 100.0, 10.0, run_id=RUN_OLD)])
    new = write(tmp_path / "b.jsonl", [rec(4, 90.0, 12.0, run_id=RUN_NEW)])
    publish(PublishOptions([new, old], data_dir=tmp_path / "data"))
    row = rows(tmp_path / "data/inf2/latency_data_encoder.csv")[0]
    assert (row["Run ID"], row["Latency P50 (ms)"]) == (RUN_NEW, "12.000")


def transcribed(batch: int, throughput: float, p50: float) -> dict:
    """A seed-style record: no config_id, stability not recorded (test input)."""
    record = {**rec(batch, throughput, p50), "source": "seed 000", "stable": None}
    del record["config_id"], record["stability"]
    return record


def test_transcribed_records_without_config_id_are_not_merged(tmp_path):
    # seed 000 policy: the throughput row is the lowest latency within 95% of the peak
    results = write(tmp_path / "seed.jsonl", [
        transcribed(256, 361.378, 707.116), transcribed(16, 347.588, 45.187),
        transcribed(4, 308.274, 12.399),
    ])
    publish(PublishOptions([results], data_dir=tmp_path / "data", allow_unstable=True))
    assert rows(tmp_path / "data/inf2/throughput_data_encoder.csv")[0]["Batch Size"] == "16"
    assert rows(tmp_path / "data/inf2/latency_data_encoder.csv")[0]["Batch Size"] == "4"


def test_unrecorded_stability_is_named_as_such(tmp_path):
    results = write(tmp_path / "seed.jsonl", [transcribed(4, 308.274, 12.399)])
    with pytest.raises(UserError, match=r"stability not recorded \(the source measured no "
                       r"throughput windows\); pass --allow-unstable"):
        publish(PublishOptions([results], data_dir=tmp_path / "data"))


def test_what_a_transcribed_source_does_not_state_says_so(tmp_path):
    seed = transcribed(4, 308.274, 12.399)
    seed.update(sequence_length=None, dtype=None)
    results = write(tmp_path / "seed.jsonl", [seed])
    publish(PublishOptions([results], data_dir=tmp_path / "data", allow_unstable=True))
    row = rows(tmp_path / "data/inf2/latency_data_encoder.csv")[0]
    assert (row["Sequence Length"], row["Model Data Type"]) == ("not stated", "not stated")


def test_a_decimal_comma_in_the_csv_is_a_located_error_not_a_tenfold_number(tmp_path):
    csv_path = tmp_path / "data/inf2/throughput_data_encoder.csv"
    csv_path.parent.mkdir(parents=True)
    row = dict.fromkeys(COLUMNS, "")
    row.update({"Model": "x", "Throughput (inference/sec)": "812,5"})
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    results = write(tmp_path / "r.jsonl", [rec(1, 30.0, 3.0)])
    with pytest.raises(DataFileError, match=rf"^{csv_path}:2: column 'Throughput "
                                            r"\(inference/sec\)': '812,5' is not a number"):
        publish(PublishOptions([results], data_dir=tmp_path / "data"))


def test_two_parallelism_settings_of_one_model_are_two_rows(tmp_path):
    data = tmp_path / "data"
    one_copy = write(tmp_path / "a.jsonl", [rec(4, 100.0, 10.0)])
    two_copies = write(tmp_path / "b.jsonl", [
        {**rec(4, 180.0, 11.0, run_id=RUN_NEW), "n_models": 2, "config_id": "two"}])
    publish(PublishOptions([one_copy], data_dir=data))
    publish(PublishOptions([two_copies], data_dir=data))
    table = rows(data / "inf2/throughput_data_encoder.csv")
    assert [(r["Model Copies"], r["Run Mode"], r["Throughput (inference/sec)"])
            for r in table] == [("1", "Single Copy", "100.00"), ("2", "Data Parallel", "180.00")]
    assert KEY_COLUMNS == ("Model", "Inst. Type", "Sequence Length", "Model Data Type",
                           "Workers per Model", "Model Copies")


def test_a_csv_from_before_the_parallelism_key_is_still_upserted(tmp_path):
    """A CSV without Workers per Model / Model Copies reads them as 1: the row is replaced."""
    old_columns = [name for name in COLUMNS if name not in ("Workers per Model", "Model Copies")]
    csv_path = tmp_path / "data/inf2/throughput_data_encoder.csv"
    csv_path.parent.mkdir(parents=True)
    old_row = dict.fromkeys(old_columns, "")
    old_row.update({"Model": "bert-base-uncased", "Inst. Type": "inf2.xlarge",
                    "Sequence Length": "128", "Model Data Type": "FP32", "Run ID": RUN_OLD,
                    "Throughput (inference/sec)": "90.00"})
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, old_columns)
        writer.writeheader()
        writer.writerow(old_row)
    results = write(tmp_path / "r.jsonl", [rec(4, 120.0, 9.0, run_id=RUN_NEW)])
    report = publish(PublishOptions([results], data_dir=tmp_path / "data"))
    assert [(r["Throughput (inference/sec)"], r["Model Copies"]) for r in rows(csv_path)] == [
        ("120.00", "1")]
    assert report.changes[csv_path].replaced and not report.changes[csv_path].added


def test_published_and_sweep_csvs_are_0644_whatever_the_umask(tmp_path):
    from collect.publish.sweep_csv import SweepOptions, publish_sweep

    results = write(tmp_path / "r.jsonl", [rec(1, 300.0, 3.0), rec(8, 342.0, 22.6)])
    previous = os.umask(0o077)
    try:
        report = publish(PublishOptions([results], data_dir=tmp_path / "data"))
        sweep, _ = publish_sweep(SweepOptions([results], "s", tmp_path / "data", "inf2"))
    finally:
        os.umask(previous)
    for path in [*report.changes, sweep]:
        assert path.stat().st_mode & 0o777 == 0o644, path
