"""The ``cost-explorer`` directive and the build-time JSON it reads.

The directive leaves a ``<div class="cost-explorer" data-src="...">`` on the
page; ``static/cost-explorer.js`` fetches the JSON written once per HTML build
by :func:`write_cost_json` and renders the model / SLA / pricing controls and
the ranking. The rows come from a *provider* named in ``conf.py``::

    cost_explorer_rows_provider = "perfcore.cost_rows:cost_explorer_rows"

a ``"module:function"`` string (or a callable) taking the Sphinx app and
returning a list of row dicts, or a mapping ``{"rows": [...], "price_notes":
{...}, "pricing_models": [...], "currency": "USD"}``. The JSON shape is
documented in ``docs/dev/interactive.rst`` and ``CONTRIBUTING.md``.
"""

from __future__ import annotations

import html
import importlib
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from numbers import Real
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri
from sphinx.writers.html5 import HTML5Translator

from ext.render import error_box
from perfcore.atomic import write_atomic

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
COST_JSON_URI = "_static/cost-explorer.json"
PERCENTILES = ("p99", "p50")
REQUIRED_TEXT = ("model", "instance")
OPTIONAL_TEXT = ("platform", "unit", "source", "table")
OPTIONAL_NUMBERS = ("batch_size", "throughput", "latency_p50_ms", "latency_p99_ms")
NOSCRIPT_TEXT = (
    "The interactive cost explorer needs JavaScript; "
    "the cost tables on this page show the same data."
)


class CostExplorerDataError(ValueError):
    """A provider returned rows the explorer cannot use."""


class cost_explorer(nodes.General, nodes.Element):  # docutils names nodes in lower case
    """Placeholder for the explorer; only the HTML writer renders it."""


# ---------------------------------------------------------------- JSON export


def _number_or_none(value: Any, where: str, key: str) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise CostExplorerDataError(f"{where}: {key!r} must be a number or null, got {value!r}")
    if isinstance(value, float) and math.isnan(value):
        return None  # pandas' missing value; JSON has no NaN
    if math.isinf(value):
        raise CostExplorerDataError(f"{where}: {key!r} must be finite, got {value!r}")
    return int(value) if isinstance(value, int) else float(value)


def _text(value: Any, where: str, key: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise CostExplorerDataError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def normalize_row(row: Mapping[str, Any], index: int) -> dict[str, Any]:
    """Check one provider row and return it in the export shape."""
    if not isinstance(row, Mapping):
        raise CostExplorerDataError(f"row {index}: expected a mapping, got {type(row).__name__}")
    where = f"row {index} ({row.get('model')!r} on {row.get('instance')!r})"
    unknown = sorted(set(row) - {*REQUIRED_TEXT, *OPTIONAL_TEXT, *OPTIONAL_NUMBERS, "cost_per_1m"})
    if unknown:
        raise CostExplorerDataError(f"{where}: unknown keys {unknown}")
    out: dict[str, Any] = {}
    for key in REQUIRED_TEXT:
        out[key] = _text(row.get(key), where, key, required=True)
    for key in OPTIONAL_TEXT:
        out[key] = _text(row.get(key), where, key, required=False)
    out["unit"] = out["unit"] or "inferences"
    for key in OPTIONAL_NUMBERS:
        out[key] = _number_or_none(row.get(key), where, key)
    costs = row.get("cost_per_1m")
    if not isinstance(costs, Mapping) or not costs:
        raise CostExplorerDataError(
            f"{where}: 'cost_per_1m' must map pricing model to cost (or null), got {costs!r}"
        )
    out["cost_per_1m"] = {
        _text(model, where, "cost_per_1m key", required=True): _number_or_none(
            cost, where, f"cost_per_1m[{model!r}]"
        )
        for model, cost in costs.items()
    }
    return out


def _pricing_models(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(model for row in rows for model in row["cost_per_1m"]))


def _generated_timestamp() -> str:
    # honour reproducible-build convention so two builds of the same data match
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_cost_payload(
    rows: Iterable[Mapping[str, Any]],
    *,
    price_notes: Mapping[str, str] | None = None,
    pricing_models: Iterable[str] | None = None,
    currency: str = "USD",
) -> dict[str, Any]:
    """Validate rows and return the JSON document the explorer reads."""
    clean = [normalize_row(row, index) for index, row in enumerate(rows, start=1)]
    models = list(pricing_models) if pricing_models is not None else _pricing_models(clean)
    missing = [m for m in _pricing_models(clean) if m not in models]
    if missing:
        raise CostExplorerDataError(f"rows use pricing models {missing} not in {models}")
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": _generated_timestamp(),
        "currency": currency,
        "pricing_models": models,
        "price_notes": {str(k): str(v) for k, v in (price_notes or {}).items()},
        "rows": clean,
    }


