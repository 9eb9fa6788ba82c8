"""The cost-explorer directive and JSON export in real Sphinx builds (no browser needed)."""

from __future__ import annotations

import json
import math
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from sphinx.errors import ExtensionError
from sphinx.testing.util import SphinxTestApp

from ext.cost_explorer import (
    COST_JSON_URI,
    CostExplorerDataError,
    build_cost_payload,
    resolve_provider,
    write_cost_json,
)

ROW = {
    "model": "bert-base",
    "platform": "inf2",
    "instance": "inf2.xlarge",
    "batch_size": 1,
    "throughput": 812.0,
    "unit": "inferences",
    "latency_ms": {"batch-p50": 5.1, "batch-p99": 9.8},
    "cost_per_1m": {"on-demand": 0.259, "ri-effective": None},
    "source": "fixture",
    "table": "latency",
}

PRICE_NOTES = {"on-demand": "fixture rates"}
PAGE_ROW = {**ROW, "model": 'bert "base" <b>'}  # the model EXPLORER_PAGE asks for
PROVIDER = (f"def rows(app):\n    return {{'rows': [{PAGE_ROW!r}], "
            f"'price_notes': {PRICE_NOTES!r}}}\n")


def make_site(tmp_path: Path, pages: dict[str, str], conf: str = "") -> Path:
    srcdir = tmp_path / "src"
    srcdir.mkdir()
    conf_text = (
        "import sys, pathlib\n"
        "sys.path.insert(0, str(pathlib.Path(__file__).parent))\n"
        "extensions = ['ext']\n" + conf
    )
    (srcdir / "conf.py").write_text(conf_text, encoding="utf-8")
    (srcdir / "fixture_provider.py").write_text(PROVIDER, encoding="utf-8")
    for name, body in pages.items():
        (srcdir / f"{name}.rst").write_text(textwrap.dedent(body), encoding="utf-8")
    return srcdir


def build(srcdir: Path, **kwargs) -> tuple[SphinxTestApp, str]:
    app = SphinxTestApp("html", srcdir=srcdir, warning=StringIO(), **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return app, app.warning.getvalue()


EXPLORER_PAGE = """\
Costs
=====

.. cost-explorer::
   :model: bert "base" <b>
   :max-ms: 10
   :latency: p50
   :pricing: on-demand
"""

PROVIDER_CONF = "cost_explorer_rows_provider = 'fixture_provider:rows'\n"


def test_payload_shape_and_nan_becomes_null():
    payload = build_cost_payload(
        [{**ROW, "latency_ms": {"batch-p50": math.nan, "batch-p99": 9.8}}],
        price_notes={"on-demand": "fixture rates"}
    )
    assert payload["schema_version"] == 3
    assert payload["pricing_models"] == ["on-demand", "ri-effective"]
    row = payload["rows"][0]
    assert row["latency_ms"] == {"batch-p50": None, "batch-p99": 9.8}
    assert row["cost_per_1m"] == {"on-demand": 0.259, "ri-effective": None}
    assert payload["generated"].endswith("Z")
    # a provider's rows get the site's display rounding; the page never rounds on its own
    assert row["display"] == {"throughput": "812", "tokens_per_user": "n/a",
                              "latency_ms": {"batch-p50": "n/a", "batch-p99": "9.8"},
                              "cost_per_1m": {"on-demand": "$0.259", "ri-effective": "n/a"}}
    assert row["tokens_per_user"] is None  # no TPOT: not a token row
    token_row = {**ROW, "latency_ms": {"tpot-p50": 8.0}}
    [speed] = build_cost_payload([token_row])["rows"]
    assert (speed["tokens_per_user"], speed["display"]["tokens_per_user"]) == (125.0, "125")
    assert (row["model_name"], row["published_as"], row["counts"]) == (
        "bert-base", "bert-base", "inferences")
    assert payload["models"] == {"bert-base": {"name": "bert-base", "family": "", "params": "",
                                               "published_as": ["bert-base"]}}
    assert payload["latency_metrics"]["batch-p99"]["label"] == "P99 per batch"


def test_generated_follows_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert build_cost_payload([ROW])["generated"] == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": ""}, "row 1 ('' on 'inf2.xlarge'): 'model' must be a non-empty string"),
        ({"throughput": "fast"}, "'throughput' must be a number or null, got 'fast'"),
        ({"latency_ms": {"batch-p99": True}},
         "\"latency_ms['batch-p99']\" must be a number or null"),
        ({"latency_ms": {"p99": 3}}, "'latency_ms' key 'p99' is not a latency of the schema"),
        ({"cost_per_1m": {}}, "'cost_per_1m' must map pricing model to cost"),
        ({"cost_per_1m": {"spot": math.inf}}, "\"cost_per_1m['spot']\" must be finite"),
        ({"colour": "red"}, "unknown keys ['colour']"),
    ],
)
def test_bad_rows_are_named_and_explained(change, message):
    with pytest.raises(CostExplorerDataError) as error:
        build_cost_payload([{**ROW, **change}])
    assert message in str(error.value)


