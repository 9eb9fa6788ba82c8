"""Model cards in real Sphinx builds, fed by ``collect publish`` of records imported from
files the real tools wrote (tests/importers/files)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from df_site import Site
from docutils import nodes

from collect.importers import import_files, write_results
from collect.publish.tables import PublishOptions, publish
from perfcore.cost import cost_per_million
from perfcore.formats import display_number, format_number

FILES = Path(__file__).resolve().parents[1] / "importers" / "files"
AIPERF = FILES / "aiperf-0.13.0-transformers-serve-c2.json"
VLLM = FILES / "vllm-0.32.0-bench-serve-c2-detailed.json"
CARD = """\
schema_version: 1
model: tiny-gpt2
title: Tiny GPT-2 (random weights)
description: A 2-layer GPT-2 with random weights, served on loopback.
recommended:
  - instance: inf2.xlarge
    concurrency: 2
    input_length: 32
    output_length: 16
    use: fastest tokens per user
"""
PAGE = ".. model-card:: tiny-gpt2\n"
LIST = "Model cards\n===========\n\n.. model-card-list::\n"


def published_site(site: Site, tmp_path: Path, instance: str = "inf2.xlarge") -> None:
    """Import the real vLLM and AIPerf files as measured on ``instance`` (a test: the
    instance only picks a fixture price) and publish them into the site's data."""
    records = import_files([VLLM, AIPERF], instance_type=instance, model="tiny-gpt2",
                           imported_at="2026-12-03T12:00:00Z")
    results = tmp_path / "imported.jsonl"
    write_results(results, records)
    publish(PublishOptions(results=[results], data_dir=site.srcdir / "data"))
    site.write("data/model-cards/tiny-gpt2.yaml", CARD)
    site.write("model-cards/tiny-gpt2.rst", PAGE)
    site.write("model-cards/index.rst", LIST + "\n.. toctree::\n   :glob:\n\n   *\n")
    index = (site.srcdir / "index.rst").read_text(encoding="utf-8")
    site.write("index.rst", index + "\n.. toctree::\n\n   model-cards/index\n")


