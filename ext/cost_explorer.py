"""``.. cost-explorer::``: rank one model's configurations by cost under a latency bound.

The directive emits a placeholder ``<div class="cost-explorer">``;
``static/cost-explorer.js`` fetches ``_static/cost-explorer.json`` written at build
by :func:`write_cost_json` and renders the model / bound / pricing controls and the
ranking. The rows are those of the site's data folder (``df_table_data_dir``): every
published row with its model id, latencies by what they measure, version, whether it is
current, and its cost under every pricing model (:func:`perfcore.explorer.explorer_payload`).
No ``conf.py`` setting is needed; ``cost_explorer_rows_provider = "module:function"`` (or a
callable) taking the Sphinx app may replace those rows, returning a list of row dicts or a
mapping ``{"rows": [...], "models": {...}, "price_notes": {...}, "pricing_models": [...],
"currency": "USD"}``. The JSON shape (schema version 3) is documented in
``docs/dev/interactive.rst`` and ``CONTRIBUTING.md``; every number the page shows comes with
its display text, rounded here with the site's one rounding (:mod:`perfcore.formats`,
:func:`perfcore.cost.cost_text`).
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
from sphinx.errors import ExtensionError
from sphinx.util.osutil import relative_uri
from sphinx.writers.html5 import HTML5Translator

from ext.base import DataDirective, DirectiveError, add_data_directive, log_error
from ext.filecache import FileCache
from ext.page_facts import PageFacts
from perfcore.atomic import write_atomic
from perfcore.columns import tokens_per_user
from perfcore.cost import cost_text
from perfcore.cost_rows import bound_key
from perfcore.explorer import SCHEMA_VERSION, explorer_payload
from perfcore.explorer import latency_metrics as schema_latency_metrics
from perfcore.formats import display_number
from perfcore.numbers import parse_positive
from perfcore.yamlfile import YamlError

COST_JSON_URI = "_static/cost-explorer.json"
REQUIRED_TEXT = ("model", "instance")
OPTIONAL_TEXT = ("model_name", "published_as", "platform", "unit", "counts", "source", "table",
                 "version", "older")
OPTIONAL_NUMBERS = ("batch_size", "throughput", "copies", "tokens_per_user")
MAPPINGS = ("latency_ms", "cost_per_1m", "no_price", "display")
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


def _mapping(value: Any, where: str, key: str, *, required: bool = False) -> Mapping[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping) or (required and not value):
        what = "pricing model to cost (or null)" if key == "cost_per_1m" else "names to values"
        raise CostExplorerDataError(f"{where}: {key!r} must map {what}, got {value!r}")
    return value


def _latencies(value: Any, where: str) -> dict[str, float | int | None]:
    known = schema_latency_metrics()
    result = {}
    for key, number in _mapping(value, where, "latency_ms").items():
        if key not in known:
            raise CostExplorerDataError(f"{where}: 'latency_ms' key {key!r} is not a latency "
                                        f"of the schema ({', '.join(known)})")
        result[key] = _number_or_none(number, where, f"latency_ms[{key!r}]")
    return result


def _display(row: dict[str, Any], given: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The texts the page shows; a provider's own texts win, the rest are the site's rounding."""
    texts = {
        "throughput": display_number(row["throughput"]) if row["throughput"] is not None
        else "n/a",
        "tokens_per_user": display_number(row["tokens_per_user"]),
        "latency_ms": {key: display_number(value) for key, value in row["latency_ms"].items()},
        "cost_per_1m": {model: cost_text(cost, currency)
                        for model, cost in row["cost_per_1m"].items()},
    }
    for key, value in given.items():
        if key not in texts:
            raise CostExplorerDataError(f"display: unknown key {key!r} "
                                        "(throughput, tokens_per_user, latency_ms, "
                                        "cost_per_1m)")
        texts[key] = {**texts[key], **value} if isinstance(value, Mapping) else str(value)
    return texts