def test_pricing_models_must_cover_the_rows():
    with pytest.raises(CostExplorerDataError, match=r"pricing models \['ri-effective'\]"):
        build_cost_payload([ROW], pricing_models=["on-demand"])


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    target = write_cost_json([ROW], tmp_path)
    assert target == tmp_path / COST_JSON_URI
    assert json.loads(target.read_text("utf-8"))["rows"][0]["instance"] == "inf2.xlarge"
    with pytest.raises(CostExplorerDataError):
        write_cost_json([{**ROW, "throughput": "x"}], tmp_path)
    assert sorted(p.name for p in target.parent.iterdir()) == ["cost-explorer.json"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon", "expected 'module:function'"),
        ("no_such_module_xyz:rows", "No module named 'no_such_module_xyz'"),
        ("json:no_such_function", "has no attribute 'no_such_function'"),
        ("json:__doc__", "is not callable"),
    ],
)
def test_bad_provider_setting_is_explained(spec, message):
    with pytest.raises(ExtensionError, match="cost_explorer_rows_provider") as error:
        resolve_provider(spec)
    assert message in str(error.value)


def test_directive_html_escapes_options_and_writes_json(tmp_path):
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE}, PROVIDER_CONF)
    app, warnings = build(srcdir)
    assert warnings == ""
    page = (app.outdir / "index.html").read_text("utf-8")
    assert (
        '<div class="cost-explorer" data-src="_static/cost-explorer.json" '
        'data-model="bert &quot;base&quot; &lt;b&gt;" data-max-ms="10" '
        'data-latency="batch-p50" data-pricing="on-demand"><noscript>'
    ) in page
    assert 'src="_static/cost-explorer.js' in page
    assert 'src="_static/df-table.js' in page
    data = json.loads((app.outdir / COST_JSON_URI).read_text("utf-8"))
    assert data["price_notes"] == {"on-demand": "fixture rates"}
    assert [row["instance"] for row in data["rows"]] == ["inf2.xlarge"]


def test_a_speed_bound_on_the_page_is_a_data_attribute(tmp_path):
    page = EXPLORER_PAGE.replace(":max-ms: 10", ":max-ms: 10\n   :min-tokens-per-user: 20")
    srcdir = make_site(tmp_path, {"index": page}, PROVIDER_CONF)
    app, warnings = build(srcdir)
    assert warnings == ""
    assert 'data-min-tps="20"' in (app.outdir / "index.html").read_text("utf-8")


def test_data_src_is_relative_to_nested_pages(tmp_path):
    srcdir = make_site(tmp_path, {"index": "Home\n====\n"}, PROVIDER_CONF)
    (srcdir / "review").mkdir()
    (srcdir / "review" / "costs.rst").write_text(EXPLORER_PAGE, encoding="utf-8")
    app, _ = build(srcdir)
    page = (app.outdir / "review" / "costs.html").read_text("utf-8")
    assert 'data-src="../_static/cost-explorer.json"' in page
    home = (app.outdir / "index.html").read_text("utf-8")
    assert "cost-explorer.js" not in home, "the explorer script loads only where it is used"


def test_data_src_under_dirhtml(tmp_path):
    srcdir = make_site(tmp_path, {"index": "Home\n====\n"}, PROVIDER_CONF)
    (srcdir / "review").mkdir()
    (srcdir / "review" / "costs.rst").write_text(EXPLORER_PAGE, encoding="utf-8")
    app = SphinxTestApp("dirhtml", srcdir=srcdir, warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    page = (app.outdir / "review" / "costs" / "index.html").read_text("utf-8")
    assert 'data-src="../../_static/cost-explorer.json"' in page
    assert (app.outdir / COST_JSON_URI).exists()


@pytest.mark.parametrize(("change", "message"), [
    ((":max-ms: 10", ":max-ms: -3"), ":max-ms: must be a positive number of milliseconds, "
                                      "got '-3'"),
    ((":max-ms: 10", ":sla-ms: fast"), ":sla-ms: must be a positive number of milliseconds, "
                                        "got 'fast'"),
    ((":max-ms: 10", ":max-ms: 10\n   :min-tokens-per-user: 0"),
     ":min-tokens-per-user: must be a positive number of tokens per second, got '0'"),
    ((":latency: p50", ":latency: p95"), ":latency: must be one of batch-p50, batch-p99, "
                                          "token-p50, token-p99, ttft-p50, ttft-p99, tpot-p50, "
                                          "tpot-p99 (p99 and p50 mean batch-p99 and batch-p50), "
                                          "got 'p95'"),
])
def test_bad_option_is_a_located_error_and_a_box(tmp_path, change, message):
    """Issue 9: docutils' own converters logged an error but left no box on the page."""
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE.replace(*change)}, PROVIDER_CONF)
    app, warnings = build(srcdir)
    assert f"index.rst:4: ERROR: cost-explorer: {message}" in warnings
    page = (app.outdir / "index.html").read_text("utf-8")
    assert 'class="df-table-error admonition error"' in page
    assert 'class="cost-explorer"' not in page