def write_cost_json(
    rows: Iterable[Mapping[str, Any]],
    outdir: str | os.PathLike[str],
    *,
    price_notes: Mapping[str, str] | None = None,
    pricing_models: Iterable[str] | None = None,
    currency: str = "USD",
) -> Path:
    """Write ``<outdir>/_static/cost-explorer.json`` atomically and return its path."""
    payload = build_cost_payload(
        rows, price_notes=price_notes, pricing_models=pricing_models, currency=currency
    )
    target = Path(outdir) / COST_JSON_URI
    text = json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(target, text)
    return target


# ------------------------------------------------------------------ provider


def resolve_provider(spec: str | Callable[[Sphinx], Any] | None) -> Callable[[Sphinx], Any] | None:
    """Turn the ``cost_explorer_rows_provider`` setting into a callable."""
    if spec is None or callable(spec):
        return spec
    if not isinstance(spec, str) or spec.count(":") != 1:
        raise ExtensionError(
            f"cost_explorer_rows_provider: expected 'module:function' or a callable, got {spec!r}"
        )
    module_name, attr = spec.split(":")
    try:
        provider = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as error:
        raise ExtensionError(f"cost_explorer_rows_provider {spec!r}: {error}") from error
    if not callable(provider):
        raise ExtensionError(f"cost_explorer_rows_provider {spec!r} is not callable")
    return provider


def _export_from_provider(app: Sphinx) -> Path:
    setting = app.config.cost_explorer_rows_provider
    provider = resolve_provider(setting)
    try:
        result: Any = provider(app) if provider else []
    except (ValueError, OSError) as error:  # the table logic's data errors, missing files
        raise ExtensionError(f"cost_explorer_rows_provider {setting!r}: {error}") from error
    options: dict[str, Any] = {}
    if isinstance(result, Mapping):
        keys = ("price_notes", "pricing_models", "currency")
        options = {key: result[key] for key in keys if key in result}
        result = result.get("rows", [])
    try:
        return write_cost_json(result, app.outdir, **options)
    except CostExplorerDataError as error:
        raise ExtensionError(f"cost_explorer_rows_provider {setting!r}: {error}") from error


def _on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    used_on = getattr(app.env, "cost_explorer_docs", set())
    if used_on or app.config.cost_explorer_rows_provider is not None:
        try:
            path = _export_from_provider(app)
            check_page_options(app, sorted(used_on), json.loads(path.read_text("utf-8")))
        except ExtensionError as error:
            # one clear line (a strict build fails on it) rather than Sphinx's crash report
            logger.error("%s; %s not written", error.message, COST_JSON_URI,
                         type="cost_explorer", subtype="export")


def check_page_options(app: Sphinx, docnames: list[str], payload: Mapping[str, Any]) -> None:
    """A page's ``:model:`` / ``:pricing:`` must name something the exported data has.

    Checked once the JSON is written (the rows come from every CSV, not from the page);
    the explorer on the page also says so in place (``cost-explorer.js``).
    """
    if not payload["rows"]:
        return  # the explorer says so on the page; a missing provider is already a warning
    known = {"model": sorted({row["model"] for row in payload["rows"]}, key=str.lower),
             "pricing": list(payload["pricing_models"])}
    for docname in docnames:
        for node in app.env.get_doctree(docname).findall(cost_explorer):
            for key, names in known.items():
                value = node["explorer_options"].get(key)
                if value is not None and value not in names:
                    logger.error("cost-explorer: :%s: %r names nothing in %s (it has: %s)",
                                 key, value, COST_JSON_URI, ", ".join(names) or "no rows",
                                 location=node, type="cost_explorer", subtype="option")


