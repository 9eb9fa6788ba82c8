import json

import pytest

from perfcore.errors import UserError
from perfcore.records import ResultsWriter, config_id, finite, read_records


def record(config: str, status: str = "ok") -> dict:
    return {"schema_version": 1, "config_id": config, "status": status, "value": 1.5}


def test_config_id_is_stable_and_ignores_measurements():
    base = {"model": "gpt2", "batch_size": 4, "backend": "cpu", "mode": "offline"}
    assert config_id(base) == config_id({**base, "throughput_avg": 12.0})
    assert config_id(base) != config_id({**base, "batch_size": 8})
    assert len(config_id(base)) == 16


def test_refuses_to_overwrite_without_resume_or_force(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record("a")) + "\n")
    with pytest.raises(UserError) as error:
        ResultsWriter(path)
    assert str(error.value) == (
        f"{path} already exists; pass --resume to continue it or --force to overwrite it")
    ResultsWriter(path, force=True)
    assert path.read_text() == ""


def test_append_writes_one_line_per_record_and_nulls_nan(tmp_path):
    path = tmp_path / "r.jsonl"
    writer = ResultsWriter(path)
    writer.append({**record("a"), "bad": float("nan"), "list": [float("inf"), 1.0]})
    writer.append(record("b"))
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["bad"] is None
    assert json.loads(lines[0])["list"] == [None, 1.0]


def test_resume_skips_final_statuses(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(record(c, s)) + "\n"
                            for c, s in (("a", "ok"), ("b", "oom"), ("c", "skipped"))))
    writer = ResultsWriter(path, resume=True)
    assert set(writer.done) == {"a", "b", "c"}
    assert writer.repaired_line is None


def test_resume_repairs_torn_last_line(tmp_path):
    path = tmp_path / "r.jsonl"
    good = json.dumps(record("a")) + "\n"
    path.write_text(good + '{"schema_version": 1, "config_id": "b", "sta')
    writer = ResultsWriter(path, resume=True)
    assert writer.repaired_line == 2
    assert set(writer.done) == {"a"}
    assert path.read_text() == good
    writer.append(record("b"))
    assert [r["config_id"] for r in read_records(path).records] == ["a", "b"]


def test_complete_json_without_newline_counts_as_torn(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record("a")) + "\n" + json.dumps(record("b")))
    result = read_records(path)
    assert result.torn_line == 2
    assert [r["config_id"] for r in result.records] == ["a"]


def test_malformed_middle_line_is_an_error_with_file_and_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record("a")) + "\nnot json\n" + json.dumps(record("b")) + "\n")
    with pytest.raises(UserError, match=rf"^{path}:2: invalid JSON"):
        read_records(path)


def test_other_schema_version_is_refused(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"schema_version": 2}) + "\n")
    with pytest.raises(UserError, match=r":1: schema_version 2 is not supported"):
        read_records(path)


def test_finite_recurses():
    assert finite({"a": [float("-inf")], "b": {"c": float("nan")}}) == {"a": [None],
                                                                        "b": {"c": None}}
