"""perfcore.diff: matching, threshold vs noise, snapshots (CSV, git) and the CLI."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest

from collect import cli
from perfcore import diff
from perfcore.columns import COMPARISON_KEYS, SCHEMA, key_columns, record_value
from perfcore.errors import UserError
from perfcore.prices import load_price_catalog


def _record(model: str, batch: int, windows: list[float], p50: float = 2.0, p99: float = 2.5,
            status: str = "ok", instance: str = "inf2.xlarge", **extra) -> dict:
    throughput = sum(windows) / len(windows) if windows else None
    return {"schema_version": 1, "run_id": "r", "status": status, "model": model,
            "mode": "offline", "batch_size": batch, "n_models": 1, "workers_per_model": 1,
            "sequence_length": 128, "dtype": "bf16", "throughput_avg": throughput,
            "throughput_windows": windows, "latency_ms_p50": p50, "latency_ms_p99": p99,
            "env": {"instance_type": instance}, **extra}


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _compare(tmp_path: Path, old: list[dict], new: list[dict], **kwargs) -> diff.DiffResult:
    return diff.compare(diff.read_results_jsonl(_write_jsonl(tmp_path / "old.jsonl", old)),
                        diff.read_results_jsonl(_write_jsonl(tmp_path / "new.jsonl", new)),
                        **kwargs)


def _metric(row: diff.RowDiff, name: str) -> diff.MetricChange:
    return next(m for m in row.metrics if m.metric == name)


TIGHT = [1000.0, 1001.0, 999.0, 1000.0, 1002.0, 998.0]
WIDE = [600.0, 1400.0, 700.0, 1300.0, 800.0, 1200.0]


def test_matched_new_and_removed_rows(review_data):
    result = diff.compare(diff.load_snapshot(str(review_data / "old.jsonl")),
                          diff.load_snapshot(str(review_data / "new.jsonl")))
    assert [row.key["batch_size"] for row in result.matched] == ["1", "4", "8"]
    assert [row.verdict for row in result.matched] == ["regression", "within noise", "unchanged"]
    assert [row["model"] for row in result.added] == ["gpt2"]
    assert [row["model"] for row in result.removed] == ["roberta-base"]
    assert result.key_fields == (*diff.KEY_FIELDS, "n_models", "workers_per_model")


def test_six_percent_with_tight_windows_is_flagged(tmp_path):
    result = _compare(tmp_path, [_record("m", 1, TIGHT)],
                      [_record("m", 1, [v * 0.94 for v in TIGHT])])
    throughput = _metric(result.matched[0], "throughput")
    assert throughput.verdict == "regression"
    assert throughput.change == pytest.approx(-0.06)
    assert throughput.p_value < 0.01
    assert throughput.test == "Welch t-test on throughput windows, alpha 0.01"
    assert result.regressions == result.matched


def test_six_percent_inside_wide_noise_is_not_flagged(tmp_path):
    result = _compare(tmp_path, [_record("m", 1, WIDE)],
                      [_record("m", 1, [v * 1.06 for v in WIDE])])
    throughput = _metric(result.matched[0], "throughput")
    assert throughput.verdict == "within noise"
    assert throughput.p_value >= 0.01
    assert result.matched[0].verdict == "within noise"
    assert not result.regressions and not result.improvements


def test_change_below_threshold_is_unchanged_even_when_significant(tmp_path):
    result = _compare(tmp_path, [_record("m", 1, TIGHT)],
                      [_record("m", 1, [v * 1.03 for v in TIGHT])])
    throughput = _metric(result.matched[0], "throughput")
    assert throughput.p_value < 0.01
    assert throughput.verdict == "unchanged"


def test_latency_has_no_distribution_so_threshold_only(tmp_path):
    result = _compare(tmp_path, [_record("m", 1, TIGHT, p99=2.0)],
                      [_record("m", 1, TIGHT, p99=2.4)])
    p99 = _metric(result.matched[0], "latency_p99")
    assert (p99.verdict, p99.test) == ("possible regression", "noise unknown: threshold only")
    assert result.regressions == []  # beyond the threshold is not beyond the noise


def test_improvement_direction_and_threshold_option(tmp_path):
    old, new = [_record("m", 1, TIGHT)], [_record("m", 1, [v * 1.08 for v in TIGHT])]
    assert _compare(tmp_path, old, new).matched[0].verdict == "improvement"
    assert _compare(tmp_path, old, new, threshold=0.10).matched[0].verdict == "unchanged"


def test_status_change_to_oom_is_a_regression(tmp_path):
    result = _compare(tmp_path, [_record("m", 8, TIGHT)],
                      [_record("m", 8, [], status="oom", latency_ms_p50=None)])
    row = result.matched[0]
    assert (row.old_status, row.new_status, row.verdict) == ("ok", "oom", "regression")
    assert diff.result_table(result).values("Verdict") == ["regression (status ok -> oom)"]


def test_cost_follows_price_catalog(tmp_path, review_data):
    prices = load_price_catalog(review_data / "prices.yaml")
    result = _compare(tmp_path, [_record("m", 1, TIGHT), _record("m", 1, TIGHT, instance="x1")],
                      [_record("m", 1, [v * 0.9 for v in TIGHT]),
                       _record("m", 1, TIGHT, instance="x1")], prices=prices)
    cost = _metric(result.matched[0], "cost_per_1m")
    assert cost.old == pytest.approx(1e6 / 1000.0 * 0.7582 / 3600)
    assert cost.verdict == "regression"
    assert _metric(result.matched[1], "cost_per_1m").verdict == "n/a"
    assert f"no on-demand price in {review_data / 'prices.yaml'} for x1: cost n/a" in result.notes


def test_unpriced_instances_give_the_catalog_reason(tmp_path, review_data):
    catalog = tmp_path / "prices.yaml"
    catalog.write_text((review_data / "prices.yaml").read_text(encoding="utf-8").replace(
        "unpriced: {}", 'unpriced:\n  "inf2 (size not stated)": "the source does not say"'))
    prices = load_price_catalog(catalog)
    result = _compare(tmp_path, [_record("m", 1, TIGHT, instance="inf2 (size not stated)")],
                      [_record("m", 1, TIGHT, instance="inf2 (size not stated)")], prices=prices)
    assert result.notes == ["inf2 (size not stated): cost n/a (unpriced: the source does not say)"]


def test_repeated_key_keeps_later_record_with_note(tmp_path):
    result = _compare(tmp_path, [_record("m", 1, WIDE), _record("m", 1, TIGHT)],
                      [_record("m", 1, TIGHT)])
    assert _metric(result.matched[0], "throughput").old == pytest.approx(1000.0)
    old = tmp_path / "old.jsonl"
    (note,) = [note for note in result.notes if note.startswith("old: ")]
    assert note.startswith(f"old: {old}:1 and {old}:2 state the same configuration (m | ")
    assert note.endswith(f") with different numbers; {old}:2 is compared")


def test_a_configuration_published_twice_with_the_same_numbers_is_one_row(tmp_path):
    """The throughput and latency tables often repeat a row: no note, one comparison."""
    result = _compare(tmp_path, [_record("m", 1, TIGHT), _record("m", 1, TIGHT)],
                      [_record("m", 1, TIGHT)])
    assert len(result.matched) == 1
    assert result.notes == []


def test_csv_snapshots_say_noise_unknown(review_data):
    result = diff.compare(diff.load_snapshot(str(review_data / "release-a")),
                          diff.load_snapshot(str(review_data / "release-b")))
    first = result.matched[0]
    assert first.key["instance_type"] == "Inf2.xlarge"  # matched case-insensitively
    throughput = _metric(first, "throughput")
    assert (throughput.verdict, throughput.test) == ("possible regression", diff.NOISE_UNKNOWN)
    assert "noise unknown: threshold only" in diff.format_text(result)
    assert [r["model"] for r in result.added] == ["distilbert-base-uncased"]
    assert [r["model"] for r in result.removed] == ["roberta-base"]
    skipped = review_data / "release-b" / "sweep_note.csv"
    assert f"{skipped}: skipped (no Model, Inst. Type and throughput columns)" in result.notes


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_git_revisions_of_data(tmp_path, review_data):
    repo = tmp_path / "repo"
    (repo / "data" / "inf2").mkdir(parents=True)
    _git(repo, "init", "-q")
    target = repo / "data" / "inf2" / "throughput_data_encoder.csv"
    for release in ("release-a", "release-b"):
        shutil.copy(review_data / release / "throughput_data_encoder.csv", target)
        _git(repo, "add", "data")
        _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", release)
    old = diff.load_snapshot("git:HEAD~1", repo)
    new = diff.load_snapshot("git:HEAD:data/inf2", repo)
    assert old.kind == "git" and len(old.rows) == 3
    assert old.rows[0]["origin"] == "HEAD~1:data/inf2/throughput_data_encoder.csv:2"
    result = diff.compare(old, new)
    assert [r.verdict for r in result.matched] == ["possible regression", "unchanged"]
    with pytest.raises(diff.DiffError) as bad_revision:
        diff.load_snapshot("git:no-such-rev", repo)
    assert str(bad_revision.value) == (f"git:no-such-rev: cannot read revision 'no-such-rev' "
                                       f"in {repo}: Not a valid object name no-such-rev")
    with pytest.raises(diff.DiffError, match=r"git:HEAD:nothing: no CSV files under nothing/"):
        diff.load_snapshot("git:HEAD:nothing", repo)


def test_a_git_snapshot_is_two_git_processes_and_a_bad_revision_one_line(
        tmp_path, review_data, monkeypatch, capsys):
    """One listing and one read of every file, however many; history and prices left out."""
    repo = tmp_path / "repo"
    table = review_data / "release-a" / "throughput_data_encoder.csv"
    for folder in ("inf1", "inf2", "trn1", "releases/2.20/inf2"):
        (repo / "data" / folder).mkdir(parents=True)
        shutil.copy(table, repo / "data" / folder / table.name)
    (repo / "data" / "inf2" / "prices.csv").write_text(
        "Inst. Type,Pricing Model,Rate (USD/hour)\ninf2.xlarge,ri-effective,0.3\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "data")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "a")
    commands = []
    run = subprocess.run

    def counted(args, **kwargs):
        commands.append(args[3])
        return run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counted)
    snapshot = diff.load_snapshot("git:HEAD", repo)
    assert commands == ["ls-tree", "cat-file"]
    assert sorted({row["origin"].rsplit(":", 1)[0] for row in snapshot.rows}) == [
        f"HEAD:data/{platform}/{table.name}" for platform in ("inf1", "inf2", "trn1")]
    assert cli.main(["diff", "git:no-such-rev", "git:HEAD", "--repo", str(repo)]) == 1
    assert capsys.readouterr().err == (f"error: git:no-such-rev: cannot read revision "
                                       f"'no-such-rev' in {repo}: Not a valid object name "
                                       "no-such-rev\n")


def test_comparison_keys_are_declared_once_in_the_schema():
    """A key a column states takes its label and record fields from the column; a key no
    column publishes declares its own; every column's key is compared."""
    column_keys = {column.key: column.name for column in SCHEMA if column.key}
    names = [key.name for key in COMPARISON_KEYS]
    assert len(names) == len(set(names)) and set(column_keys) <= set(names)
    for key in COMPARISON_KEYS:
        if key.name in column_keys:
            assert (key.label, key.record_field) == (None, None), key.name
        else:
            assert key.label, key.name
    always = [key.always for key in COMPARISON_KEYS]
    assert always == sorted(always, reverse=True)  # the keys of every comparison first
    assert tuple(key.name for key in COMPARISON_KEYS if key.always) == diff.KEY_FIELDS


