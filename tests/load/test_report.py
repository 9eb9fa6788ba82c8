"""Run reports from a hand-written fixture results file, built by a real Sphinx."""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from collect.cli import main as collect_main
from collect.report import data as report
from collect.report.rst import ReportError, rst_escape, write_report
from perfcore.errors import DataFileError

FIXTURES = Path(__file__).parent / "fixtures"
RESULTS = FIXTURES / "results_mixed.jsonl"


@pytest.fixture()
def results(tmp_path):
    """The fixture results file and its time-series sidecar, copied to a scratch dir."""
    shutil.copy(RESULTS, tmp_path / RESULTS.name)
    shutil.copytree(FIXTURES / "results_mixed.timeseries", tmp_path / "results_mixed.timeseries")
    return tmp_path / RESULTS.name


def test_loading_skips_a_torn_last_line_and_says_so():
    loaded = report.load_results([RESULTS])
    assert len(loaded.records) == 13
    assert loaded.notes == ["results_mixed.jsonl:14: incomplete last line skipped"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"schema_version": 1}\nnot json\n{"schema_version": 1}\n',
         r"bad\.jsonl:2: invalid JSON"),
        ('{"schema_version": 2}\n', r"bad\.jsonl:1: schema_version 2 is not supported"),
        ("[1]\n", r"bad\.jsonl:1: expected a JSON object, got list"),
    ],
)
def test_bad_results_name_file_and_line(tmp_path, text, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(text)
    with pytest.raises(DataFileError, match=message):
        report.load_results([bad])


def test_latency_bands_follow_seed_004():
    latency = [10, 11, 12, 13, 14, 15, 16, 17, 18, 30]
    throughput = [300, 290, 280, 270, 260, 250, 240, 230, 220, 100]
    bands, correlation = report.latency_bands(latency, throughput)
    assert list(bands["Latency Range"].str.extract(r"\((.*)\)")[0]) == [
        "P50", "P50-P75", "P75-P90", "P90+"]
    assert bands["Count"].sum() == 10
    assert bands.iloc[0]["Avg Throughput"] == pytest.approx(280)
    assert correlation < -0.9


def test_dashboard_shows_only_what_was_recorded():
    records = report.load_results([RESULTS]).records
    offline = report.dashboard(records[0])
    assert list(offline["Metric"]) == ["CPU Usage (%)", "Process RSS (MB)", "Tokenization (ms)",
                                       "Inference (ms, per batch)"]
    poisson = report.dashboard(records[5])
    assert "Queue Wait (ms)" in set(poisson["Metric"])
    assert "Schedule Lag (ms)" in set(poisson["Metric"])


def test_rst_escape_neutralises_markup():
    assert rst_escape("a_b *c* `d` |e| .. raw:: html\nnext") == (
        r"a\_b \*c\* \`d\` \|e\| \.\. raw\:\: html next")


def test_report_page_and_plots_build_in_sphinx(results, tmp_path):
    srcdir = tmp_path / "site"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        "def setup(app):\n"
        "    from ext.run_reports import setup_run_reports\n"
        "    return setup_run_reports(app)\n"
    )
    (srcdir / "index.rst").write_text("Site\n====\n\n.. run-reports::\n")
    written = write_report([results], srcdir / "reports" / "fixture-run-1")
    assert sorted(p.name for p in written.plots) == [
        "batch_sweep.svg", "latency_vs_throughput.svg", "timeseries_1.svg"]
    warnings = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=warnings)
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings.getvalue() == ""
    page = (app.outdir / "reports" / "fixture-run-1" / "index.html").read_text()
    for heading in ("Results summary", "Overall summary", "SLO search", "Generation",
                    "Latency vs throughput analysis", "Dashboard metrics", "Time series",
                    "Batch sizes formed"):
        assert heading in page
    # Text from records is shown literally, never as markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "**bold** :ref:`x`" in page
    assert "<script>alert" not in page
    assert len(list((app.outdir / "_images").glob("*.svg"))) == 3
    index = (app.outdir / "index.html").read_text()
    assert "reports/fixture-run-1/index.html" in index
    assert "Run report: fixture-run-1" in index


def test_site_page_says_when_there_are_no_reports(tmp_path):
    srcdir = tmp_path / "site"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        "def setup(app):\n"
        "    from ext.run_reports import setup_run_reports\n"
        "    return setup_run_reports(app)\n"
    )
    (srcdir / "index.rst").write_text("Site\n====\n\n.. run-reports::\n")
    warnings = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=warnings)
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings.getvalue() == ""
    assert "No run reports yet" in (app.outdir / "index.html").read_text()