def tab_tables(app: object, docname: str) -> dict[str, list[list[str]]]:
    """Each tab's title and its table's rows (header first)."""
    doctree = app.env.get_doctree(docname)  # type: ignore[attr-defined]
    found = {}
    for table in doctree.findall(nodes.table):
        rows = [[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
        label = table.parent
        while label is not None and not any("sd-tab-content" in c for c in
                                            label.get("classes", [])):
            label = label.parent
        found[label.parent.children[0].astext() if label is not None else "recommended"] = rows
    return found


def test_a_card_from_imported_vllm_and_aiperf_results_builds_strictly(
        site: Site, tmp_path: Path) -> None:
    published_site(site, tmp_path)
    app = site.build()
    assert site.warning_lines() == []
    doctree = app.env.get_doctree("model-cards/tiny-gpt2")
    assert app.env.titles["model-cards/tiny-gpt2"].astext() == "Tiny GPT-2 (random weights)"
    tabs = tab_tables(app, "model-cards/tiny-gpt2")
    assert list(tabs) == ["recommended", "Latency", "Throughput", "TTFT", "TPOT (ITL)"]
    vllm = json.loads(VLLM.read_text(encoding="utf-8"))
    [header, *rows] = tabs["Throughput"]
    assert header[:5] == ["Instance", "Server", "Data type", "Load", "Input | Output"]
    assert header[-1] == "Cost per 1M output tokens (USD, on-demand)"
    by_length = {row[4]: row for row in rows}
    assert set(by_length) == {"16 | 8", "32 | 16"}  # AIPerf's run, then vLLM's
    vllm_row = by_length["32 | 16"]
    assert vllm_row[3] == "concurrency 2"
    assert vllm_row[1] == "n/a"  # the file does not say which server answered
    output_tokens = float(vllm_row[header.index("Output Token Throughput (tokens/second)")])
    assert output_tokens == pytest.approx(vllm["output_throughput"], abs=0.005)
    # the one cost formula, on the published (rounded) throughput, with the catalog's rate
    assert vllm_row[-1] == format_number("$sig3", cost_per_million(output_tokens, 0.7582))
    [ttft_header, *ttft_rows] = tabs["TTFT"]
    ttft = {row[4]: row[ttft_header.index("TTFT P50 (ms)")] for row in ttft_rows}
    assert ttft["32 | 16"] == f"{vllm['p50_ttft_ms']:.2f}"
    [itl_header, *itl_rows] = tabs["TPOT (ITL)"]
    itl = {row[4]: row for row in itl_rows}
    assert itl["16 | 8"][itl_header.index("ITL P50 (ms)")] == "n/a"  # AIPerf has no such gap
    assert itl["16 | 8"][itl_header.index("Text ITL P50 (ms)")] != "n/a"
    [_, rec] = tabs["recommended"]
    assert rec[0] == "fastest tokens per user" and rec[5] == "32 | 16"
    text = doctree.astext()
    assert "imported vllm bench serve 0.32.0 result" in text
    assert "imported AIPerf 0.13.0 result" in text
    assert "us-east-1, read 2026-11-22" in text
    listing = site.html("model-cards/index")
    assert "Tiny GPT-2 (random weights)" in listing and 'href="tiny-gpt2.html"' in listing
    # every card table is a df-table whose cost column the page keeps in view when narrow
    page = site.html("model-cards/tiny-gpt2")
    tables = re.findall(r'<table class="([^"]*)"', page)
    assert len(tables) == 5 and all("df-table" in classes.split() for classes in tables)
    costs = re.findall(r'<th class="([^"]*)"><p>Cost per 1M output tokens', page)
    assert costs and all("df-priority-1" in classes.split() for classes in costs)


def test_a_bad_key_and_a_missing_result_are_located_errors(site: Site, tmp_path: Path) -> None:
    published_site(site, tmp_path)
    site.write("data/model-cards/tiny-gpt2.yaml",
               CARD.replace("    concurrency: 2", "    concurency: 2"))
    site.build()
    why = ("data/model-cards/tiny-gpt2.yaml:7: unknown key 'concurency' in a recommended "
           "configuration (keys: instance, server, concurrency, input_length, output_length, "
           "dtype, tp_degree, use) [df_table.error]")
    # the card's page, and the list of cards, which reads every card too
    assert sorted(site.warning_lines()) == [
        f"model-cards/index.rst:4: ERROR: model-card-list: {why}",
        f"model-cards/tiny-gpt2.rst:1: ERROR: model-card: {why}"]
    site.write("data/model-cards/tiny-gpt2.yaml",
               CARD.replace("concurrency: 2", "concurrency: 8"))
    site.build()
    [error] = site.warning_lines()
    assert error.startswith("model-cards/tiny-gpt2.rst:1: ERROR: model-card: "
                            "data/model-cards/tiny-gpt2.yaml:6: no published served result of "
                            "tiny-gpt2 for inf2.xlarge, concurrency 8, 32|16 in "
                            "data/model-cards/tiny-gpt2.csv (published: inf2.xlarge concurrency 2 "
                            "16|8; inf2.xlarge concurrency 2 32|16)")


def test_an_unpriced_instance_shows_why_and_an_unknown_one_warns(site: Site,
                                                                tmp_path: Path) -> None:
    published_site(site, tmp_path, instance="inf2 (size not stated)")
    site.write("data/model-cards/tiny-gpt2.yaml",
               CARD.replace("inf2.xlarge", "inf2 (size not stated)"))
    app = site.build()
    assert site.warning_lines() == []
    throughput = tab_tables(app, "model-cards/tiny-gpt2")["Throughput"]
    assert {row[-1] for row in throughput[1:]} == {"n/a"}
    assert "inf2 (size not stated): no price (the source does not state the instance size)" \
        in app.env.get_doctree("model-cards/tiny-gpt2").astext()


def test_a_card_without_a_page_is_an_error_of_the_list(site: Site, tmp_path: Path) -> None:
    published_site(site, tmp_path)
    site.write("data/model-cards/other.yaml", CARD.replace("tiny-gpt2", "other"))
    site.build()
    assert site.warning_lines() == [
        "model-cards/index.rst:4: ERROR: model-card-list: data/model-cards/other.yaml: no page "
        "shows this model card: add docs/model-cards/other.rst with '.. model-card:: other' "
        "[df_table.error]"]


CATALOG = """\
schema_version: 1
models:
  bert-base: {name: BERT base, family: BERT}
  tiny-gpt2:
    name: Tiny GPT-2
    family: GPT-2
    aliases: [tiny-gpt2-served]
    source: the served name of the same weights (vllm serve --served-model-name)
"""


def test_a_card_resolves_its_model_through_the_catalog(site: Site, tmp_path: Path) -> None:
    """Records served under an alias go to the card of the model's id; the card may name it
    by an alias too; a model the catalog does not know is an error at the card's line."""
    site.write("data/models.yaml", CATALOG)
    records = import_files([VLLM], instance_type="inf2.xlarge", model="tiny-gpt2-served",
                           imported_at="2026-12-03T12:00:00Z")
    results = tmp_path / "imported.jsonl"
    write_results(results, records)
    report = publish(PublishOptions(results=[results], data_dir=site.srcdir / "data"))
    card_results = site.srcdir / "data" / "model-cards" / "tiny-gpt2.csv"
    assert card_results.is_file() and f"{card_results}: 1 added" in "\n".join(report.lines)
    assert "tiny-gpt2-served," in card_results.read_text(encoding="utf-8")  # as published
    site.write("data/model-cards/tiny-gpt2.yaml",
               CARD.replace("model: tiny-gpt2", "model: tiny-gpt2-served"))
    site.write("model-cards/tiny-gpt2.rst", PAGE)
    index = (site.srcdir / "index.rst").read_text(encoding="utf-8")
    site.write("index.rst", index + "\n.. toctree::\n\n   model-cards/tiny-gpt2\n")
    app = site.build()
    assert site.warning_lines() == []
    assert tab_tables(app, "model-cards/tiny-gpt2")["recommended"][1][5] == "32 | 16"

    site.write("data/model-cards/tiny-gpt2.yaml",
               CARD.replace("model: tiny-gpt2", "model: tiny-gtp2"))
    site.build()
    assert site.warning_lines() == [
        "model-cards/tiny-gpt2.rst:1: ERROR: model-card: data/model-cards/tiny-gpt2.yaml:2: "
        "model 'tiny-gtp2' is not in the model catalog data/models.yaml: a card's model is a "
        "catalog id or alias (add the model there first) [df_table.error]"]

    site.write("data/model-cards/tiny-gpt2.yaml", CARD)
    text = card_results.read_text(encoding="utf-8")
    card_results.write_text(text + text.splitlines()[1].replace("tiny-gpt2-served", "bert-base",
                                                                1) + "\n", encoding="utf-8")
    site.build()
    assert site.warning_lines() == [
        "model-cards/tiny-gpt2.rst:1: ERROR: model-card: data/model-cards/tiny-gpt2.csv:3: "
        "Model 'bert-base' is 'bert-base' in the model catalog data/models.yaml, not this "
        "card's 'tiny-gpt2': collect publish writes each model's rows to its own card "
        "[df_table.error]"]


def test_publish_notes_a_served_model_the_catalog_does_not_know(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "models.yaml").write_text(CATALOG, encoding="utf-8")
    records = import_files([VLLM], instance_type="inf2.xlarge", model="llama-new",
                           imported_at="2026-12-03T12:00:00Z")
    results = tmp_path / "imported.jsonl"
    write_results(results, records)
    report = publish(PublishOptions(results=[results], data_dir=data))
    assert (f"model card: 'llama-new' is not in the model catalog {data / 'models.yaml'}: its "
            "rows go to model-cards/llama-new.csv; add the model (or an alias) there for its "
            "card to show them") in report.lines
    assert (data / "model-cards" / "llama-new.csv").is_file()


def test_a_broken_catalog_is_a_located_error_of_the_card_pages(site: Site,
                                                              tmp_path: Path) -> None:
    published_site(site, tmp_path)
    site.write("data/models.yaml", CATALOG.replace("family: GPT-2", "family: GPT-2: 2 layers"))
    site.build()
    assert [line for line in site.warning_lines() if "model-card" in line] == [
        f"model-cards/{page}: ERROR: model-card{what}: data/models.yaml:6: invalid YAML: "
        "mapping values are not allowed in this context [df_table.error]" for page, what in
        (("index.rst:4", "-list"), ("tiny-gpt2.rst:1", ""))]


def card_cells(site: Site) -> dict[str, dict[str, str]]:
    """The published card rows by input|output length."""
    import csv

    with (site.srcdir / "data" / "model-cards" / "tiny-gpt2.csv").open(encoding="utf-8") as f:
        return {f"{row['Input Length']}|{row['Output Length']}": row for row in csv.DictReader(f)}


def test_the_card_charts_cost_against_speed_per_user(site: Site, tmp_path: Path) -> None:
    published_site(site, tmp_path)
    app = site.build()
    assert site.warning_lines() == []
    [chart] = list(app.env.get_doctree("model-cards/tiny-gpt2").findall(
        lambda node: node.tagname == "perf_chart"))
    rows = card_cells(site)
    assert set(rows) == {"16|8", "32|16"}  # AIPerf's run and vLLM's, both drawn
    for lengths, row in rows.items():  # each point: 1000 / TPOT P50 and the one cost formula
        speed = 1000 / float(row["TPOT P50 (ms)"])
        cost = cost_per_million(float(row["Output Token Throughput (tokens/second)"]), 0.7582)
        inputs, outputs = lengths.split("|")
        assert (f"inf2.xlarge | {inputs} | {outputs}: load point c=2: {speed:.3g} tokens/s per "
                f"user, {format_number('$sig3', cost)}") in chart["alt"]
    assert "Cost per 1M output tokens (USD, on-demand) (y, lower is better)" in chart["alt"]


SPEED_PAGE = """\
Cost at speed
=============

.. cheapest-at-speed::
   :min-tokens-per-user: {minimum}
"""


def test_the_cost_page_answers_the_cheapest_configuration_at_a_speed_per_user(
        site: Site, tmp_path: Path) -> None:
    published_site(site, tmp_path)
    site.write("speed.rst", SPEED_PAGE.format(minimum=20))
    index = (site.srcdir / "index.rst").read_text(encoding="utf-8")
    site.write("index.rst", index + "\n.. toctree::\n\n   speed\n")
    app = site.build()
    assert site.warning_lines() == []
    [[header, answer]] = tables_of(app, "speed")
    vllm = card_cells(site)["32|16"]  # 1000 / 16.68 ms = 60 tokens/s; AIPerf's 12 is slower
    assert header[:7] == ["Model", "Instance", "Server", "Data type", "Load",
                          "Input | Output", "Output tokens/s per user"]
    assert answer[:6] == ["tiny-gpt2", "inf2.xlarge", "n/a", "n/a", "concurrency 2", "32 | 16"]
    assert answer[6] == display_number(1000 / float(vllm["TPOT P50 (ms)"]))
    assert answer[-1] == format_number("$sig3", cost_per_million(
        float(vllm["Output Token Throughput (tokens/second)"]), 0.7582))
    site.write("speed.rst", SPEED_PAGE.format(minimum=100))
    app = site.build()
    assert tables_of(app, "speed") == []
    assert ("No priced configuration of tiny-gpt2 gives at least 100 output tokens/s per user "
            "under on-demand prices (2 published, 2 slower).") in \
        app.env.get_doctree("speed").astext()
    site.write("speed.rst", SPEED_PAGE.format(minimum="fast"))
    site.build()
    assert site.warning_lines() == [
        "speed.rst:4: ERROR: cheapest-at-speed: :min-tokens-per-user: must be a positive "
        "number of tokens per second, got 'fast' [df_table.error]"]


def tables_of(app: object, docname: str) -> list[list[list[str]]]:
    doctree = app.env.get_doctree(docname)  # type: ignore[attr-defined]
    return [[[entry.astext() for entry in row.children] for row in table.findall(nodes.row)]
            for table in doctree.findall(nodes.table)]