def normalize_row(row: Mapping[str, Any], index: int, currency: str = "USD") -> dict[str, Any]:
    """Check one provider row and return it in the export shape."""
    if not isinstance(row, Mapping):
        raise CostExplorerDataError(f"row {index}: expected a mapping, got {type(row).__name__}")
    where = f"row {index} ({row.get('model')!r} on {row.get('instance')!r})"
    unknown = sorted(set(row) - {*REQUIRED_TEXT, *OPTIONAL_TEXT, *OPTIONAL_NUMBERS, *MAPPINGS})
    if unknown:
        raise CostExplorerDataError(f"{where}: unknown keys {unknown}")
    out: dict[str, Any] = {}
    for key in REQUIRED_TEXT:
        out[key] = _text(row.get(key), where, key, required=True)
    for key in OPTIONAL_TEXT:
        out[key] = _text(row.get(key), where, key, required=False)
    out["model_name"] = out["model_name"] or out["model"]
    out["published_as"] = out["published_as"] or out["model"]
    out["unit"] = out["unit"] or "inferences"
    out["counts"] = out["counts"] or out["unit"]
    for key in OPTIONAL_NUMBERS:
        out[key] = _number_or_none(row.get(key), where, key)
    out["latency_ms"] = _latencies(row.get("latency_ms"), where)
    if out["tokens_per_user"] is None:  # the site's one definition, for a provider's rows too
        out["tokens_per_user"] = tokens_per_user(out["latency_ms"].get("tpot-p50"))
    costs = _mapping(row.get("cost_per_1m"), where, "cost_per_1m", required=True)
    out["cost_per_1m"] = {
        _text(model, where, "cost_per_1m key", required=True): _number_or_none(
            cost, where, f"cost_per_1m[{model!r}]"
        )
        for model, cost in costs.items()
    }
    out["no_price"] = {str(model): str(reason) for model, reason
                       in _mapping(row.get("no_price"), where, "no_price").items()}
    try:
        out["display"] = _display(out, _mapping(row.get("display"), where, "display"), currency)
    except CostExplorerDataError as error:
        raise CostExplorerDataError(f"{where}: {error}") from None
    return out


def _pricing_models(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(model for row in rows for model in row["cost_per_1m"]))