def test_key_labels_are_the_published_column_names(tmp_path):
    assert diff.KEY_LABELS["dtype"] == "Model Data Type"
    assert {name: diff.KEY_LABELS[name] for name in key_columns()} == key_columns()
    result = _compare(tmp_path, [_record("m", 1, TIGHT)],
                      [_record("m", 1, [v * 0.9 for v in TIGHT])])
    for table in (diff.change_rows(result), diff.result_table(result, split_key=True)):
        assert table.columns[:6] == ("Model", "Inst. Type", "Sequence Length",
                                     "Model Data Type", "Batch Size", "Mode")


def test_rows_are_read_through_the_schemas_columns(tmp_path):
    """A record's metric is what its columns publish (record_value); a CSV's legacy header is
    read as today's column, and its key as that column states it."""
    record = {**_record("m", 1, TIGHT), "mode": "generate", "throughput_avg": None,
              "total_tokens_per_s": 50.0, "latency_ms_p50": None,
              "latency_per_token_ms_p50": 3.0}
    (row,) = diff.read_results_jsonl(_write_jsonl(tmp_path / "r.jsonl", [record])).rows
    assert row["throughput"] == record_value("Throughput (tokens/second)", record) == 50.0
    assert row["latency_p50"] == record_value("Latency per Token P50 (ms)", record) == 3.0
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "t.csv").write_text(
        "Model,Inst. Type,Avg Throughput (/sec),Seq. Length,Model Data Type\nm,x,10,128,BF16\n")
    (row,) = diff.read_csv_snapshot(tmp_path / "csv").rows
    assert (row["throughput"], row["sequence_length"], row["dtype"]) == (10.0, "128", "bf16")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"schema_version": 1, "model": "m"}\n{not json}\n',
         r"bad.jsonl:2: invalid JSON \(Expecting property name enclosed in double quotes\); "
         r"expected one results record \(schema v1\) per line"),
        ('{"schema_version": 2, "model": "m"}\n',
         r"bad.jsonl:1: schema_version 2 is not supported \(this collector reads version 1\)"),
        ('[1, 2]\n', r"bad.jsonl:1: expected a JSON object, got list"),
        ('{"schema_version": 1}\n', r"bad.jsonl:1: record has no 'model'"),
    ],
)
def test_bad_results_lines_are_located_errors(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):  # DiffError or the records' DataFileError
        diff.read_results_jsonl(path)


