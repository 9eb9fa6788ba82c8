"""The extension's one base, table builder and per-page collector."""

from __future__ import annotations

from io import StringIO
from types import SimpleNamespace

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.testing.util import SphinxTestApp

from ext.base import DataDirective
from ext.page_facts import PageFacts
from ext.tables import TABLE_CLASS, table_cell, table_node, table_row

DATA_DIRECTIVES = ["df-table", "perf-family", "perf-sweep", "perf-chart", "perf-diff",
                   "perf-release-changes", "perf-history", "cost-comparison",
                   "cheapest-under-sla", "cheapest-at-speed", "cost-explorer", "model-card",
                   "model-card-list"]
NOT_DATA = ["run-reports"]  # lists the report pages under docs/, reads no data file


def test_every_data_directive_is_on_the_base(site):
    app = SphinxTestApp("html", srcdir=site.srcdir, status=StringIO(), warning=StringIO())
    try:  # the application registers its directives with docutils until cleanup
        ours = sorted(name for name, directive in directives._directives.items()
                      if isinstance(directive, type) and directive.__module__.startswith("ext."))
        assert ours == sorted(DATA_DIRECTIVES + NOT_DATA)  # a new directive is listed here
        for name in DATA_DIRECTIVES:
            directive = directives._directives[name]
            assert issubclass(directive, DataDirective), name
            assert directive.cache is not None, name  # with the application's file cache
    finally:
        app.cleanup()


def test_table_node_has_one_header_row_and_the_df_table_class():
    body = [table_row(["a", "1"], classes=["df-peak"]),
            table_row([table_cell(nodes.strong("", "b"), classes=["x"]), "2"])]
    table = table_node(["Model", "Throughput"], body, classes=["extra"], caption="Caption")
    assert table["classes"] == [TABLE_CLASS, "extra"]
    assert table[0].astext() == "Caption"
    (tgroup,) = table.findall(nodes.tgroup)
    assert tgroup["cols"] == 2 and len(list(tgroup.findall(nodes.colspec))) == 2
    (thead,) = table.findall(nodes.thead)
    assert [entry.astext() for entry in thead.findall(nodes.entry)] == ["Model", "Throughput"]
    rows = list(next(table.findall(nodes.tbody)).findall(nodes.row))
    assert rows[0]["classes"] == ["df-peak"]
    assert rows[1][0]["classes"] == ["x"] and isinstance(rows[1][0][0][0], nodes.strong)
    text = rows[0][0][0][0]
    assert isinstance(text, nodes.Text) and text == "a"  # a Text is not wrapped twice


class Noted(PageFacts):
    key = "test_noted"


def _env(docname: str) -> SimpleNamespace:
    return SimpleNamespace(docname=docname, current_document={})


def test_page_facts_are_kept_per_page_cleared_and_merged():
    collector = Noted()
    main = _env("a")
    Noted.note(main, ["x", "y"])
    Noted.note(main, ["y"])
    collector.process_doc(SimpleNamespace(env=main), nodes.document(None, None))
    assert Noted.pages(main) == {"a": frozenset({"x", "y"})}

    child = _env("b")  # a parallel reader's environment
    Noted.note(child, ["z"])
    collector.process_doc(SimpleNamespace(env=child), nodes.document(None, None))
    collector.merge_other(None, main, {"b"}, child)
    assert Noted.pages(main) == {"a": frozenset({"x", "y"}), "b": frozenset({"z"})}

    collector.clear_doc(None, main, "a")  # re-read or removed
    assert Noted.pages(main) == {"b": frozenset({"z"})}


def test_a_page_that_noted_nothing_has_no_entry():
    collector, env = Noted(), _env("a")
    collector.process_doc(SimpleNamespace(env=env), nodes.document(None, None))
    assert Noted.pages(env) == {}
