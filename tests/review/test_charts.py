"""perfcore.charts: Pareto front, SVG structure and accessibility, determinism, oom in sweeps."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from perfcore import charts
from perfcore.csvfile import read_csv_text
from perfcore.errors import DataFileError
from perfcore.tabledata import Rows

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def _texts(root: ET.Element) -> str:
    return " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def test_pareto_front_marks_non_dominated_points():
    throughput = [100, 200, 150, 300, 300, 50, float("nan")]
    latency = [1.0, 2.0, 3.0, 4.0, 4.0, 0.5, 0.1]
    front = charts.pareto_front(throughput, latency)
    # (3.0, 150) is dominated by (2.0, 200); the two identical (4.0, 300) points both stay;
    # (0.5, 50) has the lowest latency; NaN is never on the front.
    assert front == [True, True, False, True, True, True, False]


def test_pareto_front_single_and_dominated_by_equal_latency():
    assert charts.pareto_front([10.0], [1.0]) == [True]
    assert charts.pareto_front([10.0, 12.0], [1.0, 1.0]) == [False, True]


def _read(path) -> Rows:
    return Rows.from_csv(read_csv_text(path))


def _rows(columns: dict[str, list[str]]) -> Rows:
    names = tuple(columns)
    records = tuple(dict(zip(names, cells, strict=True))
                    for cells in zip(*columns.values(), strict=True))
    return Rows("test", names, records, tuple(range(2, 2 + len(records))))


def _table(review_data) -> Rows:
    return _read(review_data / "throughput_data_encoder.csv")


def test_pareto_svg_has_title_desc_and_units(review_data):
    svg = charts.pareto_chart_svg(_table(review_data), "Throughput (inference/sec)",
                                  "Latency P50 (ms)", "Model", ["Inst. Type", "Batch Size"],
                                  title="Encoder <models> & more")
    root = _parse(svg)
    assert root.get("role") == "img"
    title, desc = root[0], root[1]
    assert title.tag == f"{SVG}title" and title.text == "Encoder <models> & more"
    assert desc.tag == f"{SVG}desc"
    assert root.get("aria-labelledby") == title.get("id")
    assert ("bert-base-uncased: 3 of 5 points on the front (trn1.2xlarge, 1: 1.5 ms, 900 "
            "inference/sec; inf2.xlarge, 1: 2.1 ms, 1,200 inference/sec; Inf2.8xlarge, 4: "
            "3.5 ms, 2,600 inference/sec)") in desc.text
    texts = _texts(root)
    assert "Latency P50 (ms) - lower is better" in texts
    assert "Throughput (inference/sec) - higher is better" in texts


def test_svg_is_deterministic_and_undated(review_data):
    args = (_table(review_data), "Throughput (inference/sec)", "Latency P50 (ms)")
    first, second = charts.pareto_chart_svg(*args), charts.pareto_chart_svg(*args)
    assert first == second
    assert "<dc:date>" not in first


def test_cost_chart_marks_cheapest_and_keeps_unpriced_rows(review_data):
    rates = {"inf2.xlarge": 0.7582, "inf2.8xlarge": 1.96786, "trn1.2xlarge": 1.34375}
    table = charts.add_cost_column(_table(review_data), "Throughput (inference/sec)",
                                   "Inst. Type", rates, "Cost per 1M inferences")
    assert table.records[0]["Cost per 1M inferences"] == pytest.approx(1e6 / 1200.5 * 0.7582 / 3600)
    assert math.isnan(table.records[-1]["Cost per 1M inferences"])  # m5.large has no price
    svg = charts.cost_chart_svg(table, "Cost per 1M inferences", ["Model", "Inst. Type"])
    root = _parse(svg)
    desc = root[1].text
    assert desc.startswith("Bar chart of Cost per 1M inferences (USD), cheapest first")
    assert "roberta-base, m5.large: n/a (no price)" in desc
    texts = _texts(root)
    assert "$0.08775  cheapest" in texts
    assert "n/a (no price)" in texts


def test_cost_chart_accepts_an_existing_cost_column():
    frame = _rows({"Inst. Type": ["a", "b"], "Cost": ["$1,200.50", "$3.00"]})
    desc = _parse(charts.cost_chart_svg(frame, "Cost", ["Inst. Type"]))[1].text
    assert "b: $3; a: $1200" in desc


def test_sweep_handles_oom_and_missing_series(review_data):
    throughput = _read(review_data / "sweep_throughput.csv")
    latency = _read(review_data / "sweep_latency.csv")
    svg = charts.sweep_chart_svg(throughput, latency, "batch_size",
                                 throughput_label="Throughput (tokens/s)",
                                 latency_label="Latency (s)")
    root = _parse(svg)
    desc = root[1].text
    assert "HF (fp32): peak 3,859 at batch_size 640, oom from batch_size 1,024" in desc
    assert "HF (int8): no data" in desc
    texts = _texts(root)
    assert "oom (out of memory)" in texts
    assert "Throughput (tokens/s)" in texts and "Latency (s)" in texts
    assert "peak 11,814" in texts


def test_sweep_without_latency_and_with_chosen_columns():
    frame = _rows({"bs": ["1", "2", "4"], "a": ["1.0", "2.0", "oom"], "b": ["1", "", "3"]})
    desc = _parse(charts.sweep_chart_svg(frame, None, "bs", ["a"]))[1].text
    assert desc.startswith("Line chart of throughput against bs")
    assert "a: peak 2 at bs 2, oom from bs 4." in desc
    with pytest.raises(charts.ChartError, match=r"sweep chart \(throughput\): no column 'c'"):
        charts.sweep_chart_svg(frame, None, "bs", ["c"])


def test_bad_inputs_name_the_problem(tmp_path, review_data):
    torn = tmp_path / "torn.csv"
    torn.write_text("a,b\n1,2\n3\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"torn.csv:3: expected 2 fields as in the header"):
        _read(torn)
    with pytest.raises(charts.ChartError,
                       match=r"pareto chart: no column 'Latency P90 \(ms\)' \(columns: Model, "):
        charts.pareto_chart_svg(_table(review_data), "Throughput (inference/sec)",
                                "Latency P90 (ms)")
    frame = _rows({"Model": ["m"], "T": ["n/a"], "L": ["1"]})
    with pytest.raises(charts.ChartError, match="no row has numeric 'T' and 'L'"):
        charts.pareto_chart_svg(frame, "T", "L")


def test_to_numbers_and_units():
    values = charts.to_numbers(["$1,234.5", "oom", "", "0.083"])
    assert values[0] == 1234.5 and math.isnan(values[1]) and values[3] == 0.083
    assert charts.unit_of("Latency P50 (ms)") == "ms"
    assert charts.unit_of("Model") == ""
