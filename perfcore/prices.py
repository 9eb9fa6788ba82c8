"""Load the price catalog (``data/prices.yaml``, format in CONTRIBUTING.md). No Sphinx import."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from perfcore.errors import DataFileError
from perfcore.textfile import read_text
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar

SUPPORTED_SCHEMA = "1"
# The pricing models a catalog may list (issue 5); ``ri-effective`` is the RI rate as the
# published Neuron pages use it, with the term not stated.
PRICING_MODELS = ("on-demand", "ri-effective", "ri-1yr", "ri-3yr", "savings-plan", "spot")


@dataclass(frozen=True)
class Price:
    """One hourly rate of one instance under one pricing model."""

    rate: float
    read: str
    source: str
    line: int = field(default=0, compare=False)  # of the entry in the catalog, for messages

    def read_date(self) -> date | None:
        """The ``read`` date (validated when the catalog is loaded), or None if not stated."""
        return date.fromisoformat(self.read) if self.read else None


@dataclass(frozen=True)
class InstancePrices:
    name: str
    region: str
    prices: dict[str, Price]


@dataclass(frozen=True)
class PriceCatalog:
    """Instances keyed by lower-cased instance type, so joins ignore case."""

    path: str
    currency: str
    instances: dict[str, InstancePrices] = field(default_factory=dict)
    unpriced: dict[str, str] = field(default_factory=dict)

    def lookup(self, instance: str) -> InstancePrices | None:
        return self.instances.get(instance.strip().lower())

    def unpriced_reason(self, instance: str) -> str | None:
        return self.unpriced.get(instance.strip().lower())

    def rate(self, instance: str, pricing_model: str) -> float | None:
        """Hourly rate of ``instance`` under ``pricing_model``, or None without one."""
        entry = self.lookup(instance)
        price = entry.prices.get(pricing_model) if entry else None
        return price.rate if price else None

    def hourly_rates(self, pricing_model: str) -> dict[str, float]:
        """Lower-case instance type -> hourly rate, for the instances priced that way."""
        return {key: entry.prices[pricing_model].rate for key, entry in self.instances.items()
                if pricing_model in entry.prices}

    def read_dates(self, pricing_model: str) -> list[str]:
        """The distinct ``read`` dates of ``pricing_model``'s prices, oldest first."""
        return sorted({entry.prices[pricing_model].read for entry in self.instances.values()
                       if pricing_model in entry.prices and entry.prices[pricing_model].read})

    def pricing_models(self) -> list[str]:
        """The pricing models any instance has, in :data:`PRICING_MODELS` order."""
        present = {model for inst in self.instances.values() for model in inst.prices}
        return [model for model in PRICING_MODELS if model in present]


def load_price_catalog(path: str | Path) -> PriceCatalog:
    """Read and validate a price catalog; any problem is a :class:`YamlError` with a line."""
    path = str(path)
    try:
        text = read_text(path, path, missing="price catalog not found")
    except DataFileError as err:
        raise YamlError(err.path, err.line, err.message) from None
    return parse_price_catalog(text, path)