def test_report_refuses_to_overwrite_a_page_it_did_not_write(results, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.rst").write_text("Hand-written page\n")
    with pytest.raises(ReportError, match="was not written by collect report"):
        write_report([results], out)
    assert (out / "index.rst").read_text() == "Hand-written page\n"


def test_report_is_reproducible_and_regenerates_in_place(results, tmp_path, capsys):
    out = tmp_path / "out"
    assert collect_main(["report", str(results), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "13 configurations, 3 plots" in captured.out
    assert "incomplete last line skipped" in captured.err
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    write_report([results], out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first


def test_cli_reports_errors_in_one_line(tmp_path, capsys):
    missing = tmp_path / "nope.jsonl"
    assert collect_main(["report", str(missing), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.jsonl: cannot read results" in err[0]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> list[Path]:
    """Two real runs of one configuration set (cpu backend, synthetic model), one file each."""
    folder = tmp_path_factory.mktemp("two-runs")
    files = [folder / "a.jsonl", folder / "b.jsonl"]
    for path in files:
        assert collect_main(["run", "--model", "synthetic:2", "--batch-sizes", "1,2,4",
                             "--duration", "0.3", "--warmup", "0.05", "--no-utilization",
                             "--instance-type", "c5.xlarge", "--out", str(path)]) == 0
    return files


def _records(paths: list[Path]) -> list[dict]:
    return list(report.load_results(paths).records)


def _labelled_ticks(axes) -> list[str]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(axes.figure).draw()
    low, high = axes.get_ylim()
    return [tick.get_text() for tick, value in zip(axes.get_yticklabels(), axes.get_yticks(),
                                                   strict=True)
            if tick.get_text() and low <= value <= high]


def test_two_runs_of_one_configuration_are_two_lines_not_a_zigzag(two_runs):
    from collect.report.plots import latency_figure, sweep_figure

    records = _records(two_runs)
    runs = [str(r["run_id"]) for r in records]
    assert len(set(runs)) == 2
    axes = latency_figure(records).axes[0]
    p50 = {line.get_label(): line for line in axes.get_lines()
           if line.get_label().endswith("P50")}
    assert len(p50) == 2 and all(f"run {run}" in " ".join(p50) for run in set(runs))
    for label, line in p50.items():
        run = next(run for run in set(runs) if f"run {run}" in label)
        mine = sorted((r["throughput_avg"], r["latency_ms_p50"]) for r in records
                      if str(r["run_id"]) == run)
        assert list(zip(line.get_xdata(), line.get_ydata(), strict=True)) == mine
    sweep_titles = [a.get_title() for a in sweep_figure(records).axes]
    assert len(sweep_titles) == 2 and all(any(run in t for t in sweep_titles) for run in runs)


def test_a_latency_axis_always_labels_at_least_two_ticks(two_runs):
    from collect.report.plots import latency_figure

    one_run = _records(two_runs[:1])
    # The measured latencies of a loaded machine may span a decade; the axis rule is what is
    # tested, so the narrow case gets fixed values within a factor of two of each other.
    narrow = [{**record, "latency_ms_p50": 2.0 + 0.1 * index, "latency_ms_p99": 3.0 + 0.1 * index}
              for index, record in enumerate(one_run)]
    axes = latency_figure(narrow).axes[0]
    assert axes.get_yscale() == "linear"
    assert len(_labelled_ticks(axes)) >= 2
    wide = [{**record, "latency_ms_p50": record["latency_ms_p50"] * 30 ** index,
             "latency_ms_p99": record["latency_ms_p99"] * 30 ** index}
            for index, record in enumerate(one_run)]
    axes = latency_figure(wide).axes[0]
    assert axes.get_yscale() == "log"
    assert len(_labelled_ticks(axes)) >= 2


def test_a_sweep_of_one_batch_size_has_a_linear_axis_with_several_ticks(two_runs):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from collect.report.plots import sweep_figure

    one = [r for r in _records(two_runs[:1]) if r["batch_size"] == 2]
    axes = sweep_figure(one).axes[0]
    FigureCanvasAgg(axes.figure).draw()
    low, high = axes.get_xlim()
    ticks = [value for value in axes.get_xticks() if low <= value <= high]
    assert axes.get_xscale() == "linear" and len(ticks) >= 2
    assert all(float(value).is_integer() for value in ticks) and 2 in ticks


def test_report_files_are_0644_whatever_the_umask(two_runs, tmp_path):
    previous = os.umask(0o077)  # a bare temp file or savefig would then be 0600
    try:
        written = write_report(two_runs, tmp_path / "report")
    finally:
        os.umask(previous)
    assert written.plots
    for path in [written.index, *written.plots]:
        assert path.stat().st_mode & 0o777 == 0o644, path