# ----------------------------------------------------------------- directive


def _sla_ms(argument: str | None) -> float:
    try:
        number = float(argument or "")
    except ValueError:
        number = math.nan
    if not 0 < number < math.inf:
        raise ValueError(f":sla-ms: must be a positive number of milliseconds, got {argument!r}")
    return number


def _percentile(argument: str | None) -> str:
    text = (argument or "").strip().lower()
    if text not in PERCENTILES:
        raise ValueError(f":percentile: must be one of {', '.join(PERCENTILES)}, got {argument!r}")
    return text


def _required(name: str) -> Callable[[str | None], str]:
    def check(argument: str | None) -> str:
        if not (argument or "").strip():
            raise ValueError(f":{name}: needs a value")
        return (argument or "").strip()
    return check


# Checked in ``run`` (not by docutils' option converters), so a bad value leaves an error
# box on the page as well as a located error in the log.
CHECKS: dict[str, Callable[[str | None], Any]] = {
    "model": _required("model"), "sla-ms": _sla_ms, "percentile": _percentile,
    "pricing": _required("pricing"),
}


class CostExplorerDirective(SphinxDirective):
    """``.. cost-explorer::`` with optional initial model, SLA and pricing model."""

    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        name: directives.unchanged for name in CHECKS
    }

    def run(self) -> list[nodes.Node]:
        try:
            options = {name: CHECKS[name](value) for name, value in self.options.items()}
        except ValueError as err:
            text = f"cost-explorer: {err}"
            logger.error(text, location=self.get_location(), type="cost_explorer",
                         subtype="option")
            return [error_box(text)]
        if self.config.cost_explorer_rows_provider is None:
            logger.warning(
                "cost-explorer: conf.py does not set cost_explorer_rows_provider; "
                "the explorer will have no rows",
                location=self.get_location(),
            )
        docs: set[str] = getattr(self.env, "cost_explorer_docs", set())
        docs.add(self.env.docname)
        self.env.cost_explorer_docs = docs
        node = cost_explorer()
        node["explorer_options"] = options
        self.set_source_info(node)
        return [node]


# ------------------------------------------------------------------- writers


def _attribute(name: str, value: Any) -> str:
    return f' {name}="{html.escape(str(value), quote=True)}"'


def visit_cost_explorer_html(self: HTML5Translator, node: cost_explorer) -> None:
    page = self.builder.get_target_uri(self.builder.current_docname)
    attrs = _attribute("data-src", relative_uri(page, COST_JSON_URI))
    for key, value in node["explorer_options"].items():
        text = format(value, "g") if isinstance(value, float) else value  # 10.0 -> "10"
        attrs += _attribute(f"data-{key}", text)
    self.body.append(f'<div class="cost-explorer"{attrs}>')
    self.body.append(f'<noscript><p class="cost-explorer-note">{html.escape(NOSCRIPT_TEXT)}'
                     "</p></noscript>")


def depart_cost_explorer_html(self: HTML5Translator, node: cost_explorer) -> None:
    self.body.append("</div>\n")


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


# ----------------------------------------------------------------------- env


def _purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "cost_explorer_docs", set()).discard(docname)


def _merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
) -> None:
    ours: set[str] = getattr(env, "cost_explorer_docs", set())
    ours.update(set(getattr(other, "cost_explorer_docs", set())) & set(docnames))
    env.cost_explorer_docs = ours


def _add_page_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if doctree is not None and next(doctree.findall(cost_explorer), None) is not None:
        app.add_js_file("cost-explorer.js", loading_method="defer")


def setup_cost_explorer(app: Sphinx) -> dict[str, Any]:
    """Register the directive, its node, the page script and the JSON writer."""
    app.add_config_value(
        "cost_explorer_rows_provider", None, "", types=frozenset({str, type(None)})
    )
    app.add_node(
        cost_explorer,
        html=(visit_cost_explorer_html, depart_cost_explorer_html),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.add_directive("cost-explorer", CostExplorerDirective)
    app.connect("env-purge-doc", _purge_doc)
    app.connect("env-merge-info", _merge_info)
    app.connect("html-page-context", _add_page_script)
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
