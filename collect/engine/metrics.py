"""Typed metric summaries: a mode summarises a measurement as a dataclass of :class:`Summary`
whose fields are the record's fields, so a new metric is one field.

A :class:`Distribution` field named ``ttft_ms`` becomes ``ttft_ms_p50`` ... ``ttft_ms_p99``
(and ``ttft_ms_mean`` when it has one); a nested summary marked ``flatten`` adds its own fields
(none when it is None); any other field is recorded under its name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from perfcore.numbers import PERCENTILES, percentile

FLATTEN = {"flatten": True}
"""``field(metadata=FLATTEN)``: a nested summary whose fields are the record's own."""


@dataclass(frozen=True)
class Distribution:
    """Percentiles of one metric's sample (None for each when it was empty), and its mean
    when ``with_mean``."""

    percentiles: Mapping[int, float | None]
    mean: float | None = None
    with_mean: bool = False

    @classmethod
    def of(cls, values: Iterable[float], points: Sequence[int] = PERCENTILES, *,
           with_mean: bool = False, digits: int | None = None) -> Distribution:
        ordered = sorted(float(value) for value in values)

        def rounded(value: float) -> float:
            return value if digits is None else round(value, digits)

        if not ordered:
            return cls(dict.fromkeys(points), None, with_mean)
        return cls({point: rounded(percentile(ordered, point)) for point in points},
                   sum(ordered) / len(ordered) if with_mean else None, with_mean)

    def fields(self, name: str) -> dict[str, float | None]:
        fields = {f"{name}_p{point}": value for point, value in self.percentiles.items()}
        if self.with_mean:
            fields[f"{name}_mean"] = self.mean
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
