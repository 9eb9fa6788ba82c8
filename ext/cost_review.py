"""``.. cost-comparison::`` and ``.. cheapest-under-sla::``: which instance is cheapest per model.

Both read every published CSV under ``df_table_data_dir`` (:mod:`perfcore.cost_rows`) and the
price catalog ``prices.yaml`` there; every file read is a page dependency, and a CSV that
appears later (a new platform) marks the page outdated. Tables carry the ``df-table``
class and are plain docutils nodes (cell text is never parsed as markup or HTML).
Options are checked in ``run`` so a bad one is a located error plus a visible error box.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ext.df_table import NO_RESULTS, DataDirective, TableError
from ext.filecache import FileCache
from ext.price_age import note_prices_used
from ext.render import TABLE_CLASS
from perfcore.cost import cost_format
from perfcore.cost_rows import (
    CostData,
    CostRow,
    cost_order,
    load_cost_rows,
    price_note,
    published_csvs,
)
from perfcore.errors import DataFileError
from perfcore.formats import format_number
from perfcore.prices import PriceCatalog
from perfcore.yamlfile import YamlError

logger = logging.getLogger(__name__)
PERCENTILES = ("p99", "p50", "ttft-p99", "ttft-p50")  # TTFT: decoder rows only
LISTING = "cost_review_listing"  # {docname: (data dir, published CSVs when the page was read)}


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", " ").split() if part.strip()]


def _text_cell(text: str, strong: bool = False, explanation: str | None = None) -> nodes.entry:
    inline: nodes.Node = (nodes.abbreviation(text, text, explanation=explanation)
                          if explanation else nodes.Text(text))
    if strong:
        inline = nodes.strong("", "", inline)
    return nodes.entry("", nodes.paragraph("", "", inline))


def table_node(columns: list[str], rows: list[tuple[list[nodes.entry], list[str]]],
               caption: str) -> nodes.table:
    """A ``df-table`` table of ready-made cells; each row comes with its row classes."""
    table = nodes.table(classes=[TABLE_CLASS, "cost-review"])
    table += nodes.title(caption, caption)
    tgroup = nodes.tgroup(cols=len(columns))
    table += tgroup
    tgroup.extend(nodes.colspec(colwidth=1) for _ in columns)
    head = nodes.row()
    head.extend(_text_cell(name) for name in columns)
    tgroup += nodes.thead("", head)
    body = nodes.tbody()
    for cells, classes in rows:
        row = nodes.row(classes=classes)
        row.extend(cells)
        body += row
    tgroup += body
    return table


def cost_text(cost: float | None, currency: str) -> str:
    return "n/a" if cost is None else format_number(cost_format(currency), cost)


def _latency_text(row: CostRow, percentile: str) -> str:
    if percentile.startswith("ttft-"):
        return row.ttft_text.get(percentile) or "n/a"
    text = row.latency_p99_text if percentile == "p99" else row.latency_p50_text
    return text or "n/a"


def latency_label(percentile: str) -> str:
    """``p99`` -> ``P99``; ``ttft-p99`` -> ``TTFT P99``."""
    return percentile.upper().replace("-", " ")


class CostReviewDirective(DataDirective):
    """Shared: load rows and prices, check :models: and :pricing:, note what the page uses."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        try:
            return self._run()
        except TableError as err:
            return self.report(str(err), err.line)
        except (YamlError, DataFileError) as err:
            return self.report(str(err))

    def _run(self) -> list[nodes.Node]:
        raise NotImplementedError

    def load(self) -> tuple[CostData, PriceCatalog]:
        catalog = self.price_catalog("prices.yaml")
        families = (self.family_catalog() if self.data_path("families.yaml").is_file()
                    else None)
        data_dir = self.config.df_table_data_dir
        if not os.path.isdir(data_dir):
            raise TableError(f"data folder {self.shown(data_dir)} not found (df_table_data_dir)")
        data = load_cost_rows(data_dir, catalog, families, read=self.read_csv)
        _listing(self.env)[self.env.docname] = (data_dir, tuple(map(str, data.files)))
        self._warn_missing(data, catalog)
        return data, catalog

    def _warn_missing(self, data: CostData, catalog: PriceCatalog) -> None:
        for instance in data.missing_prices:
            first = next(row for row in data.rows if row.instance == instance)
            logger.warning(
                "%s: no price for instance %r (from %s:%d) in %s; its cost shows n/a",
                self.name, instance, first.path, first.line, catalog.path,
                location=self.get_location(), type="df_table", subtype="price",
            )

    def pricing(self, catalog: PriceCatalog, many: bool) -> list[str]:
        known = catalog.pricing_models()
        chosen = _names(self.options.get("pricing", "")) or (known if many else known[:1])
        for name in chosen:
            if name not in known:
                raise TableError(f":pricing: {name!r} is not a pricing model of {catalog.path} "
                                 f"(it has: {', '.join(known)})")
        if not many and len(chosen) != 1:
            raise TableError(f":pricing: takes one pricing model, got {', '.join(chosen)}")
        if not chosen:
            raise TableError(f"{catalog.path} lists no prices")
        return chosen

    def models(self, rows: list[CostRow]) -> list[str]:
        present = sorted({row.model for row in rows}, key=str.lower)
        wanted = [name.strip() for name in self.options.get("models", "").split(",")
                  if name.strip()]
        for name in wanted:
            if name not in present:
                raise TableError(f":models: no published row has Model {name!r} "
                                 f"(models: {', '.join(present)})")
        return wanted or present

    def note_used(self, catalog_rows: Iterable[CostRow], pricing: list[str]) -> None:
        instances = sorted({row.instance for row in catalog_rows})
        for model in pricing:
            note_prices_used(self.env, self.data_path("prices.yaml"), instances, model)

    def price_notes(self, catalog: PriceCatalog, rows: list[CostRow],
                    pricing: list[str]) -> list[nodes.Node]:
        result: list[nodes.Node] = []
        if not rows:  # nothing shown, so no cost to explain
            return result
        for model in pricing:
            note = price_note(catalog, model, (row.instance for row in rows))
            text = (f"Cost per 1M ({model}) uses the {note}." if note
                    else f"Cost per 1M ({model}) is n/a in every shown configuration: "
                         f"{catalog.path} has no {model} price for any of their instances.")
            result.append(nodes.paragraph(text, text, classes=["df-table-cost-note"]))
        return result