@pytest.mark.parametrize(("change", "message"), [
    (('bert "base" <b>', "gpt-9"),
     ":model: 'gpt-9' names nothing in _static/cost-explorer.json (it has: bert \"base\" <b>)"),
    ((":pricing: on-demand", ":pricing: spot"),
     ":pricing: 'spot' names nothing in _static/cost-explorer.json (it has: on-demand, "
     "ri-effective)"),
])
def test_model_or_pricing_naming_nothing_is_a_located_error(tmp_path, change, message):
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE.replace(*change)}, PROVIDER_CONF)
    _, warnings = build(srcdir)
    assert f"index.rst:4: ERROR: cost-explorer: {message}" in warnings


def test_without_a_provider_the_site_data_is_exported(tmp_path):
    """No cost_explorer_rows_provider: the rows of df_table_data_dir (here: none, as the
    folder has no price catalog), and no warning."""
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE})
    app, warnings = build(srcdir)
    assert warnings == ""
    assert json.loads((app.outdir / COST_JSON_URI).read_text("utf-8"))["rows"] == []


def test_no_explorer_and_no_provider_writes_nothing(tmp_path):
    srcdir = make_site(tmp_path, {"index": "Home\n====\n"})
    app, _ = build(srcdir)
    assert not (app.outdir / COST_JSON_URI).exists()


def test_parallel_build_merges_explorer_pages(tmp_path):
    pages = {f"page{i}": f"Page {i}\n=======\n" for i in range(6)}
    pages["index"] = EXPLORER_PAGE
    pages["page3"] = EXPLORER_PAGE.replace("Costs\n=====", "More costs\n==========")
    conf = PROVIDER_CONF + "suppress_warnings = ['toc.not_included']\n"
    srcdir = make_site(tmp_path, pages, conf)
    app, warnings = build(srcdir, parallel=2)
    assert "WARNING" not in warnings
    assert set(app.env.cost_explorer_docs) == {"index", "page3"}
    assert (app.outdir / COST_JSON_URI).exists()


def test_purged_page_no_longer_counts(tmp_path):
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE}, PROVIDER_CONF)
    build(srcdir)
    (srcdir / "index.rst").write_text("Home\n====\n", encoding="utf-8")
    app, _ = build(srcdir)
    assert set(app.env.cost_explorer_docs) == set()


def test_bad_provider_row_stops_the_build_naming_the_setting(tmp_path):
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE}, PROVIDER_CONF)
    (srcdir / "bad_provider.py").write_text(
        "def rows(app):\n    return [{'model': 'bert-base', 'instance': 'x', "
        "'cost_per_1m': {'on-demand': 'cheap'}}]\n",
        encoding="utf-8",
    )
    conf = srcdir / "conf.py"
    conf.write_text(conf.read_text("utf-8").replace("fixture_provider", "bad_provider"), "utf-8")
    app, warnings = build(srcdir)
    assert (
        "ERROR: cost_explorer_rows_provider 'bad_provider:rows': row 1 ('bert-base' on 'x'): "
        "\"cost_per_1m['on-demand']\" must be a number or null, got 'cheap'; "
        "_static/cost-explorer.json not written"
    ) in warnings
    assert not (app.outdir / COST_JSON_URI).exists()


def test_provider_data_error_is_one_line(tmp_path):
    srcdir = make_site(tmp_path, {"index": EXPLORER_PAGE})
    (srcdir / "failing_provider.py").write_text(
        "def rows(app):\n    raise ValueError('prices.yaml:3: expected a mapping')\n",
        encoding="utf-8",
    )
    conf = srcdir / "conf.py"
    conf.write_text(conf.read_text("utf-8") + "cost_explorer_rows_provider = "
                    "'failing_provider:rows'\n", "utf-8")
    _, warnings = build(srcdir)
    assert (
        "ERROR: cost_explorer_rows_provider 'failing_provider:rows': "
        "prices.yaml:3: expected a mapping; _static/cost-explorer.json not written"
    ) in warnings
