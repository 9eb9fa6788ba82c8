"""Typed metric summaries: a mode summarises a measurement as a dataclass of :class:`Summary`
whose fields are the record's fields, so a new metric is one field.

A :class:`Distribution` field named ``ttft_ms`` becomes ``ttft_ms_p50`` ... ``ttft_ms_p99``
(and ``ttft_ms_mean`` when it has one, ``ttft_ms_min``, ``ttft_ms_max`` and ``ttft_ms_std``
when it has its spread); a nested summary marked ``flatten`` adds its own fields (none when it
is None); any other field is recorded under its name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from perfcore.numbers import PERCENTILES, percentile, std

FLATTEN = {"flatten": True}
"""``field(metadata=FLATTEN)``: a nested summary whose fields are the record's own."""


@dataclass(frozen=True)
class Distribution:
    """Percentiles of one metric's sample (None for each when it was empty), its mean when
    ``with_mean``, and its spread (minimum, maximum, population standard deviation) when
    ``with_spread``."""

    percentiles: Mapping[int, float | None]
    mean: float | None = None
    with_mean: bool = False
    minimum: float | None = None
    maximum: float | None = None
    std: float | None = None
    with_spread: bool = False

    @classmethod
    def of(cls, values: Iterable[float], points: Sequence[int] = PERCENTILES, *,
           with_mean: bool = False, digits: int | None = None,
           with_spread: bool = False) -> Distribution:
        ordered = sorted(float(value) for value in values)

        def rounded(value: float) -> float:
            return value if digits is None else round(value, digits)

        if not ordered:
            return cls(dict.fromkeys(points), None, with_mean, with_spread=with_spread)
        spread = (ordered[0], ordered[-1], std(ordered)) if with_spread else (None, None, None)
        return cls({point: rounded(percentile(ordered, point)) for point in points},
                   sum(ordered) / len(ordered) if with_mean else None, with_mean,
                   *spread, with_spread=with_spread)

    def fields(self, name: str) -> dict[str, float | None]:
        fields = {f"{name}_p{point}": value for point, value in self.percentiles.items()}
        if self.with_mean:
            fields[f"{name}_mean"] = self.mean
        if self.with_spread:
            fields.update({f"{name}_min": self.minimum, f"{name}_max": self.maximum,
                           f"{name}_std": self.std})
        return fields


@dataclass(frozen=True)
class Summary:
    """Base of a mode's typed summary; :meth:`record_fields` flattens it into record fields."""

    def record_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for declared in dataclasses.fields(self):
            value = getattr(self, declared.name)
            if isinstance(value, Distribution):
                fields.update(value.fields(declared.name))
            elif declared.metadata.get("flatten"):
                fields.update(value.record_fields() if value is not None else {})
            else:
                fields[declared.name] = value
        return fields
