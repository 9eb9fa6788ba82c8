"""The cost review answers right on the repository's own data (issue 15), in a real build.

A small test root whose ``df_table_data_dir`` is the repository's ``data/``: every published
CSV, the price catalog, the families and the model catalog as the site uses them.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest
from cost_site import Site, cells, paragraphs
from docutils import nodes

REPO = Path(__file__).resolve().parents[2]
PAGE = """\
Answers
=======

.. cost-comparison::
   :models: Resnet-50, bert-base-uncased, deepmind/vision-perceiver-learned, Llama-2-13b,
            bert-base
   :pricing: ri-effective

.. cheapest-under-sla::
   :latency: p99
   :max-ms: 10
   :pricing: ri-effective
   :models: Llama-2-13b, resnet50

.. cheapest-under-sla::
   :latency: tpot-p99
   :max-ms: 10
   :pricing: ri-effective
   :models: Llama-2-13b

.. cost-explorer::
   :model: bert-base-uncased
   :latency: p99
   :max-ms: 10
   :pricing: on-demand
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    srcdir = tmp_path_factory.mktemp("real") / "src"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text(
        f"extensions = ['ext']\ndf_table_data_dir = {str(REPO / 'data')!r}\n"
        "smartquotes = False\n", encoding="utf-8")
    (srcdir / "index.rst").write_text(PAGE, encoding="utf-8")
    site = Site(srcdir)
    app = site.build()
    return site, app


def _table(app, caption_start: str) -> list[list[str]]:
    doctree = app.env.get_doctree("index")
    for table in doctree.findall(nodes.table):
        title = next(iter(table.findall(nodes.title)), None)
        if title is not None and title.astext().startswith(caption_start):
            return [[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
    raise AssertionError(f"no table captioned {caption_start!r}")


def _marked(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows[1:] if row[-1].startswith("cheapest")]


def test_the_build_is_clean(built) -> None:
    site, _ = built
    assert site.warning_lines() == []


def test_resnet50_of_inf1_and_inf2_is_one_model_and_inf1_is_cheapest(built) -> None:
    _, app = built
    rows = _table(app, "ResNet-50 (resnet50; ResNet, 25.6M parameters; published as Resnet-50, "
                       "resnet50)")
    header = rows[0]
    cost = header.index("Cost per 1M inferences (ri-effective)")
    by_instance = {(row[0], row[2]): row[cost] for row in rows[1:]}
    assert by_instance[("inf1.xlarge", "10")] == "$0.0138"  # Resnet-50 on the Inf1 page
    assert by_instance[("Inf2.xlarge", "8")] == "$0.0207"  # resnet50 on the Inf2 page
    (cheapest,) = _marked(rows)
    assert (cheapest[0], cheapest[cost]) == ("inf1.xlarge", "$0.0138")


def test_bert_base_uncased_of_inf1_and_inf2_is_one_model(built) -> None:
    _, app = built
    rows = _table(app, "bert-base-uncased (")
    cost = rows[0].index("Cost per 1M inferences (ri-effective)")
    costs = {row[0]: row[cost] for row in rows[1:] if row[2] in ("6", "8")}
    assert costs == {"inf1.xlarge": "$0.0259", "Inf2.xlarge": "$0.0341"}
    (cheapest,) = _marked(rows)
    assert (cheapest[0], cheapest[cost]) == ("inf1.xlarge", "$0.0259")


def test_identical_rows_show_once_and_one_is_cheapest(built) -> None:
    _, app = built
    rows = _table(app, "deepmind/vision-perceiver-learned")
    assert len(rows) == 2  # header and one row, published four times
    assert rows[1][-1].startswith("cheapest (ri-effective); published 4 times")
    assert "throughput, latency" in rows[1]


def test_decoder_tables_name_ttft_and_tpot_and_never_a_plain_latency(built) -> None:
    _, app = built
    header = _table(app, "Llama-2-13b (")[0]
    assert [h for h in header if "(ms)" in h] == [
        "TTFT P50 (ms)", "TTFT P99 (ms)", "TPOT P50 (ms)", "TPOT P99 (ms)"]
    assert not any(h.startswith("Latency") for h in header)
    assert "Throughput (output tokens/s)" in header


def test_a_per_batch_bound_never_ranks_a_per_token_figure(built) -> None:
    _, app = built
    (answer,) = [table for table in cells(app, "index")
                 if table[0][0] == "Model" and table[0][7] == "P99 per batch (ms)"]
    assert [row[0] for row in answer[1:]] == ["ResNet-50"]
    sentences = paragraphs(app, "index", "cost-review-none")
    (llama,) = [s for s in sentences if "Llama-2-13b meets P99 per batch" in s]
    assert "10 without a P99 per batch latency (they publish TTFT P50, TTFT P99, TPOT P50, " \
           "TPOT P99)" in llama
    (tpot,) = [table for table in cells(app, "index") if table[0][7] == "TPOT P99 (ms)"]
    assert tpot[1][:2] == ["Llama-2-13b", "Inf2.48xlarge"] and tpot[1][7] == "9.331"


def test_unpriced_seed_rows_are_listed_labelled_and_never_cheapest(built) -> None:
    _, app = built
    rows = _table(app, "BERT-base (checkpoint not stated)")
    assert rows[1:] and not _marked(rows)
    assert all(row[-1].startswith("not ranked; n/a: seeds 000 and 001") for row in rows[1:])


def test_older_rows_are_collapsed_and_not_ranked(built) -> None:
    site, app = built
    html = site.html("index")
    assert '<details class="df-collapsible cost-older"><summary>Older measurements of ' \
           'ResNet-50: 2 configurations of a superseded table, not ranked</summary>' in html
    older = _table(app, "ResNet-50 (resnet50; ResNet, 25.6M parameters; published as "
                        "Resnet-50, resnet50): older measurements")
    assert {row[-1] for row in older[1:]} == {"older: not ranked"}
    version = older[0].index("Version")
    assert {row[version] for row in older[1:]} == {"Neuron 2.14.0, PyTorch 1.13.1"}


def test_every_row_shows_its_version_and_no_cell_has_more_than_four_decimals(built) -> None:
    site, app = built
    for table in cells(app, "index"):
        assert "Version" in table[0]
    html = re.sub(r"<[^>]+>", " ", site.html("index"))
    assert not re.findall(r"\d\.\d{5,}", html)


@pytest.mark.browser
def test_the_explorer_ranks_one_model_across_inf1_and_inf2(built, browser) -> None:
    site, _ = built
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(site.srcdir / "_build" / "html"))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"{origin}/index.html?model=Resnet-50&max-ms=&pricing=ri-effective")
        page.wait_for_function("document.querySelector('.cost-explorer-summary') && "
                               "document.querySelector('.cost-explorer-summary').textContent")
        rows = page.evaluate("""() => Array.from(document.querySelectorAll(
            'table.cost-explorer-ranked tbody tr')).map(r => [
            r.cells[1].firstChild.textContent, r.cells[2].textContent,
            r.cells[6].textContent])""")
        summary = page.locator(".cost-explorer-summary").text_content()
        assert page.locator("select[name=model]").input_value() == "resnet50"
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert rows[:2] == [["inf1.xlarge", "$0.0138", "inf1"], ["Inf2.xlarge", "$0.0207", "inf2"]]
    assert summary.startswith("Cheapest for ResNet-50 (with no latency limit, ri-effective): "
                              "inf1.xlarge, batch size 10 (Neuron 2.12.0, Tensorflow 1.15), "
                              "$0.0138 per 1M inferences.")
    assert [url for url in requested if not url.startswith(origin)] == []
