"""Model cards: an LLM's page from ``data/model-cards/<model>.yaml`` (written by hand: title,
description, recommended configurations per instance type) and
``data/model-cards/<model>.csv`` (written by ``collect publish`` from served records: every
measured point). No Sphinx.

A card is about one model of the model catalog (``data/models.yaml``, :mod:`perfcore.models`):
its ``model`` is a catalog id or alias, its files are named by the id, and its rows are the
results rows whose ``Model`` resolves to that id.

The card's tables are plain data built here (:func:`card_view`): the recommended
configurations with their published figures, and the Latency / Throughput / TTFT /
TPOT (ITL) tabs by instance, concurrency (or offered rate) and input|output length, with
cost per 1M output tokens from the price catalog (:func:`perfcore.cost.cost_per_million`).
A bad key in the YAML, a value of the wrong kind, a model the catalog does not know, or a
recommended configuration without a published result is an error naming the YAML file and
line; a results row of another or an unknown model is an error at its CSV line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from perfcore.columns import TOKENS_PER_USER_SOURCE, tokens_per_user
from perfcore.cost import cost_format, cost_per_million
from perfcore.csvfile import CsvText
from perfcore.errors import DataFileError
from perfcore.families import CARDS_DIR
from perfcore.formats import format_number
from perfcore.models import ModelCatalog, ModelEntry
from perfcore.numbers import parse_number
from perfcore.ordering import sort_key
from perfcore.prices import PRICING_MODELS, PriceCatalog
from perfcore.textfile import read_text
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar

SCHEMA_VERSION = "1"
NO_VALUE = "n/a"
OUTPUT_TOKENS = "Output Token Throughput (tokens/second)"
COST = "Cost per 1M output tokens"
CARD_KEYS = ("schema_version", "model", "title", "description", "pricing", "recommended")
REQUIRED_KEYS = ("schema_version", "model", "title", "recommended")
RECOMMENDED_KEYS = ("instance", "server", "concurrency", "input_length", "output_length",
                    "dtype", "tp_degree", "use")
POINT_COLUMNS = ("Model", "Inst. Type", "Server", "Model Data Type", "TP Degree", "Load",
                 "Concurrency", "Offered Rate (requests/second)", "Input Length",
                 "Output Length", "Source")
PER_USER = "Output Tokens per User P50 (tokens/second)"
TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Latency", ("E2E P50 (ms)", "E2E P99 (ms)")),
    ("Throughput", ("Request Throughput (requests/second)", OUTPUT_TOKENS, PER_USER,
                    "Throughput (tokens/second)", "Effective Concurrency", COST)),
    ("TTFT", ("TTFT P50 (ms)", "TTFT P99 (ms)", "TTST P50 (ms)")),
    ("TPOT (ITL)", ("TPOT P50 (ms)", "TPOT P99 (ms)", "ITL P50 (ms)", "ITL P99 (ms)",
                    "Text ITL P50 (ms)")),
)
ROW_HEADER = ("Instance", "Server", "Data type", "Load", "Input | Output")


def card_slug(model: str) -> str:
    """A card's file name: ``meta-llama/Llama-3.1-8B`` -> ``meta-llama--Llama-3.1-8B``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model.replace("/", "--")).strip("-.") or "model"


def card_csv(model: str) -> str:
    """The served results of ``model`` (a catalog id), relative to the data folder."""
    return f"{CARDS_DIR}/{card_slug(model)}.csv"


def card_yaml(name: str) -> str:
    """The card ``name`` (a :func:`card_slug`), relative to the data folder."""
    return f"{CARDS_DIR}/{name}.yaml"


def card_entry(card: ModelCard, models: ModelCatalog) -> ModelEntry:
    """The catalog's entry of the card's model; a model it does not know is an error at the
    card's ``model`` line."""
    entry = models.resolve(card.model)
    if entry is None:
        raise YamlError(card.path, card.lines.get("model", 0),
                        f"model {card.model!r} is not in the model catalog {models.path}: a "
                        "card's model is a catalog id or alias (add the model there first)")
    return entry


@dataclass(frozen=True)
class Recommended:
    instance: str
    concurrency: int
    input_length: int
    output_length: int
    server: str | None = None
    dtype: str | None = None
    tp_degree: int | None = None
    use: str = ""
    line: int = 0


@dataclass(frozen=True)
class ModelCard:
    path: str
    model: str
    title: str
    description: str = ""
    pricing: str = "on-demand"
    recommended: tuple[Recommended, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)


def load_model_card(path: str | Path, shown: str | None = None) -> ModelCard:
    shown = shown or str(path)
    return parse_model_card(read_text(path, shown), shown)


