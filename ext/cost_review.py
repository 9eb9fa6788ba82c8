"""``.. cost-comparison::``, ``.. cheapest-under-sla::`` and ``.. cheapest-at-speed::``: which
instance is cheapest per model.

Both read every published CSV under ``df_table_data_dir`` (:mod:`perfcore.cost_rows`), the
price catalog ``prices.yaml`` and the model catalog ``models.yaml`` there; every file read is
a page dependency, and a CSV that appears later (a new platform) marks the page outdated.

A model is its catalog id, so one model's rows from Inf1, Inf2, Trn1, GPU and CPU tables are
compared in one table. Each latency column and bound names what it measures (per batch, TTFT,
TPOT, per token) from the schema. Rankings and "cheapest" marks use current, priced rows
only: rows of a superseded table are listed in a collapsed block under the model's table, and
rows without a price (an instance whose size is not stated) are listed, labelled, after the
ranked ones. A configuration published twice with the same numbers is shown once.

``cheapest-at-speed`` reads the model cards' served results instead (``model-cards/*.csv``,
every point of a concurrency sweep): per model, the cheapest configuration at which each user
gets at least ``:min-tokens-per-user:`` output tokens per second (1000 / TPOT P50).

Tables carry the ``df-table`` class and are plain docutils nodes (cell text is never parsed as
markup or HTML). Rows carry ``df-cheapest`` / ``cost-unranked`` / ``cost-older`` and cells a
``cost-col-<role>`` class (instance, platform, batch, tab, version, throughput, latency, cost,
note) for the page's layout. Options are checked in ``run`` so a bad one is a located error
plus a visible error box.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ext.base import FAMILIES, PRICES, DataDirective, DirectiveError, add_data_directive
from ext.details import make_collapsible
from ext.filecache import FileCache
from ext.page_facts import PageFacts
from ext.price_age import note_prices_used
from ext.tables import no_results, table_cell, table_node, table_row
from perfcore.columns import latency_label, latency_meaning
from perfcore.cost import cost_text
from perfcore.cost_rows import (
    BOUND_KEYS,
    CONFIG_COLUMNS,
    CostData,
    CostRow,
    bound_key,
    cheapest,
    cheapest_within,
    cost_order,
    load_cost_rows,
    merge_identical,
    models_of,
    price_note,
    published_csvs,
    unanswered,
    unit_label,
)
from perfcore.families import CARDS_DIR
from perfcore.formats import display_number
from perfcore.model_cards import (
    OUTPUT_TOKENS,
    ROW_HEADER,
    SpeedPoint,
    cheapest_at_speed,
    speed_points,
    why_none_at_speed,
)
from perfcore.models import ModelCatalog
from perfcore.numbers import parse_positive
from perfcore.prices import PriceCatalog

SHOWN_LATENCIES = BOUND_KEYS  # p50 and p99 of every measure the schema declares


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", " ").split() if part.strip()]


def _text_cell(text: str, strong: bool = False, explanation: str | None = None,
               role: str | None = None) -> nodes.entry:
    inline: nodes.Node = (nodes.abbreviation(text, text, explanation=explanation)
                          if explanation else nodes.Text(text))
    if strong:
        inline = nodes.strong("", "", inline)
    return table_cell(inline, classes=[f"cost-col-{role}"] if role else [])


def review_table(columns: list[tuple[str, str, str | None]], rows: list[nodes.row],
                 caption: str, classes: Iterable[str] = ()) -> nodes.table:
    """A ``df-table`` of ready-made rows; columns are (header, role, header explanation)."""
    header = [_text_cell(name, explanation=meaning, role=role)
              for name, role, meaning in columns]
    return table_node(header, rows, classes=["cost-review", *classes], caption=caption)


def latency_header(key: str) -> tuple[str, str, str]:
    return f"{latency_label(key)} (ms)", "latency", latency_meaning(key)


class CostReviewDirective(DataDirective):
    """Shared: load rows and prices, check :models: and :pricing:, note what the page uses."""

    has_content = False

    def load(self) -> tuple[list[CostRow], PriceCatalog, ModelCatalog]:
        catalog = self.price_catalog()
        families = self.family_catalog() if self.data_path(FAMILIES).is_file() else None
        models = self.model_catalog()
        data_dir = self.config.df_table_data_dir
        if not os.path.isdir(data_dir):
            raise DirectiveError(f"data folder {self.shown(data_dir)} not found "
                                 "(df_table_data_dir)")
        data = load_cost_rows(data_dir, catalog, families, read=self.read_csv, models=models)
        CsvListing.note(self.env, [(PUBLISHED, data_dir, tuple(map(str, data.files)))])
        self._warn_missing(data, catalog)
        return merge_identical(data.rows), catalog, models

    def _warn_missing(self, data: CostData, catalog: PriceCatalog) -> None:
        for instance in data.missing_prices:
            first = next(row for row in data.rows if row.instance == instance)
            self.warn(f"no price for instance {instance!r} (from {first.path}:{first.line}) "
                      f"in {catalog.path}; its cost shows n/a", "price")

    def pricing(self, catalog: PriceCatalog, many: bool) -> list[str]:
        known = catalog.pricing_models()
        chosen = _names(self.options.get("pricing", "")) or (known if many else known[:1])
        for name in chosen:
            if name not in known:
                raise DirectiveError(f":pricing: {name!r} is not a pricing model of "
                                     f"{catalog.path} (it has: {', '.join(known)})")
        if not many and len(chosen) != 1:
            raise DirectiveError(f":pricing: takes one pricing model, got {', '.join(chosen)}")
        if not chosen:
            raise DirectiveError(f"{catalog.path} lists no prices")
        return chosen

    def models(self, present: list[str], catalog: ModelCatalog,
               source: str = "published row") -> list[str]:
        """The model ids :models: names (by id or any published name) among ``present``, or
        all of them."""
        wanted = [name.strip() for name in self.options.get("models", "").split(",")
                  if name.strip()]
        chosen = []
        for name in wanted:
            model_id = catalog.id_of(name)
            if model_id not in present:
                raise DirectiveError(f":models: no {source} is model {name!r} "
                                     f"(models: {', '.join(present)})")
            chosen.append(model_id)
        return chosen or present

    def note_used(self, catalog_rows: Iterable[CostRow], pricing: list[str]) -> None:
        instances = sorted({row.instance for row in catalog_rows})
        for model in pricing:
            note_prices_used(self.env, self.data_path(PRICES), instances, model)

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


def model_caption(rows: list[CostRow], catalog: ModelCatalog, unit: str | None) -> str:
    """``ResNet-50 (resnet50; ResNet, 25.6M parameters; published as Resnet-50, resnet50)``."""
    first = rows[0]
    entry = catalog.entries.get(first.model_id)
    facts = [first.model_id] if first.model_id != first.model_name else []
    if entry is not None and entry.family:
        facts.append(entry.family + (f", {entry.params} parameters" if entry.params else ""))
    names = list(dict.fromkeys(row.model for row in rows))
    if names != [first.model_name]:
        facts.append("published as " + ", ".join(names))
    if unit:
        facts.append(f"per {unit}")
    return first.model_name + (f" ({'; '.join(facts)})" if facts else "")


class CostComparison(CostReviewDirective):
    """Per model: every current configuration ranked by cost, older ones collapsed below."""

    option_spec: ClassVar[dict[str, Any]] = {
        "models": directives.unchanged,
        "pricing": directives.unchanged,
    }

    def build(self) -> list[nodes.Node]:
        rows, catalog, models = self.load()
        if not rows:
            return [no_results()]
        pricing = self.pricing(catalog, many=True)
        result: list[nodes.Node] = []
        shown: list[CostRow] = []
        for model_id in self.models(models_of(rows), models):
            of_model = [row for row in rows if row.model_id == model_id]
            counts = list(dict.fromkeys(row.counts for row in of_model))
            for counted in counts:
                group = [row for row in of_model if row.counts == counted]
                unit = unit_label(group)
                caption = model_caption(group, models, unit if len(counts) > 1 else None)
                result += self._model_tables(caption, group, unit, pricing, catalog.currency)
                shown += group
        self.note_used(shown, pricing)
        legend = ("Each model is one table whatever its tables call it (the caption lists "
                  "the names). The cheapest current, priced configuration under each pricing "
                  "model is in bold and marked \u201ccheapest\u201d; rows without a price are "
                  "listed after the ranked ones with the reason, and measurements of a "
                  "superseded table are in a closed block under the table, not ranked.")
        result.append(nodes.paragraph(legend, legend, classes=["df-table-cost-note"]))
        return result + self.price_notes(catalog, shown, pricing)

    def _model_tables(self, caption: str, rows: list[CostRow], unit: str,
                      pricing: list[str], currency: str) -> list[nodes.Node]:
        current = [row for row in rows if row.current]
        older = [row for row in rows if not row.current]
        keys = [key for key in SHOWN_LATENCIES
                if any(row.latency_text(key) for row in rows)]
        varying = varying_config(rows)
        columns = [("Instance", "instance", None), ("Platform", "platform", None),
                   ("Batch Size", "batch", None),
                   *([("Configuration", "config", "what else differs between these rows")]
                     if varying else []),
                   ("Optimized for", "tab", None),
                   ("Version", "version", "SDK and framework the row was measured with"),
                   (f"Throughput ({unit}/s)", "throughput", None),
                   *(latency_header(key) for key in keys),
                   *((f"Cost per 1M {unit} ({model})", "cost", None) for model in pricing),
                   ("Note", "note", None)]
        result: list[nodes.Node] = []
        if current:
            marks = {model: cheapest(current, model) for model in pricing}
            ordered = sorted(current, key=lambda row: cost_order(row, pricing[0]))
            body = [self._row(row, keys, varying, pricing, currency, marks) for row in ordered]
            result.append(review_table(columns, body, caption))
        if older:
            ordered = sorted(older, key=lambda row: cost_order(row, pricing[0]))
            body = [self._row(row, keys, varying, pricing, currency, {}) for row in ordered]
            reasons = sorted({row.superseded or "" for row in older})
            inner: list[nodes.Node] = [nodes.paragraph(text, text, classes=["cost-older-why"])
                                       for text in reasons]
            inner.append(review_table(columns, body, f"{caption}: older measurements",
                                      classes=["cost-older-table"]))
            summary = (f"Older measurements of {rows[0].model_name}: {len(older)} "
                       f"configuration{'s' if len(older) != 1 else ''} of a superseded table, "
                       "not ranked")
            result.append(make_collapsible(summary, inner, ["cost-older"]))
        return result

    def _row(self, row: CostRow, keys: list[str], varying: list[str], pricing: list[str],
             currency: str, marks: dict[str, list[CostRow]]) -> nodes.row:
        marked = [model for model in pricing if row in marks.get(model, [])]
        config = dict(row.config)
        cells = [_text_cell(row.instance, role="instance"),
                 _text_cell(row.platform, role="platform"),
                 _text_cell(row.batch_size or "n/a", role="batch")]
        if varying:
            cells.append(_text_cell(", ".join(f"{column} {config.get(column) or 'n/a'}"
                                              for column in varying), role="config"))
        cells += [_text_cell(row.optimized_for(), role="tab"),
                 _text_cell(row.version, role="version"),
                 _text_cell(display_number(row.throughput_text), role="throughput")]
        cells += [_text_cell(display_number(row.latency_text(key)), role="latency")
                  for key in keys]
        for model in pricing:
            cells.append(_text_cell(cost_text(row.costs[model], currency),
                                    strong=model in marked,
                                    explanation=row.no_price.get(model), role="cost"))
        cells.append(_text_cell(_note(row, marked, pricing), strong=bool(marked), role="note"))
        classes = ["df-cheapest"] if marked else []
        if not row.current:
            classes.append("cost-older")
        elif all(row.costs[model] is None for model in pricing):
            classes.append("cost-unranked")
        return table_row(cells, classes)


def varying_config(rows: list[CostRow]) -> list[str]:
    """The configuration columns whose value differs between ``rows`` (in CONFIG_COLUMNS order)."""
    configs = [dict(row.config) for row in rows]
    return [column for column in CONFIG_COLUMNS
            if len({config.get(column, "") for config in configs}) > 1]


def _note(row: CostRow, marks: list[str], pricing: list[str]) -> str:
    parts = [f"cheapest ({', '.join(marks)})"] if marks else []
    if not row.current:
        parts.append("older: not ranked")
    reasons = sorted({row.no_price[model] for model in pricing if model in row.no_price})
    if reasons and all(model in row.no_price for model in pricing):
        parts.append("not ranked")
    parts += [f"n/a: {reason}" for reason in reasons]
    if row.copies:
        parts.append(f"published {len(row.copies) + 1} times with the same numbers")
    return "; ".join(parts)


class CheapestUnderSla(CostReviewDirective):
    """Per model, the cheapest current, priced configuration whose latency is within a bound."""

    option_spec: ClassVar[dict[str, Any]] = {
        "latency": directives.unchanged,
        "max-ms": directives.unchanged,
        "pricing": directives.unchanged,
        "models": directives.unchanged,
    }

    def _bound(self) -> tuple[str, float]:
        try:
            key = bound_key(self.options.get("latency", "batch-p99"))
        except ValueError as err:
            raise DirectiveError(f":latency: {err}") from None
        text = self.options.get("max-ms")
        if text is None:
            raise DirectiveError(":max-ms: is required (the latency bound in milliseconds)")
        try:
            return key, parse_positive(text, "milliseconds")
        except ValueError as err:
            raise DirectiveError(f":max-ms: {err}") from None

    def build(self) -> list[nodes.Node]:
        key, bound = self._bound()
        rows, catalog, models = self.load()
        if not rows:
            return [no_results()]
        pricing = self.pricing(catalog, many=False)[0]
        label = f"{latency_label(key)} <= {format(bound, 'g')} ms"
        body, sentences, shown = [], [], []
        for model_id in self.models(models_of(rows), models):
            of_model = [row for row in rows if row.model_id == model_id]
            shown += of_model
            counts = list(dict.fromkeys(row.counts for row in of_model))
            for counted in counts:  # a cost per 1M output tokens is not one per 1M tokens
                group = [row for row in of_model if row.counts == counted]
                name = group[0].model_name + (f" (per {counted})" if len(counts) > 1 else "")
                best = cheapest_within(group, key, bound, pricing)
                if best is None:
                    sentences.append(no_answer(group, name, key, bound, pricing))
                else:
                    body.append(self._answer(best, name, key, pricing, catalog.currency))
        self.note_used(shown, [pricing])
        result: list[nodes.Node] = []
        if body:
            columns = [("Model", "model", None), ("Instance", "instance", None),
                       ("Platform", "platform", None), ("Batch Size", "batch", None),
                       ("Optimized for", "tab", None),
                       ("Version", "version", "SDK and framework the row was measured with"),
                       ("Throughput", "throughput", None), latency_header(key),
                       (f"Cost ({pricing})", "cost", None)]
            caption = f"Cheapest configuration per model with {label} ({pricing} prices)"
            result.append(review_table(columns, body, caption))
        for sentence in sentences:
            result.append(nodes.paragraph(sentence, sentence, classes=["cost-review-none"]))
        return result + self.price_notes(catalog, shown, [pricing])

    def _answer(self, best: CostRow, name: str, key: str, pricing: str,
                currency: str) -> nodes.row:
        return table_row([
            _text_cell(name, role="model"),
            _text_cell(best.instance, role="instance"),
            _text_cell(best.platform, role="platform"),
            _text_cell(best.batch_size or "n/a", role="batch"),
            _text_cell(best.optimized_for(), role="tab"),
            _text_cell(best.version, role="version"),
            _text_cell(f"{display_number(best.throughput_text)} {best.unit}/s",
                       role="throughput"),
            _text_cell(display_number(best.latency_text(key)), role="latency"),
            _text_cell(f"{cost_text(best.costs[pricing], currency)} per 1M {best.unit}",
                       strong=True, role="cost"),
        ], ["df-cheapest"])


def no_answer(rows: list[CostRow], name: str, key: str, bound: float, pricing: str) -> str:
    """Why no configuration of a model is the answer, counted."""
    why = unanswered(rows, key, bound, pricing)
    label = latency_label(key)
    parts = [f"{why.measured} measured"]
    if why.older:
        parts.append(f"{why.older} older")
    if why.unpriced:
        parts.append(f"{why.unpriced} unpriced")
    if why.other_metric:
        instead = ", ".join(latency_label(k) for k in why.other_keys) or "no latency"
        parts.append(f"{why.other_metric} without a {label} latency (they publish {instead})")
    if why.over:
        parts.append(f"{why.over} over the bound")
    return (f"No current, priced configuration of {name} meets {label} <= "
            f"{format(bound, 'g')} ms under {pricing} prices ({', '.join(parts)}).")


class CheapestAtSpeed(CostReviewDirective):
    """Per model of the model cards, the cheapest served point at which each user gets at
    least ``:min-tokens-per-user:`` output tokens per second."""

    option_spec: ClassVar[dict[str, Any]] = {
        "min-tokens-per-user": directives.unchanged,
        "pricing": directives.unchanged,
        "models": directives.unchanged,
    }

    def _minimum(self) -> float:
        text = self.options.get("min-tokens-per-user")
        if text is None:
            raise DirectiveError(":min-tokens-per-user: is required (output tokens per second "
                                 "each user gets at least)")
        try:
            return parse_positive(text, "tokens per second")
        except ValueError as err:
            raise DirectiveError(f":min-tokens-per-user: {err}") from None

    def build(self) -> list[nodes.Node]:
        minimum = self._minimum()
        catalog = self.price_catalog()
        models = self.model_catalog()
        folder = str(self.data_path(CARDS_DIR))
        cards = listed_files(CARDS, folder)
        CsvListing.note(self.env, [(CARDS, folder, cards)])
        csvs = [self.read_csv(Path(path)) for path in cards]
        pricing = self.pricing(catalog, many=False)[0]
        points = speed_points(csvs, catalog, models, pricing)
        if not points:
            return [no_results()]
        present = list(dict.fromkeys(p.model_id for p in points))
        body, sentences = [], []
        bound = f"at least {format(minimum, 'g')} output tokens/s per user"
        for model_id in self.models(present, models, "model card result"):
            of_model = [p for p in points if p.model_id == model_id]
            best = cheapest_at_speed(of_model, minimum)
            if best is None:
                sentences.append(f"No priced configuration of {of_model[0].model_name} gives "
                                 f"{bound} under {pricing} prices "
                                 f"({why_none_at_speed(of_model, minimum)}).")
            else:
                body.append(self._answer(best, pricing, catalog.currency))
        instances = sorted({p.point.cell("Inst. Type") for p in points if p.cost is not None})
        note_prices_used(self.env, self.data_path(PRICES), instances, pricing)
        result: list[nodes.Node] = []
        if body:
            columns = [("Model", "model", None),
                       *((name, "config", None) for name in ROW_HEADER),
                       ("Output tokens/s per user", "throughput", "1000 / TPOT P50 (ms): the "
                        "median request's output tokens per second after its first"),
                       ("Output tokens/s", "throughput", "all users together"),
                       (f"Cost per 1M output tokens ({pricing})", "cost", None)]
            caption = f"Cheapest configuration per model with {bound} ({pricing} prices)"
            result.append(review_table(columns, body, caption))
        for sentence in sentences:
            result.append(nodes.paragraph(sentence, sentence, classes=["cost-review-none"]))
        note = price_note(catalog, pricing, instances)
        if note:
            text = f"Cost per 1M ({pricing}) uses the {note}."
            result.append(nodes.paragraph(text, text, classes=["df-table-cost-note"]))
        return result

    def _answer(self, best: SpeedPoint, pricing: str,
                currency: str) -> nodes.row:
        return table_row([
            _text_cell(best.model_name, role="model"),
            *(_text_cell(text, role="config") for text in best.label()),
            _text_cell(display_number(best.tokens_per_user), role="throughput"),
            _text_cell(display_number(best.point.cell(OUTPUT_TOKENS)), role="throughput"),
            _text_cell(cost_text(best.cost, currency), strong=True, role="cost"),
        ], ["df-cheapest"])


# ------------------------------------------------------------------ new CSVs


PUBLISHED, CARDS = "published", "cards"


class CsvListing(PageFacts):
    """``{docname: {(kind, folder, its CSVs when the page was read)}}``: a page whose folder
    now lists other CSVs (a platform, family or model card added or removed) is read again.
    Cost tables read the published CSVs of the data folder, cheapest-at-speed the cards'."""

    key = "cost_review_listing"

    def get_outdated_docs(self, app: Sphinx, env: BuildEnvironment, added: set[str],
                          changed: set[str], removed: set[str]) -> list[str]:
        outdated = []
        for docname, listings in sorted(self.pages(env).items()):
            if docname not in removed and any(
                    listed_files(kind, folder) != files for kind, folder, files in listings):
                outdated.append(docname)
        return outdated


def listed_files(kind: str, folder: str) -> tuple[str, ...]:
    """The CSVs a cost page reads from ``folder``: published ones, or model cards' results."""
    if not Path(folder).is_dir():
        return ()
    paths = published_csvs(folder) if kind == PUBLISHED else sorted(Path(folder).glob("*.csv"))
    return tuple(map(str, paths))


def setup_cost_review(app: Sphinx, cache: FileCache) -> None:
    add_data_directive(app, "cost-comparison", CostComparison, cache)
    add_data_directive(app, "cheapest-under-sla", CheapestUnderSla, cache)
    add_data_directive(app, "cheapest-at-speed", CheapestAtSpeed, cache)
    app.add_env_collector(CsvListing)
