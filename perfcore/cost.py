"""The one cost formula: currency per one million units from a throughput and an hourly rate."""

from __future__ import annotations

from perfcore.formats import format_number

SECONDS_PER_HOUR = 3600.0


def cost_per_million(throughput_per_s: float, hourly_rate: float) -> float:
    """``1e6 / throughput * hourly_rate / 3600`` (currency per one million units)."""
    return 1.0e6 / throughput_per_s * hourly_rate / SECONDS_PER_HOUR


def cost_format(currency: str) -> str:
    """The default number format of a cost: ``$sig3`` in USD, else ``sig3 <currency>``.

    A cost in another currency must never be shown with a dollar sign.
    """
    return "$sig3" if currency.strip().upper() == "USD" else f"sig3 {currency.strip()}"


def cost_text(cost: float | None, currency: str) -> str:
    """A cost as every page and the explorer show it (``$0.0138``); ``n/a`` without one."""
    return "n/a" if cost is None else format_number(cost_format(currency), cost)