def latest_date_anywhere() -> date:
    """Today's date where it is latest on earth (UTC+14): a later date is in the future."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def parse_price_catalog(text: str, path: str, today: date | None = None) -> PriceCatalog:
    """Validate a catalog; a ``read`` date after ``today`` (default: now) is an error."""
    root = compose(text, path)
    if root is None:
        raise YamlError(path, 0, "price catalog is empty")
    top = {key: node for key, _, node in mapping_items(root, path, "price catalog")}
    for key, node in top.items():
        if key not in ("schema_version", "currency", "instances", "unpriced"):
            raise YamlError(
                path, line_of(node),
                f"unknown key {key!r} (expected schema_version, currency, instances, unpriced)",
            )
    if "schema_version" not in top:
        raise YamlError(path, 1, "schema_version is missing (expected 1)")
    version = scalar(top["schema_version"], path, "schema_version")
    if version != SUPPORTED_SCHEMA:
        raise YamlError(path, line_of(top["schema_version"]),
                        f"schema_version {version} is not supported (expected 1)")
    currency = scalar(top["currency"], path, "currency") if "currency" in top else "USD"
    latest = today or latest_date_anywhere()
    instances = _instances(top["instances"], path, latest) if "instances" in top else {}
    unpriced = _unpriced(top["unpriced"], path) if "unpriced" in top else {}
    if set(instances) & set(unpriced):
        _refuse_priced_and_unpriced(top["instances"], top["unpriced"], path)
    return PriceCatalog(path=path, currency=currency, instances=instances, unpriced=unpriced)


def _instances(node, path: str, latest: date) -> dict[str, InstancePrices]:
    instances = {}
    for name, name_node, inst_node in mapping_items(node, path, "instances", fold_case=True):
        fields = {key: value for key, _, value in mapping_items(inst_node, path, name)}
        for key, value in fields.items():
            if key not in ("region", "prices"):
                raise YamlError(path, line_of(value),
                                f"{name}: unknown key {key!r} (expected region, prices)")
        if "prices" not in fields:
            raise YamlError(path, line_of(inst_node), f"{name}: prices is missing")
        if "region" not in fields:
            raise YamlError(path, line_of(name_node),
                            f"{name}: region is missing (the region its prices are for, "
                            "e.g. us-east-1)")
        region = scalar(fields["region"], path, f"{name}: region")
        prices = {}
        for model, key_node, price_node in mapping_items(fields["prices"], path,
                                                         f"{name}: prices"):
            if model not in PRICING_MODELS:
                raise YamlError(path, line_of(key_node),
                                f"{name}: unknown pricing model {model!r} "
                                f"(expected one of {', '.join(PRICING_MODELS)})")
            prices[model] = _price(price_node, path, f"{name}: {model}", latest)
        instances[name.strip().lower()] = InstancePrices(name=name, region=region, prices=prices)
    return instances


def _price(node, path: str, what: str, latest: date) -> Price:
    fields = {key: value for key, _, value in mapping_items(node, path, what)}
    for key, value in fields.items():
        if key not in ("rate", "read", "source"):
            raise YamlError(path, line_of(value),
                            f"{what}: unknown key {key!r} (expected rate, read, source)")
    if "rate" not in fields:
        raise YamlError(path, line_of(node), f"{what}: rate is missing")
    text = scalar(fields["rate"], path, f"{what}: rate")
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate <= 0:
        raise YamlError(path, line_of(fields["rate"]),
                        f"{what}: rate must be a positive number (USD per hour), got {text!r}")
    if "read" not in fields:
        raise YamlError(path, line_of(node),
                        f"{what}: read is missing (the date YYYY-MM-DD the rate was read)")
    read = _read_date(fields["read"], path, what, latest)
    source = scalar(fields["source"], path, f"{what}: source") if "source" in fields else ""
    return Price(rate=rate, read=read, source=source, line=line_of(node))


def _read_date(node, path: str, what: str, latest: date) -> str:
    read = scalar(node, path, f"{what}: read")
    try:
        when = date.fromisoformat(read)
    except ValueError:
        raise YamlError(path, line_of(node),
                        f"{what}: read must be a date YYYY-MM-DD, got {read!r}") from None
    if when > latest:
        raise YamlError(path, line_of(node),
                        f"{what}: read {read} is in the future (the date the rate was read "
                        "cannot be after today)")
    return read


def _unpriced(node, path: str) -> dict[str, str]:
    return {
        name.strip().lower(): scalar(reason, path, f"unpriced: {name}")
        for name, _, reason in mapping_items(node, path, "unpriced", fold_case=True)
    }


def _refuse_priced_and_unpriced(instances_node, unpriced_node, path: str) -> None:
    """An instance listed under ``unpriced`` that also has prices: an error at its
    ``unpriced`` line, naming the line of its prices."""
    priced = {name.strip().lower(): line_of(key_node) for name, key_node, _
              in mapping_items(instances_node, path, "instances", fold_case=True)}
    for name, key_node, _ in mapping_items(unpriced_node, path, "unpriced", fold_case=True):
        line = priced.get(name.strip().lower())
        if line is not None:
            raise YamlError(path, line_of(key_node),
                            f"instance {name!r} is both priced (line {line}) and unpriced; "
                            "keep one of the two")


def rate_basis(used: set[tuple[str, str]]) -> str | None:
    """``us-east-1, read 2026-11-22`` for the (region, read date) pairs some costs used."""
    if not used:
        return None
    regions = sorted({region for region, _ in used if region}) or ["region not stated"]
    dates = sorted({read for _, read in used if read}) or ["date not stated"]
    read = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    return f"{', '.join(regions)}, read {read}"