def parse_model_card(text: str, shown: str) -> ModelCard:
    """A card's YAML, checked: known keys only, each value of its kind (errors at lines)."""
    root = compose(text, shown)
    if root is None:
        raise YamlError(shown, 0, "empty model card: expected schema_version, model, title, "
                        "recommended")
    values: dict[str, yaml.Node] = {}
    lines: dict[str, int] = {}
    for key, key_node, value in mapping_items(root, shown, "model card"):
        if key not in CARD_KEYS:
            raise YamlError(shown, line_of(key_node), f"unknown key {key!r} (a model card has "
                            f"{', '.join(CARD_KEYS)})")
        values[key], lines[key] = value, line_of(key_node)
    missing = [key for key in REQUIRED_KEYS if key not in values]
    if missing:
        raise YamlError(shown, line_of(root), f"model card: missing {', '.join(missing)}")
    version = scalar(values["schema_version"], shown, "schema_version")
    if version != SCHEMA_VERSION:
        raise YamlError(shown, lines["schema_version"],
                        f"schema_version {version!r} is not supported (expected 1)")
    pricing = scalar(values["pricing"], shown, "pricing") if "pricing" in values \
        else "on-demand"
    if pricing not in PRICING_MODELS:
        raise YamlError(shown, lines["pricing"], f"pricing {pricing!r}: expected one of "
                        f"{', '.join(PRICING_MODELS)}")
    return ModelCard(
        shown, scalar(values["model"], shown, "model"), scalar(values["title"], shown, "title"),
        scalar(values["description"], shown, "description") if "description" in values
        else "", pricing, recommended_list(values["recommended"], shown), lines)