def test_torn_last_line_is_ignored_with_a_note(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(_record("m", 1, TIGHT)) + '\n{"schema_version": 1, "mo',
                    encoding="utf-8")
    snapshot = diff.read_results_jsonl(path)
    assert len(snapshot.rows) == 1
    assert snapshot.notes == (f"{path}:2: ignored a torn last line (unfinished write)",)


def test_bad_snapshot_inputs(tmp_path, review_data):
    with pytest.raises(UserError, match="nope: no such file or directory"):
        diff.load_snapshot(str(tmp_path / "nope"))
    with pytest.raises(diff.DiffError, match="expected a directory of published CSVs"):
        diff.load_snapshot(str(review_data / "throughput_data_encoder.csv"))
    torn = tmp_path / "torn"
    torn.mkdir()
    (torn / "t.csv").write_text("Model,Inst. Type,Throughput (inference/sec)\nm,i\n")
    with pytest.raises(UserError, match=r"t.csv:2: expected 3 fields as in the header"):
        diff.load_snapshot(str(torn))
    with pytest.raises(diff.DiffError, match=r"threshold: expected a fraction in \[0, 1\)"):
        diff.compare(diff.read_results_jsonl(review_data / "old.jsonl"),
                     diff.read_results_jsonl(review_data / "new.jsonl"), threshold=5)