class CostComparison(CostReviewDirective):
    """Per model: every configuration with throughput, latency and cost under each pricing model."""

    option_spec: ClassVar[dict[str, Any]] = {
        "models": directives.unchanged,
        "pricing": directives.unchanged,
    }

    def _run(self) -> list[nodes.Node]:
        data, catalog = self.load()
        if not data.rows:
            return [nodes.paragraph(NO_RESULTS, NO_RESULTS, classes=["df-table-empty"])]
        pricing = self.pricing(catalog, many=True)
        models = self.models(data.rows)
        result: list[nodes.Node] = []
        shown: list[CostRow] = []
        for model in models:
            rows = [row for row in data.rows if row.model == model]
            units = sorted({row.unit for row in rows})
            for unit in units:
                group = [row for row in rows if row.unit == unit]
                caption = model if len(units) == 1 else f"{model} ({unit})"
                result.append(self._table(caption, group, unit, pricing, catalog.currency))
                shown += group
        self.note_used(shown, pricing)
        legend = ("The cheapest configuration of each model under each pricing model is in "
                  "bold and marked \u201ccheapest\u201d; n/a means no price, with the reason.")
        result.append(nodes.paragraph(legend, legend, classes=["df-table-cost-note"]))
        return result + self.price_notes(catalog, shown, pricing)

    def _table(self, caption: str, rows: list[CostRow], unit: str,
               pricing: list[str], currency: str) -> nodes.table:
        rows = sorted(rows, key=lambda row: cost_order(row, pricing[0]))
        cheapest = {model: _cheapest(rows, model) for model in pricing}
        per_token = " per Token" if all(row.per_token for row in rows) else ""
        columns = ["Instance", "Platform", "Batch Size", "Optimized for",
                   f"Throughput ({unit}/s)", f"Latency{per_token} P50 (ms)",
                   f"Latency{per_token} P99 (ms)",
                   *(f"Cost per 1M {unit} ({model})" for model in pricing), "Note"]
        body = []
        for row in rows:
            cells = [_text_cell(text) for text in (
                row.instance, row.platform, row.batch_size or "n/a", row.table,
                row.throughput_text, _latency_text(row, "p50"), _latency_text(row, "p99"))]
            marks = [model for model in pricing if row in cheapest[model]]
            for model in pricing:
                cells.append(_text_cell(cost_text(row.costs[model], currency),
                                        strong=model in marks,
                                        explanation=row.no_price.get(model)))
            cells.append(_text_cell(_note(row, marks, pricing), strong=bool(marks)))
            body.append((cells, ["df-cheapest"] if marks else []))
        return table_node(columns, body, caption)


def _cheapest(rows: list[CostRow], pricing: str) -> list[CostRow]:
    costs = [row.costs[pricing] for row in rows if row.costs[pricing] is not None]
    if not costs:
        return []
    best = min(costs)
    return [row for row in rows if row.costs[pricing] is not None
            and math.isclose(row.costs[pricing], best, rel_tol=1e-12)]


def _note(row: CostRow, marks: list[str], pricing: list[str]) -> str:
    parts = [f"cheapest ({', '.join(marks)})"] if marks else []
    reasons = sorted({row.no_price[model] for model in pricing if model in row.no_price})
    parts += [f"n/a: {reason}" for reason in reasons]
    return "; ".join(parts)


