"""The cost-comparison and cheapest-under-sla directives in real Sphinx builds."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from cost_site import Site, cells, paragraphs
from docutils import nodes

HEADER = ["Instance", "Platform", "Batch Size", "Optimized for", "Version",
          "Throughput (inferences/s)", "P50 per batch (ms)", "P99 per batch (ms)",
          "Cost per 1M inferences (on-demand)", "Cost per 1M inferences (ri-effective)", "Note"]
UNSTATED = "not ranked; n/a: the source does not state the instance size"


def test_comparison_lists_every_configuration_with_cheapest_marked(site: Site) -> None:
    app = site.build()
    assert site.warning_lines() == []
    bert, gpt2, t5 = cells(app, "compare")
    stated = "not stated"
    assert bert == [
        HEADER,
        ["inf2.xlarge", "inf2", "8", "throughput", stated, "1,200", "6.1", "12.0", "$0.176",
         "$0.0759", "cheapest (on-demand, ri-effective)"],
        ["inf2.8xlarge", "inf2", "8", "throughput", stated, "2,600", "5.5", "11.5", "$0.210",
         "$0.0908", ""],
        ["inf2.xlarge", "inf2", "1", "latency", stated, "800", "1.2", "1.5", "$0.263",
         "$0.114", ""],
        ["inf2.8xlarge", "inf2", "1", "latency", stated, "900", "1.1", "1.3", "$0.607",
         "$0.262", ""],
        ["inf2 (size not stated)", "inf2", "16", "throughput", stated, "3,000", "4.0", "9.0",
         "n/a", "n/a", UNSTATED],
    ]
    assert gpt2[1][-3:] == ["n/a", "n/a", UNSTATED]  # an all-unpriced model is still listed
    assert t5 == [
        ["Instance", "Platform", "Batch Size", "Optimized for", "Version",
         "Throughput (tokens/s)", "P50 per token (e2e) (ms)", "P99 per token (e2e) (ms)",
         "Cost per 1M tokens (on-demand)", "Cost per 1M tokens (ri-effective)", "Note"],
        ["trn1.2xlarge", "trn1", "8", "throughput", stated, "5,000", "3.0", "4.0", "$0.0747",
         "n/a", "cheapest (on-demand); n/a: no ri-effective price for trn1.2xlarge in "
         "data/prices.yaml"],
    ]


def test_comparison_marks_with_text_and_emphasis_and_says_which_prices(site: Site) -> None:
    app = site.build()
    doctree = app.env.get_doctree("compare")
    table = next(doctree.findall(nodes.table))
    assert "df-table" in table["classes"]
    assert [t.astext() for t in table.findall(nodes.title)] == ["bert-base"]
    marked = [row for row in table.findall(nodes.row) if "df-cheapest" in row["classes"]]
    assert len(marked) == 1
    assert [s.astext() for s in marked[0].findall(nodes.strong)] == [
        "$0.176", "$0.0759", "cheapest (on-demand, ri-effective)"]
    reasons = {a["explanation"] for a in doctree.findall(nodes.abbreviation)}
    assert "the source does not state the instance size" in reasons
    assert paragraphs(app, "compare", "df-table-cost-note")[1:] == [
        "Cost per 1M (on-demand) uses the on-demand hourly rate (USD) from prices.yaml, "
        "us-east-1, read 2026-11-22.",
        "Cost per 1M (ri-effective) uses the ri-effective hourly rate (USD) from prices.yaml, "
        "us-east-1, read 2025-05-20.",
    ]


def test_cheapest_under_p99_sla(site: Site) -> None:
    """A per-batch bound ranks per-batch latencies only: t5-small publishes latency per
    token, which is not the latency of a request, so it has no answer here."""
    app = site.build()
    assert cells(app, "sla") == [[
        ["Model", "Instance", "Platform", "Batch Size", "Optimized for", "Version",
         "Throughput", "P99 per batch (ms)", "Cost (on-demand)"],
        ["bert-base", "inf2.xlarge", "inf2", "1", "latency", "not stated", "800 inferences/s",
         "1.5", "$0.263 per 1M inferences"],
    ]]
    assert paragraphs(app, "sla", "cost-review-none") == [
        "No current, priced configuration of gpt2-encoder meets P99 per batch <= 10 ms under "
        "on-demand prices (1 measured, 1 unpriced).",
        "No current, priced configuration of t5-small meets P99 per batch <= 10 ms under "
        "on-demand prices (1 measured, 1 without a P99 per batch latency (they publish "
        "P50 per token (e2e), P99 per token (e2e))).",
    ]


def test_a_per_token_bound_ranks_token_rows(site: Site) -> None:
    site.write("sla.rst", "SLA\n===\n\n.. cheapest-under-sla::\n   :latency: token-p99\n"
                          "   :max-ms: 10\n")
    app = site.build()
    (table,) = cells(app, "sla")
    assert table[0][7] == "P99 per token (e2e) (ms)"
    assert [row[:2] + row[7:] for row in table[1:]] == [
        ["t5-small", "trn1.2xlarge", "4.0", "$0.0747 per 1M tokens"]]


@pytest.mark.parametrize(("options", "answer"), [
    (":max-ms: 12\n   :models: bert-base", "inf2.xlarge 8"),  # the batch-8 row now fits
    (":latency: p50\n   :max-ms: 6\n   :models: bert-base", "inf2.8xlarge 8"),
    (":max-ms: 12\n   :pricing: ri-effective\n   :models: bert-base", "inf2.xlarge 8"),
])
def test_sla_bound_percentile_and_pricing_options(site: Site, options: str, answer: str) -> None:
    site.write("sla.rst", f"SLA\n===\n\n.. cheapest-under-sla::\n   {options}\n")
    app = site.build()
    (table,) = cells(app, "sla")
    assert [f"{row[1]} {row[3]}" for row in table[1:]] == [answer]


def test_no_configuration_meets_a_tight_bound(site: Site) -> None:
    site.write("sla.rst", "SLA\n===\n\n.. cheapest-under-sla::\n   :max-ms: 1\n"
                          "   :models: bert-base\n   :pricing: on-demand\n")
    app = site.build()
    assert cells(app, "sla") == []
    assert paragraphs(app, "sla", "cost-review-none") == [
        "No current, priced configuration of bert-base meets P99 per batch <= 1 ms under "
        "on-demand prices (5 measured, 1 unpriced, 4 over the bound).",
    ]


@pytest.mark.parametrize(("body", "message"), [
    (".. cost-comparison::\n   :pricing: reserved\n",
     "cost-comparison: :pricing: 'reserved' is not a pricing model of data/prices.yaml "
     "(it has: on-demand, ri-effective, spot)"),
    (".. cost-comparison::\n   :models: bert-large\n",
     "cost-comparison: :models: no published row is model 'bert-large' "
     "(models: bert-base, gpt2-encoder, t5-small)"),
    (".. cheapest-under-sla::\n   :max-ms: 10\n   :latency: p95\n",
     "cheapest-under-sla: :latency: must be one of batch-p50, batch-p99, token-p50, "
     "token-p99, ttft-p50, ttft-p99, tpot-p50, tpot-p99 (p99 and p50 mean batch-p99 and "
     "batch-p50), got 'p95'"),
    (".. cheapest-under-sla::\n   :latency: p99\n",
     "cheapest-under-sla: :max-ms: is required (the latency bound in milliseconds)"),
    (".. cheapest-under-sla::\n   :max-ms: -3\n",
     "cheapest-under-sla: :max-ms: must be a positive number of milliseconds, got '-3'"),
    (".. cheapest-under-sla::\n   :max-ms: 10\n   :pricing: on-demand, spot\n",
     "cheapest-under-sla: :pricing: takes one pricing model, got on-demand, spot"),
])
def test_bad_options_are_located_errors_with_a_box(site: Site, body: str, message: str) -> None:
    site.write("bad.rst", f"Bad\n===\n\n{body}")
    app = site.build()
    assert f"bad.rst:4: ERROR: {message} [df_table.error]" in site.warning_lines()
    boxes = list(app.env.get_doctree("bad").findall(nodes.error))
    assert [box.astext() for box in boxes] == [message]


def test_broken_inputs_name_file_and_line(site: Site) -> None:
    csv = site.srcdir / "data/inf2/latency_data_encoder.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "bert-base,inf2.xlarge,fast,1,1,1,x\n",
                   encoding="utf-8")
    site.build()
    assert ("compare.rst:4: ERROR: cost-comparison: data/inf2/latency_data_encoder.csv:4: "
            "Throughput (inference/sec) must be a number, got 'fast' [df_table.error]"
            in site.warning_lines())
    (site.srcdir / "data/prices.yaml").unlink()
    site.build()
    assert ("sla.rst:4: ERROR: cheapest-under-sla: data/prices.yaml: price catalog not found "
            "[df_table.error]" in site.warning_lines())


def test_instance_without_any_price_warns_once_and_shows_na(site: Site) -> None:
    site.write("data/inf2/throughput_data_encoder.csv",
               "Model,Inst. Type,Throughput (inference/sec),Latency P99 (ms)\n"
               "bert-base,inf2.2xlarge,100,1\nbert-base,inf2.2xlarge,200,1\n")
    app = site.build()
    assert site.warning_lines() == [
        "compare.rst:4: WARNING: cost-comparison: no price for instance 'inf2.2xlarge' "
        "(from data/inf2/throughput_data_encoder.csv:2) in data/prices.yaml; "
        "its cost shows n/a [df_table.price]",
        "sla.rst:4: WARNING: cheapest-under-sla: no price for instance 'inf2.2xlarge' "
        "(from data/inf2/throughput_data_encoder.csv:2) in data/prices.yaml; "
        "its cost shows n/a [df_table.price]",
    ]
    rows = cells(app, "compare")[0]
    assert rows[-1][-1] == "not ranked; n/a: no price for inf2.2xlarge in data/prices.yaml"


def test_cell_text_is_escaped(site: Site) -> None:
    site.write("data/inf2/latency_data_encoder.csv",
               "Model,Inst. Type,Throughput (inference/sec),Latency P99 (ms)\n"
               "<script>alert(1)</script>,inf2.xlarge,100,1\n")
    site.build()
    html = site.html("compare")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _touch_later(path: Path) -> None:
    stamp = time.time() + 5
    os.utime(path, (stamp, stamp))


def test_editing_or_adding_a_csv_rereads_the_cost_pages(site: Site) -> None:
    site.build()
    site.build()
    assert site.read_docs == []
    _touch_later(site.srcdir / "data/inf2/latency_data_encoder.csv")
    site.build()
    assert sorted(site.read_docs) == ["compare", "sla"]
    site.write("data/trn1/latency_data_encoder_decoder.csv",
               "Model,Inst. Type,Throughput (tokens/second),Latency per Token P99 (ms)\n"
               "t5-small,trn1.2xlarge,1000,2\n")
    app = site.build()
    assert sorted(site.read_docs) == ["compare", "sla"]
    assert len(cells(app, "compare")[2]) == 3  # header and both t5-small rows


def test_parallel_build_gives_the_same_pages(site: Site, tmp_path: Path) -> None:
    serial_app = site.build(builddir=tmp_path / "serial")
    serial = {doc: cells(serial_app, doc) for doc in ("compare", "sla")}
    parallel_app = site.build(parallel=2, builddir=tmp_path / "parallel")
    assert {doc: cells(parallel_app, doc) for doc in ("compare", "sla")} == serial
    assert site.warning_lines() == []
    for doc in ("compare", "sla"):
        assert (site.html(doc, tmp_path / "serial") == site.html(doc, tmp_path / "parallel"))