def test_welch_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    samples = [([1.0, 2.0, 3.0, 4.0], [2.5, 3.5, 4.5, 6.0, 7.0]),
               (TIGHT, [v * 0.94 for v in TIGHT]), (WIDE, [v * 1.06 for v in WIDE]),
               ([10.0, 10.5], [9.0, 12.0, 11.0])]
    for a, b in samples:
        expected = stats.ttest_ind(a, b, equal_var=False).pvalue
        assert diff.welch_t_test(a, b) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert diff.welch_t_test([1.0], [1.0, 2.0]) is None
    assert diff.welch_t_test([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert diff.welch_t_test([1.0, 1.0], [2.0, 2.0]) == 0.0


def test_incomplete_beta_known_values():
    assert diff.regularized_incomplete_beta(1.0, 1.0, 0.3) == pytest.approx(0.3)
    assert diff.regularized_incomplete_beta(2.0, 3.0, 0.4) == pytest.approx(0.5248)
    assert diff.regularized_incomplete_beta(0.5, 0.5, 0.5) == pytest.approx(0.5)
    assert math.isclose(diff.regularized_incomplete_beta(5.0, 0.5, 1.0), 1.0)


def test_json_report(review_data):
    result = diff.compare(diff.load_snapshot(str(review_data / "old.jsonl")),
                          diff.load_snapshot(str(review_data / "new.jsonl")))
    report = json.loads(json.dumps(diff.to_json(result)))
    assert report["schema"] == "collect-diff/1"
    assert report["summary"] == {"matched": 3, "regressions": 1, "improvements": 0,
                                 "new": 1, "removed": 1}
    assert report["matched"][0]["metrics"][0]["verdict"] == "regression"
    assert report["removed_rows"][0]["model"] == "roberta-base"


def test_cli_text_json_and_exit_codes(review_data, capsys):
    old, new = str(review_data / "old.jsonl"), str(review_data / "new.jsonl")
    assert cli.main(["diff", old, new]) == 0
    text = capsys.readouterr().out
    assert "new rows (1):" in text and "removed rows (1):" in text
    assert "3 matched, 1 regressed, 0 improved, 1 new, 1 removed (threshold 5%, alpha 0.01)" \
        in text
    assert cli.main(["diff", old, new, "--fail-on-regression"]) == 3
    capsys.readouterr()
    assert cli.main(["diff", old, new, "--json", "--threshold", "7%"]) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == pytest.approx(0.07)
    assert cli.main(["diff", old, str(review_data / "missing.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {review_data / 'missing.jsonl'}: no such file")
    assert err.count("\n") == 1


def test_add_diff_command_wires_into_a_parent_parser(review_data, capsys):
    import argparse

    parser = argparse.ArgumentParser(prog="collect")
    cli.add_diff_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["diff", str(review_data / "old.jsonl"),
                              str(review_data / "new.jsonl"), "--json"])
    assert args.handler(args) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["matched"] == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["diff", "--help"])
    assert "noise unknown: threshold only" in capsys.readouterr().out


REAL_RUNS = Path(__file__).resolve().parents[2] / "data" / "raw" / "cpu"


def test_published_csvs_match_the_results_they_came_from(tmp_path):
    """CSV (Run Mode, FP32) and records (generate, fp32) of one configuration share a key."""
    from collect.publish.tables import PublishOptions, publish

    results = [REAL_RUNS / "2026-11-22-gpt2-generate.jsonl",
               REAL_RUNS / "2026-11-22-encoders-a.jsonl"]
    publish(PublishOptions(results, data_dir=tmp_path / "data", allow_unstable=True))
    published = diff.read_csv_snapshot(tmp_path / "data")
    for path in results:
        records = diff.read_results_jsonl(path)
        result = diff.compare(published, records)
        models = {row["model"] for row in records.rows}
        published_here = {(row["model"], row["batch_size"]) for row in published.rows
                          if row["model"] in models}
        assert published_here  # every published row of these models is matched, unchanged
        assert {(row.key["model"], row.key["batch_size"]) for row in result.matched} \
            == published_here
        assert {row.verdict for row in result.matched} == {"unchanged"}


def test_one_normaliser_reads_both_sides_alike():
    assert diff.normalise_key("dtype", "FP32") == diff.normalise_key("dtype", "fp32") == "fp32"
    assert diff.normalise_key("sequence_length", "not stated") == ""
    assert diff.normalise_key("mode", "serve") == "generate"
    assert diff.normalise_key("batch_size", 4.0) == diff.normalise_key("batch_size", "4") == "4"


def _runs(tmp_path: Path, name: str, throughputs: list[float], windows: list[float]) -> str:
    """One results file per run (separate processes), as a comma-separated diff side."""
    files = []
    for index, throughput in enumerate(throughputs):
        record = _record("m", 1, [v * throughput / 1000 for v in windows],
                         run_id=f"{name}-{index}")
        files.append(str(_write_jsonl(tmp_path / f"{name}-{index}.jsonl", [record])))
    return ",".join(files)


def test_repeated_runs_are_the_sample_when_both_sides_have_them(tmp_path):
    # each run's windows are tight, but the runs disagree by +-8%: the runs are the noise
    old = _runs(tmp_path, "old", [1000.0, 1080.0, 920.0], TIGHT)
    new = _runs(tmp_path, "new", [940.0, 1020.0, 870.0], TIGHT)
    result = diff.compare(diff.load_snapshot(old), diff.load_snapshot(new))
    throughput = _metric(result.matched[0], "throughput")
    assert throughput.sample == "runs"
    assert throughput.test == "Welch t-test on repeated runs (3 old, 3 new), alpha 0.01"
    assert throughput.old == pytest.approx(1000.0)
    assert throughput.verdict == "within noise"
    # the windows alone would have called the same change a regression
    windows_only = diff.compare(diff.load_snapshot(old.split(",")[0]),
                                diff.load_snapshot(new.split(",")[0]))
    assert _metric(windows_only.matched[0], "throughput").sample == "windows"
    assert windows_only.matched[0].verdict == "regression"


def test_consistent_runs_flag_a_regression_and_the_json_says_which_sample(tmp_path, capsys):
    old = _runs(tmp_path, "old", [1000.0, 1002.0, 998.0], WIDE)
    new = _runs(tmp_path, "new", [900.0, 902.0, 898.0], WIDE)
    assert cli.main(["diff", old, new, "--json"]) == 0
    metric = json.loads(capsys.readouterr().out)["matched"][0]["metrics"][0]
    assert (metric["sample"], metric["verdict"]) == ("runs", "regression")


def test_one_run_against_several_falls_back_to_windows_and_says_so(tmp_path):
    old = _runs(tmp_path, "old", [1000.0], TIGHT)
    new = _runs(tmp_path, "new", [900.0, 902.0], TIGHT)
    result = diff.compare(diff.load_snapshot(old), diff.load_snapshot(new))
    assert _metric(result.matched[0], "throughput").sample == "windows"
    assert any("one side has repeated runs" in note for note in result.notes)


def test_a_decimal_comma_in_a_results_file_is_a_located_error(tmp_path):
    path = _write_jsonl(tmp_path / "r.jsonl", [{**_record("m", 1, TIGHT),
                                                "throughput_windows": ["812,5"]}])
    with pytest.raises(UserError, match=rf"^{path}:1: '812,5' is not a number"):
        diff.read_results_jsonl(path)


def test_a_decimal_comma_in_a_published_csv_is_a_located_error(tmp_path):
    (tmp_path / "t.csv").write_text('Model,Inst. Type,Throughput (inference/sec)\nm,x,"812,5"\n')
    with pytest.raises(UserError, match=rf"^{tmp_path / 't.csv'}:2: column"):
        diff.read_csv_snapshot(tmp_path)


def test_rows_match_by_model_id_whatever_each_side_calls_it(tmp_path):
    from perfcore.models import parse_model_catalog

    header = "Model,Inst. Type,Throughput (inference/sec),Latency P99 (ms),Batch Size\n"
    for side, name in (("old", "Resnet-50"), ("new", "resnet50")):
        (tmp_path / side / "inf2").mkdir(parents=True)
        (tmp_path / side / "inf2" / "throughput_data_cnn.csv").write_text(
            header + f"{name},inf2.xlarge,100,5,1\n", encoding="utf-8")
        (tmp_path / side / "inf2" / "prices.csv").write_text(
            "Inst. Type,Pricing Model,Rate (USD/hour)\ninf2.xlarge,ri-effective,0.3\n",
            encoding="utf-8")
    models = parse_model_catalog("schema_version: 1\nmodels:\n  resnet50: {name: ResNet-50, "
                                 "family: ResNet, aliases: [Resnet-50], source: one network}\n",
                                 "models.yaml")
    apart = diff.compare(diff.load_snapshot(str(tmp_path / "old")),
                         diff.load_snapshot(str(tmp_path / "new")))
    assert (len(apart.matched), len(apart.added), len(apart.removed)) == (0, 1, 1)
    together = diff.compare(diff.load_snapshot(str(tmp_path / "old"), models=models),
                            diff.load_snapshot(str(tmp_path / "new"), models=models))
    assert [row.key["model"] for row in together.matched] == ["resnet50"]
    assert together.notes == []  # an imported release's prices.csv is no table to note


def test_change_rows_are_numbers_and_unchanged_rows_apart(tmp_path):
    result = _compare(tmp_path, [_record("m", 1, TIGHT), _record("m", 2, TIGHT)],
                      [_record("m", 1, [v * 0.9 for v in TIGHT]), _record("m", 2, TIGHT)])
    changed = diff.change_rows(result)
    (row,) = changed.records
    assert (row["Throughput old"], row["Throughput new"], row["Throughput change (%)"]) == (
        "1,000", "900", "-10.0")
    assert [r["Batch Size"] for r in diff.change_rows(result, unchanged=True).records] == ["2"]