class CheapestUnderSla(CostReviewDirective):
    """Per model, the cheapest configuration whose P99 (or P50) latency is within a bound."""

    option_spec: ClassVar[dict[str, Any]] = {
        "latency": directives.unchanged,
        "max-ms": directives.unchanged,
        "pricing": directives.unchanged,
        "models": directives.unchanged,
    }

    def _bound(self) -> tuple[str, float]:
        percentile = self.options.get("latency", "p99").strip().lower()
        if percentile not in PERCENTILES:
            raise TableError(f":latency: must be one of {', '.join(PERCENTILES)}, "
                             f"got {percentile!r}")
        text = self.options.get("max-ms")
        if text is None:
            raise TableError(":max-ms: is required (the latency bound in milliseconds)")
        try:
            bound = float(text)
        except ValueError:
            bound = math.nan
        if not 0 < bound < math.inf:
            raise TableError(f":max-ms: must be a positive number of milliseconds, got {text!r}")
        return percentile, bound

    def _run(self) -> list[nodes.Node]:
        percentile, bound = self._bound()
        data, catalog = self.load()
        if not data.rows:
            return [nodes.paragraph(NO_RESULTS, NO_RESULTS, classes=["df-table-empty"])]
        pricing = self.pricing(catalog, many=False)[0]
        label = f"{latency_label(percentile)} <= {format(bound, 'g')} ms"
        body, sentences, shown = [], [], []
        for model in self.models(data.rows):
            rows = [row for row in data.rows if row.model == model]
            shown += rows
            best = cheapest_within(rows, percentile, bound, pricing)
            if best is None:
                sentences.append(no_answer(model, rows, percentile, bound, pricing))
                continue
            body.append(([_text_cell(text) for text in (
                model, best.instance, best.platform, best.batch_size or "n/a", best.table,
                f"{best.throughput_text} {best.unit}/s",
                _latency_text(best, percentile) + (
                    " (per token)" if best.per_token and percentile in ("p99", "p50") else ""),
            )] + [_text_cell(f"{cost_text(best.costs[pricing], catalog.currency)} per 1M "
                             f"{best.unit}",
                             strong=True)], ["df-cheapest"]))
        self.note_used(shown, [pricing])
        result: list[nodes.Node] = []
        if body:
            columns = ["Model", "Instance", "Platform", "Batch Size", "Optimized for",
                       "Throughput", f"Latency {latency_label(percentile)} (ms)",
                       f"Cost ({pricing})"]
            caption = f"Cheapest configuration per model with {label} ({pricing} prices)"
            result.append(table_node(columns, body, caption))
        for sentence in sentences:
            result.append(nodes.paragraph(sentence, sentence, classes=["cost-review-none"]))
        return result + self.price_notes(catalog, shown, [pricing])


def cheapest_within(rows: list[CostRow], percentile: str, bound: float,
                    pricing: str) -> CostRow | None:
    """The cheapest priced row whose latency is at most ``bound`` (ties: :func:`cost_order`)."""
    fitting = [row for row in rows if row.costs.get(pricing) is not None
               and (latency := row.latency_ms(percentile)) is not None and latency <= bound]
    return min(fitting, key=lambda row: cost_order(row, pricing), default=None)


def no_answer(model: str, rows: list[CostRow], percentile: str, bound: float,
              pricing: str) -> str:
    unpriced = sum(row.costs.get(pricing) is None for row in rows)
    no_latency = sum(row.latency_ms(percentile) is None for row in rows)
    label = latency_label(percentile)
    extra = f", {no_latency} without a {label} latency" if no_latency else ""
    return (f"No priced configuration of {model} meets {label} <= "
            f"{format(bound, 'g')} ms under {pricing} prices "
            f"({len(rows)} measured, {unpriced} unpriced{extra}).")


# ------------------------------------------------------------------ new CSVs


def _listing(env: BuildEnvironment) -> dict[str, tuple[str, tuple[str, ...]]]:
    if not hasattr(env, LISTING):
        setattr(env, LISTING, {})
    return getattr(env, LISTING)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _listing(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: Iterable[str],
           other: BuildEnvironment) -> None:
    theirs = _listing(other)
    for docname in docnames:
        if docname in theirs:
            _listing(env)[docname] = theirs[docname]


def _new_files(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
               removed: set[str]) -> list[str]:
    """Pages whose set of published CSVs changed (a file added or removed) are re-read."""
    outdated = []
    for docname, (data_dir, files) in sorted(_listing(env).items()):
        if docname in removed:
            continue
        now = tuple(map(str, published_csvs(data_dir))) if Path(data_dir).is_dir() else ()
        if now != files:
            outdated.append(docname)
    return outdated


def setup_cost_review(app: Sphinx, cache: FileCache) -> None:
    app.add_directive("cost-comparison",
                      type("CostComparison", (CostComparison,), {"cache": cache}))
    app.add_directive("cheapest-under-sla",
                      type("CheapestUnderSla", (CheapestUnderSla,), {"cache": cache}))
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _new_files)