def recommended_list(node: yaml.Node, shown: str) -> tuple[Recommended, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise YamlError(shown, line_of(node), "recommended must be a list of configurations")
    return tuple(recommended(item, shown) for item in node.value)


def recommended(node: yaml.Node, shown: str) -> Recommended:
    given: dict[str, tuple[str, int]] = {}
    for key, key_node, value in mapping_items(node, shown, "a recommended configuration"):
        if key not in RECOMMENDED_KEYS:
            raise YamlError(shown, line_of(key_node), f"unknown key {key!r} in a recommended "
                            f"configuration (keys: {', '.join(RECOMMENDED_KEYS)})")
        given[key] = (scalar(value, shown, key), line_of(value))
    for key in ("instance", "concurrency", "input_length", "output_length"):
        if key not in given:
            raise YamlError(shown, line_of(node), f"a recommended configuration needs {key}")

    def whole(key: str) -> int | None:
        if key not in given:
            return None
        text, line = given[key]
        if not text.isdigit() or int(text) < 1:
            raise YamlError(shown, line, f"{key} must be a whole number >= 1, got {text!r}")
        return int(text)

    return Recommended(given["instance"][0], whole("concurrency"), whole("input_length"),
                       whole("output_length"), given.get("server", (None,))[0],
                       given.get("dtype", (None,))[0], whole("tp_degree"),
                       given.get("use", ("",))[0], line_of(node))


@dataclass(frozen=True)
class Point:
    """One published served row of the card's model."""

    cells: dict[str, str]
    line: int

    def cell(self, column: str) -> str:
        return self.cells.get(column, "")

    def matches(self, wanted: Recommended) -> bool:
        same = (self.cell("Inst. Type").lower() == wanted.instance.lower()
                and self.cell("Status") != "degraded"  # never recommended
                and self.cell("Load") == "closed"
                and self.cell("Concurrency") == str(wanted.concurrency)
                and self.cell("Input Length") == str(wanted.input_length)
                and self.cell("Output Length") == str(wanted.output_length))
        if wanted.server is not None:
            same = same and self.cell("Server").lower() == wanted.server.lower()
        if wanted.dtype is not None:
            same = same and self.cell("Model Data Type").lower() == wanted.dtype.lower()
        if wanted.tp_degree is not None:
            same = same and self.cell("TP Degree") == str(wanted.tp_degree)
        return same


def card_points(csv: CsvText, entry: ModelEntry, models: ModelCatalog) -> list[Point]:
    """The rows of the card's model: every row, each of which must name that model (a
    CSV without the columns a card needs, or a row of another or an unknown model, is an
    error at its line)."""
    missing = [name for name in POINT_COLUMNS if name not in csv.columns]
    if missing:
        raise DataFileError(csv.path, csv.header_line, f"a model card's results need the "
                            f"columns {', '.join(missing)} (collect publish writes them)")
    points = [Point(dict(zip(csv.columns, row, strict=True)), line)
              for row, line in zip(csv.rows, csv.lines, strict=True)]
    for point in points:
        found = models.resolve(point.cell("Model"))
        if found is None or found.id != entry.id:
            what = (f"is {found.id!r} in the model catalog {models.path}" if found else
                    f"is not in the model catalog {models.path}")
            raise DataFileError(csv.path, point.line, f"Model {point.cell('Model')!r} {what}, "
                                f"not this card's {entry.id!r}: collect publish writes each "
                                "model's rows to its own card")
    return sorted(points, key=point_order)


def point_order(point: Point) -> tuple:
    return tuple(sort_key(point.cell(column)) for column in
                 ("Inst. Type", "Server", "Model Data Type", "Input Length", "Output Length",
                  "Load", "Concurrency", "Offered Rate (requests/second)"))


@dataclass
class Priced:
    """Cost per 1M output tokens of the card's rows under one pricing model."""

    catalog: PriceCatalog
    pricing: str
    used: set[tuple[str, str]] = field(default_factory=set)  # (region, read date)
    instances: set[str] = field(default_factory=set)
    unpriced: dict[str, str] = field(default_factory=dict)  # instance -> reason
    missing: set[str] = field(default_factory=set)  # neither priced nor listed unpriced

    def cost(self, point: Point) -> str:
        instance = point.cell("Inst. Type")
        rate = self.catalog.rate(instance, self.pricing)
        throughput = parse_number(point.cell(OUTPUT_TOKENS))
        if rate is None:
            reason = self.catalog.unpriced_reason(instance)
            if reason is None:
                self.missing.add(instance)
            else:
                self.unpriced[instance] = reason
            return NO_VALUE
        if not throughput:
            return NO_VALUE
        entry = self.catalog.lookup(instance)
        price = entry.prices[self.pricing]
        self.used.add((entry.region, price.read))
        self.instances.add(instance)
        return format_number(cost_format(self.catalog.currency),
                             cost_per_million(throughput, rate))


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class CardView:
    card: ModelCard
    recommended: Table
    tabs: tuple[tuple[str, Table], ...]
    sources: tuple[str, ...]
    priced: Priced
    results: str = ""  # the card's results CSV, relative to the data folder
    speed_points: int = 0  # points a cost-against-speed chart draws (priced, with a TPOT)


def load_text(point: Point) -> str:
    """``concurrency 4``, ``poisson 2 requests/s``; ``(degraded)`` when the point had more
    failed requests than its ``--max-failed`` (published only with ``--include-degraded``)."""
    degraded = " (degraded)" if point.cell("Status") == "degraded" else ""
    if point.cell("Load") == "closed":
        return f"concurrency {point.cell('Concurrency')}{degraded}"
    rate = point.cell("Offered Rate (requests/second)")
    return (f"{point.cell('Load') or 'load not stated'}"
            + (f" {rate} requests/s" if rate else "") + degraded)


def row_label(point: Point) -> tuple[str, ...]:
    return (point.cell("Inst. Type"), point.cell("Server") or NO_VALUE,
            point.cell("Model Data Type") or NO_VALUE, load_text(point),
            f"{point.cell('Input Length')} | {point.cell('Output Length')}")


def value(point: Point, column: str, priced: Priced) -> str:
    if column == COST:
        return priced.cost(point)
    return point.cell(column) or NO_VALUE


def cost_header(priced: Priced) -> str:
    return f"{COST} ({priced.catalog.currency}, {priced.pricing})"


def header_of(columns: Sequence[str], priced: Priced) -> tuple[str, ...]:
    return tuple(cost_header(priced) if column == COST else column for column in columns)


def card_view(card: ModelCard, csv: CsvText, catalog: PriceCatalog,
              models: ModelCatalog | None = None) -> CardView:
    """The card's tables; a recommended configuration without a published row is an error
    at its line in the card."""
    models = models or ModelCatalog.none()
    points = card_points(csv, card_entry(card, models), models)
    priced = Priced(catalog, card.pricing)
    chosen = []
    for wanted in card.recommended:
        found = [point for point in points if point.matches(wanted)]
        if not found:
            raise YamlError(card.path, wanted.line, missing_result(wanted, card, csv, points))
        chosen.append((wanted, found[-1]))
    headline = ("TTFT P50 (ms)", "TPOT P50 (ms)", OUTPUT_TOKENS, COST)
    recommended_table = Table(
        ("Use", *ROW_HEADER, *header_of(headline, priced)),
        tuple((wanted.use or NO_VALUE, *row_label(point),
               *(value(point, column, priced) for column in headline))
              for wanted, point in chosen))
    tabs = tuple((title, Table((*ROW_HEADER, *header_of(columns, priced)),
                               tuple((*row_label(point),
                                      *(value(point, column, priced) for column in columns))
                                     for point in points)))
                 for title, columns in TABS)
    sources = tuple(dict.fromkeys(point.cell("Source") for point in points if point.cell(
        "Source")))
    drawn = [point for point in points if point.cell("Status") != "degraded"
             and catalog.rate(point.cell("Inst. Type"), card.pricing) is not None
             and tokens_per_user(parse_number(point.cell(TOKENS_PER_USER_SOURCE)))
             and parse_number(point.cell(OUTPUT_TOKENS))]
    return CardView(card, recommended_table, tabs, sources, priced,
                    card_csv(card_entry(card, models).id), len(drawn))


def missing_result(wanted: Recommended, card: ModelCard, csv: CsvText,
                   points: list[Point]) -> str:
    published = sorted({f"{p.cell('Inst. Type')} concurrency {p.cell('Concurrency')} "
                        f"{p.cell('Input Length')}|{p.cell('Output Length')}"
                        for p in points if p.cell("Load") == "closed"}) or ["none"]
    return (f"no published served result of {card.model} for {wanted.instance}, concurrency "
            f"{wanted.concurrency}, {wanted.input_length}|{wanted.output_length}"
            + "".join(f", {text}" for text in (wanted.server, wanted.dtype) if text)
            + f" in {csv.path} (published: {'; '.join(published)}); run it and collect "
            "publish the results, or correct the card")


# ------------------------------------------------------------ cost against speed, all cards


@dataclass(frozen=True)
class SpeedPoint:
    """One served point of a model card with its speed per user and its cost."""

    model_id: str
    model_name: str
    point: Point
    path: str
    tokens_per_user: float | None  # 1000 / TPOT P50
    cost: float | None  # per 1M output tokens under the pricing model; None: no price
    no_price: str | None  # why not, when there is no cost

    def label(self) -> tuple[str, ...]:
        return row_label(self.point)


def speed_points(csvs: Sequence[CsvText], catalog: PriceCatalog, models: ModelCatalog,
                 pricing: str) -> list[SpeedPoint]:
    """Every row of the model cards' results (``model-cards/*.csv``) with its speed per user
    and its cost per 1M output tokens (:func:`perfcore.cost.cost_per_million`)."""
    found = []
    for csv in csvs:
        for row, line in zip(csv.rows, csv.lines, strict=True):
            point = Point(dict(zip(csv.columns, row, strict=True)), line)
            entry = models.resolve(point.cell("Model"))
            instance = point.cell("Inst. Type")
            rate = catalog.rate(instance, pricing)
            throughput = parse_number(point.cell(OUTPUT_TOKENS))
            no_price = None
            if rate is None:
                no_price = (catalog.unpriced_reason(instance)
                            or f"no {pricing} price for {instance} in {catalog.path}")
            found.append(SpeedPoint(
                entry.id if entry else point.cell("Model"),
                entry.name if entry else point.cell("Model"), point, csv.path,
                tokens_per_user(parse_number(point.cell(TOKENS_PER_USER_SOURCE))),
                cost_per_million(throughput, rate) if rate is not None and throughput
                else None, no_price))
    return found


def cheapest_at_speed(points: Sequence[SpeedPoint], minimum: float) -> SpeedPoint | None:
    """The cheapest priced, not degraded point whose speed per user is at least ``minimum``
    (ties: the faster, then the instance's name)."""
    meeting = [p for p in points if p.cost is not None and p.point.cell("Status") != "degraded"
               and p.tokens_per_user is not None and p.tokens_per_user >= minimum]
    if not meeting:
        return None
    return min(meeting, key=lambda p: (p.cost, -(p.tokens_per_user or 0),
                                       sort_key(p.point.cell("Inst. Type"))))


def why_none_at_speed(points: Sequence[SpeedPoint], minimum: float) -> str:
    """Why no point is the answer: the points counted by reason."""
    reasons = {"degraded": 0, "unpriced": 0, "without output tokens/s": 0,
               "without a TPOT P50": 0, "slower": 0}
    for p in points:
        if p.point.cell("Status") == "degraded":
            reasons["degraded"] += 1
        elif p.no_price is not None:
            reasons["unpriced"] += 1
        elif p.cost is None:
            reasons["without output tokens/s"] += 1
        elif p.tokens_per_user is None:
            reasons["without a TPOT P50"] += 1
        elif p.tokens_per_user < minimum:
            reasons["slower"] += 1
    parts = [f"{len(points)} published"] + [f"{count} {why}" for why, count in reasons.items()
                                            if count]
    return ", ".join(parts)