def _models(rows: list[dict[str, Any]], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Model id -> name, family, size and published names: the provider's, or from the rows."""
    models: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = models.setdefault(row["model"], {"name": row["model_name"], "family": "",
                                                 "params": "", "published_as": []})
        if row["published_as"] not in entry["published_as"]:
            entry["published_as"].append(row["published_as"])
    for model_id, facts in (given or {}).items():
        if model_id not in models:
            raise CostExplorerDataError(f"models: {model_id!r} has no row")
        models[model_id].update({key: facts[key] for key in ("name", "family", "params")
                                 if key in facts})
    return dict(sorted(models.items(), key=lambda item: (item[1]["name"].casefold(), item[0])))


def _generated_timestamp() -> str:
    # honour reproducible-build convention so two builds of the same data match
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_cost_payload(
    rows: Iterable[Mapping[str, Any]],
    *,
    models: Mapping[str, Any] | None = None,
    price_notes: Mapping[str, str] | None = None,
    pricing_models: Iterable[str] | None = None,
    currency: str = "USD",
    latency_metrics: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate rows and return the JSON document the explorer reads (schema version 3)."""
    clean = [normalize_row(row, index, currency) for index, row in enumerate(rows, start=1)]
    chosen = list(pricing_models) if pricing_models is not None else _pricing_models(clean)
    missing = [m for m in _pricing_models(clean) if m not in chosen]
    if missing:
        raise CostExplorerDataError(f"rows use pricing models {missing} not in {chosen}")
    return {
        "schema_version": SCHEMA_VERSION,
        "generated": _generated_timestamp(),
        "currency": currency,
        "pricing_models": chosen,
        "price_notes": {str(k): str(v) for k, v in (price_notes or {}).items()},
        "latency_metrics": dict(latency_metrics or schema_latency_metrics()),
        "models": _models(clean, models),
        "rows": clean,
    }


def write_cost_json(
    rows: Iterable[Mapping[str, Any]],
    outdir: str | os.PathLike[str],
    **options: Any,
) -> Path:
    """Write ``<outdir>/_static/cost-explorer.json`` atomically and return its path."""
    payload = build_cost_payload(rows, **options)
    target = Path(outdir) / COST_JSON_URI
    text = json.dumps(payload, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(target, text)
    return target


# ------------------------------------------------------------------ provider


def site_rows(app: Sphinx) -> dict[str, Any]:
    """The rows of the site's own data folder (``df_table_data_dir``): the default provider.

    It runs once per HTML build (``build-finished``), so an edited CSV or catalog is in the
    next build's JSON without any page dependency. A data folder without a price catalog
    has no rows to cost.
    """
    data_dir = Path(app.config.df_table_data_dir)
    if not (data_dir / "prices.yaml").is_file():
        return {"rows": []}
    return explorer_payload(data_dir)


def resolve_provider(spec: str | Callable[[Sphinx], Any] | None) -> Callable[[Sphinx], Any]:
    """Turn the ``cost_explorer_rows_provider`` setting into a callable (None: the site's)."""
    if spec is None:
        return site_rows
    if callable(spec):
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


def _provider_name(app: Sphinx) -> str:
    setting = app.config.cost_explorer_rows_provider
    return "the site's data (df_table_data_dir)" if setting is None else \
        f"cost_explorer_rows_provider {setting!r}"


def _export_from_provider(app: Sphinx) -> Path:
    provider = resolve_provider(app.config.cost_explorer_rows_provider)
    try:
        result: Any = provider(app)
    except (ValueError, OSError) as error:  # the table logic's data errors, missing files
        raise ExtensionError(f"{_provider_name(app)}: {error}") from error
    options: dict[str, Any] = {}
    if isinstance(result, Mapping):
        keys = ("models", "price_notes", "pricing_models", "currency", "latency_metrics")
        options = {key: result[key] for key in keys if key in result}
        result = result.get("rows", [])
    try:
        return write_cost_json(result, app.outdir, **options)
    except CostExplorerDataError as error:
        raise ExtensionError(f"{_provider_name(app)}: {error}") from error


def _on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    used_on = ExplorerPages.pages(app.env)
    if used_on or app.config.cost_explorer_rows_provider is not None:
        try:
            path = _export_from_provider(app)
            check_page_options(app, sorted(used_on), json.loads(path.read_text("utf-8")))
        except ExtensionError as error:
            # one clear line (a strict build fails on it) rather than Sphinx's crash report
            log_error(f"{error.message}; {COST_JSON_URI} not written", None, "explorer_export")


def check_page_options(app: Sphinx, docnames: list[str], payload: Mapping[str, Any]) -> None:
    """A page's ``:model:`` / ``:pricing:`` must name something the exported data has.

    Checked once the JSON is written (the rows come from every CSV, not from the page);
    the explorer on the page also says so in place (``cost-explorer.js``).
    """
    if not payload["rows"]:
        return  # the explorer says so on the page
    known = {"model": list(payload["models"]), "pricing": list(payload["pricing_models"])}
    for docname in docnames:
        for node in app.env.get_doctree(docname).findall(cost_explorer):
            for key, names in known.items():
                value = node["explorer_options"].get(key)
                if value is not None and value not in names:
                    log_error(f"cost-explorer: :{key}: {value!r} names nothing in "
                              f"{COST_JSON_URI} (it has: {', '.join(names) or 'no rows'})",
                              node)


# ----------------------------------------------------------------- directive


def _max_ms(argument: str | None) -> float:
    return parse_positive(argument, "milliseconds")


def _latency(argument: str | None) -> str:
    return bound_key(argument or "")


def _tokens_per_user(argument: str | None) -> float:
    return parse_positive(argument, "tokens per second")


def _required(argument: str | None) -> str:
    if not (argument or "").strip():
        raise ValueError("needs a value")
    return (argument or "").strip()


# Checked in ``run`` (not by docutils' option converters), so a bad value leaves an error
# box on the page as well as a located error in the log. ``sla-ms`` and ``percentile`` are
# the names of schema version 1 (``max-ms`` and ``latency`` now).
CHECKS: dict[str, tuple[str, Callable[[str | None], Any]]] = {
    "model": ("model", _required), "max-ms": ("max-ms", _max_ms),
    "sla-ms": ("max-ms", _max_ms), "latency": ("latency", _latency),
    "percentile": ("latency", _latency), "pricing": ("pricing", _required),
    "min-tokens-per-user": ("min-tps", _tokens_per_user),
}


class CostExplorerDirective(DataDirective):
    """``.. cost-explorer::`` with optional initial model, latency bound and pricing model."""

    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        name: directives.unchanged for name in CHECKS
    }

    def build(self) -> list[nodes.Node]:
        options: dict[str, Any] = {}
        for name, value in self.options.items():
            key, check = CHECKS[name]
            try:
                options[key] = check(value)
            except ValueError as err:
                raise DirectiveError(f":{name}: {err}") from None
        if "model" in options:
            options["model"] = self._model_id(options["model"])
        node = cost_explorer()
        node["explorer_options"] = options
        self.set_source_info(node)
        ExplorerPages.note(self.env, ["explorer"])
        return [node]

    def _model_id(self, name: str) -> str:
        """A published name or alias of the site's model catalog becomes the model's id."""
        if self.config.cost_explorer_rows_provider is not None:
            return name  # another provider's rows: its own ids
        try:
            return self.model_catalog().id_of(name)
        except YamlError:
            return name  # the catalog check reports it at its line


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


class ExplorerPages(PageFacts):
    """``env.cost_explorer_docs``: the pages with an explorer (the JSON is written for them)."""

    key = "cost_explorer_docs"


def _add_page_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if doctree is not None and pagename in ExplorerPages.pages(app.env):
        app.add_js_file("cost-explorer.js", loading_method="defer")


def setup_cost_explorer(app: Sphinx, cache: FileCache) -> None:
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
    add_data_directive(app, "cost-explorer", CostExplorerDirective, cache)
    app.add_env_collector(ExplorerPages)
    app.connect("html-page-context", _add_page_script)
    app.connect("build-finished", _on_build_finished)
