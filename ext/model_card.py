"""``.. model-card:: <name>``: an LLM's page from ``data/model-cards/<name>.yaml`` and the
served results ``collect publish`` wrote to ``data/model-cards/<name>.csv``;
``.. model-card-list::``: every card of ``data/model-cards/``, linked to its page. A card's
model is one of the model catalog's (``data/models.yaml``), and ``<name>`` its id's slug.

The card (title, recommended configurations, the Latency / Throughput / TTFT / TPOT (ITL)
tab-set, sources and prices) is rendered from ``templates/model_card.rst.j2`` with jinja2
into reST, every data text escaped, and parsed in place. The tables are built by
:mod:`perfcore.model_cards`; a problem in the card or its results is one located error
(with the error box in the page), so a strict build stops.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.nodes import nested_parse_with_titles

from ext.base import PRICES, DataDirective, add_data_directive
from ext.filecache import FileCache
from ext.price_age import note_prices_used
from perfcore.csvfile import CsvText
from perfcore.errors import DataFileError
from perfcore.model_cards import (
    CARDS_DIR,
    CardView,
    card_csv,
    card_entry,
    card_slug,
    card_view,
    card_yaml,
    load_model_card,
)
from perfcore.prices import rate_basis
from perfcore.rsttext import rst_escape

PAGES_DIR = "model-cards"  # docs/model-cards/<name>.rst shows data/model-cards/<name>.yaml


@functools.cache
def template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("ext", "templates"), trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
        autoescape=False)  # reST, not HTML: every data text goes through the rst filter
    environment.filters["rst"] = rst_escape
    return environment.get_template("model_card.rst.j2")


def price_notes(view: CardView) -> list[str]:
    priced = view.priced
    notes = []
    basis = rate_basis(priced.used)
    if basis:
        notes.append(f"Cost per 1M output tokens: the instance's {priced.pricing} hourly "
                     f"price ({basis}, {priced.catalog.currency}) / 3600 / output tokens "
                     "per second x 1,000,000")
    notes += [f"{instance}: no price ({reason})" for instance, reason in
              sorted(priced.unpriced.items())]
    return notes


def card_text(view: CardView) -> str:
    card = view.card
    return template().render(
        title=card.title, description=card.description, model=card.model,
        recommended=view.recommended, tabs=view.tabs, sources=view.sources,
        price_notes=price_notes(view), speed_points=view.speed_points, results=view.results,
        pricing=card.pricing)


class ModelCardDirective(DataDirective):
    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {}

    def build(self) -> list[nodes.Node]:
        name = self.arguments[0]
        path = self.data_path(card_yaml(name))
        self.depend_if_present(path)
        if not path.is_file():
            return self.failed(name, f"no model card {self.shown(path)} (cards are "
                               f"{CARDS_DIR}/<name>.yaml in the data folder)")
        try:
            card = self.cache.get("model_card", str(path),
                                  lambda: load_model_card(path, self.shown(path)))
            models = self.model_catalog()
            model_id = card_entry(card, models).id
            if card_slug(model_id) != name:
                raise DataFileError(card.path, card.lines.get("model", 0),
                                    f"model {card.model!r} (catalog id {model_id!r}) publishes "
                                    f"to {card_csv(model_id)}: name the card "
                                    f"{card_slug(model_id)}.yaml")
            view = card_view(card, self.results(model_id), self.price_catalog(), models)
        except DataFileError as err:
            return self.failed(name, str(err))
        self.note_prices(view)
        return self.parse(card_text(view))

    def failed(self, name: str, message: str) -> list[nodes.Node]:
        """The error box under a title (the card's name), so the page still has one."""
        title = rst_escape(name)
        [section] = self.parse(f"{title}\n{'=' * len(title)}\n")
        section += self.report(message)
        return [section]

    def results(self, model_id: str) -> CsvText:
        path = self.data_path(card_csv(model_id))
        if not path.is_file():
            self.depend_if_present(path)  # re-read the page once publish writes it
            return CsvText(self.shown(path), (), (), ())
        return self.read_csv(path)

    def note_prices(self, view: CardView) -> None:
        priced = view.priced
        prices = self.data_path(PRICES)
        if priced.missing:
            self.warn_missing_prices(sorted(priced.missing), priced.pricing,
                                     self.shown(self.data_path(card_csv(
                                         self.model_catalog().id_of(view.card.model)))),
                                     self.shown(prices))
        note_prices_used(self.env, prices, priced.instances, priced.pricing)

    def parse(self, text: str) -> list[nodes.Node]:
        source, line = self.get_source_info()
        lines = text.splitlines()
        holder = nodes.section()
        holder.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, items=[(source, line - 1)]
                                                        * len(lines)), holder)
        return holder.children


class ModelCardList(DataDirective):
    """A table of every card in ``data/model-cards/``: title, model, link to its page."""

    def build(self) -> list[nodes.Node]:
        folder = self.data_path(CARDS_DIR)
        # re-read when pages are added, as a globbed toctree is (a new card comes with one)
        self.env.glob_toctrees.add(self.env.docname)
        cards = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        if not cards:
            return [nodes.paragraph(text="No model cards yet.")]
        rows = []
        models = self.model_catalog()
        for path in cards:  # a bad card is the base's error box (a DataFileError)
            self.depend(path)
            card = self.cache.get("model_card", str(path),
                                  lambda path=path: load_model_card(path, self.shown(path)))
            rows.append((self.page_of(path), card, card_entry(card, models)))
        lines = [".. list-table::", "   :header-rows: 1", "", "   * - Model card",
                 "     - Model", "     - Recommended configurations"]
        for page, card, entry in rows:
            lines += [f"   * - :doc:`{rst_escape(card.title)} </{page}>`",
                      f"     - ``{entry.id}``", f"     - {len(card.recommended)}"]
        source, line = self.get_source_info()
        holder = nodes.container()
        self.state.nested_parse(StringList(lines, items=[(source, line - 1)] * len(lines)),
                                self.content_offset, holder)
        return holder.children

    def page_of(self, path: Path) -> str:
        """The page of a card; a card without one is an error (it would never be shown)."""
        page = f"{PAGES_DIR}/{path.stem}"
        if page not in self.env.found_docs:
            raise DataFileError(self.shown(path), 0, f"no page shows this model card: add "
                                f"docs/{page}.rst with '.. model-card:: {path.stem}'")
        return page


def setup_model_card(app: Sphinx, cache: FileCache) -> None:
    add_data_directive(app, "model-card", ModelCardDirective, cache)
    add_data_directive(app, "model-card-list", ModelCardList, cache)
