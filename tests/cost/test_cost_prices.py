"""Price catalog: pricing model names, read dates, and the stale-price warning."""

from __future__ import annotations

from datetime import date

import pytest
from cost_site import BUILD_DAY_EPOCH, Site

from ext.price_age import build_date, stale_prices
from perfcore.prices import PRICING_MODELS, parse_price_catalog
from perfcore.yamlfile import YamlError

CATALOG = """\
schema_version: 1
instances:
  inf2.xlarge:
    region: us-east-1
    prices:
      on-demand: {rate: 0.7582, read: 2026-11-22}
      ri-1yr: {rate: 0.45, read: 2026-01-01}
      ri-3yr: {rate: 0.30, read: 2024-01-01}
      savings-plan: {rate: 0.50, read: 2026-11-21}
      spot: {rate: 0.2, read: 2026-11-20}
"""


def test_all_pricing_models_of_the_issue_are_accepted_in_order() -> None:
    catalog = parse_price_catalog(CATALOG, "prices.yaml")
    assert catalog.pricing_models() == ["on-demand", "ri-1yr", "ri-3yr", "savings-plan", "spot"]
    assert PRICING_MODELS[:2] == ("on-demand", "ri-effective")
    assert catalog.lookup("INF2.XLARGE").prices["ri-3yr"].line == 8


@pytest.mark.parametrize(("change", "message"), [
    (("ri-3yr:", "reserved:"),
     "prices.yaml:8: inf2.xlarge: unknown pricing model 'reserved' (expected one of on-demand, "
     "ri-effective, ri-1yr, ri-3yr, savings-plan, spot)"),
    (("2024-01-01", "last year"),
     "prices.yaml:8: inf2.xlarge: ri-3yr: read must be a date YYYY-MM-DD, got 'last year'"),
])
def test_bad_pricing_model_or_date_is_a_located_error(change: tuple[str, str],
                                                      message: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_price_catalog(CATALOG.replace(*change), "prices.yaml")
    assert str(caught.value) == message


@pytest.mark.parametrize(("change", "message"), [
    (("    region: us-east-1\n", ""),
     "prices.yaml:3: inf2.xlarge: region is missing (the region its prices are for, "
     "e.g. us-east-1)"),
    ((", read: 2026-01-01", ""),
     "prices.yaml:7: inf2.xlarge: ri-1yr: read is missing (the date YYYY-MM-DD the rate was "
     "read)"),
    (("2026-11-20", "2026-11-24"),
     "prices.yaml:10: inf2.xlarge: spot: read 2026-11-24 is in the future (the date the rate "
     "was read cannot be after today)"),
])
def test_price_needs_region_and_a_past_read_date(change: tuple[str, str], message: str) -> None:
    """Issue 9: a cost note must never borrow a region or date from other prices."""
    with pytest.raises(YamlError) as caught:
        parse_price_catalog(CATALOG.replace(*change), "prices.yaml", today=date(2026, 11, 23))
    assert str(caught.value) == message


def test_an_instance_both_priced_and_unpriced_is_an_error_at_its_unpriced_line() -> None:
    listed = CATALOG + 'unpriced:\n  my-laptop: "not a cloud instance"\n  INF2.xlarge: "a seed"\n'
    with pytest.raises(YamlError) as caught:
        parse_price_catalog(listed, "prices.yaml")
    assert str(caught.value) == ("prices.yaml:13: instance 'INF2.xlarge' is both priced "
                                 "(line 3) and unpriced; keep one of the two")


def test_read_today_is_accepted_and_the_default_today_is_the_clock() -> None:
    assert parse_price_catalog(CATALOG, "prices.yaml", today=date(2026, 11, 22))
    with pytest.raises(YamlError, match="in the future"):
        parse_price_catalog(CATALOG.replace("2026-11-20", "2999-01-01"), "prices.yaml")


def test_stale_prices_are_those_used_and_older_than_the_limit() -> None:
    catalog = parse_price_catalog(CATALOG, "prices.yaml")
    used = [("inf2.xlarge", model) for model in catalog.pricing_models()]
    stale = stale_prices(catalog, used, date(2026, 11, 22), 365)
    assert [(p.instance, p.pricing, p.read, p.line, p.age_days) for p in stale] == [
        ("inf2.xlarge", "ri-3yr", "2024-01-01", 8, 1056)]
    assert stale_prices(catalog, used, date(2026, 11, 22), 0) == []  # 0 turns the check off
    assert stale_prices(catalog, [("inf2.xlarge", "on-demand")], date(2030, 1, 1), 365)
    assert stale_prices(catalog, [("inf2.xlarge", "savings-plan")], date(2026, 11, 22), 1) == []


def test_build_date_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY_EPOCH)
    assert build_date() == date(2026, 11, 22)


NOTICES = [
    "data/prices.yaml:8: price notice: inf2.xlarge ri-effective rate was read 2025-05-20, "
    "551 days before 2026-11-22 (older than df_table_price_max_age_days = 365); the pages "
    "that use it say so",
    "data/prices.yaml:13: price notice: inf2.8xlarge ri-effective rate was read 2025-05-20, "
    "551 days before 2026-11-22 (older than df_table_price_max_age_days = 365); the pages "
    "that use it say so",
]
STALE = [
    "data/prices.yaml:8: WARNING: price is stale: inf2.xlarge ri-effective rate was read "
    "2025-05-20, 551 days before 2026-11-22 (older than df_table_price_max_age_days = 365); "
    "the pages that use it say so [df_table.stale_price]",
    "data/prices.yaml:13: WARNING: price is stale: inf2.8xlarge ri-effective rate was read "
    "2025-05-20, 551 days before 2026-11-22 (older than df_table_price_max_age_days = 365); "
    "the pages that use it say so [df_table.stale_price]",
]
PAGE_NOTICE = (
    "Some costs on this page use prices read more than 365 days before this build "
    "(2026-11-22): inf2.8xlarge, inf2.xlarge ri-effective rates (data/prices.yaml), read "
    "2025-05-20, 551 days before this build. Prices may have changed since; those costs are "
    "as of the read date.")


def notices(site: Site) -> list[str]:
    return sorted(line for line in site.status.splitlines() if "price notice" in line)


def test_an_old_price_is_a_dated_notice_and_never_a_warning(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: a strict build must not fail because the calendar moved."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY_EPOCH)
    # Two pages show ri-effective costs of both instances: still one log line each.
    site.write("sla2.rst", "SLA 2\n=====\n\n.. cheapest-under-sla::\n   :max-ms: 5\n"
                           "   :pricing: ri-effective\n")
    site.write("df.rst", "Table\n=====\n\n.. df-table::\n\n   data: inf2/latency_data_encoder.csv\n"
                         "   pricing: ri-effective\n   throughput: Throughput (inference/sec)\n")
    site.build(df_table_price_max_age_days=365)
    assert site.warning_lines() == [
        "df.rst: WARNING: document isn't included in any toctree [toc.not_included]",
        "sla2.rst: WARNING: document isn't included in any toctree [toc.not_included]",
    ]
    assert notices(site) == sorted(NOTICES)
    for page in ("sla2", "df", "compare"):
        html = site.html(page)
        assert '<p class="admonition-title">Price notice</p>' in html
        assert PAGE_NOTICE in html.replace("\n", " ")
    assert "Price notice" not in site.html("index")  # a page without costs says nothing
    assert "Price notice" not in site.html("sla")  # on-demand prices only: none is old


def test_only_prices_a_page_uses_count_and_the_limit_is_configurable(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY_EPOCH)
    site.write("compare.rst", "Compare\n=======\n\n.. cost-comparison::\n   :pricing: on-demand\n")
    site.build(df_table_price_max_age_days=365)
    assert notices(site) == []  # ri-effective rates are old but no page shows them
    site.write("compare.rst", "Compare\n=======\n\n.. cost-comparison::\n")
    site.build(df_table_price_max_age_days=730)
    assert notices(site) == []
    site.build(df_table_price_max_age_days=365)
    assert notices(site) == sorted(NOTICES)


def test_a_new_build_date_rereads_the_pages_so_the_age_is_current(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY_EPOCH)
    site.build(df_table_price_max_age_days=365)
    site.build(df_table_price_max_age_days=365)
    assert site.read_docs == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BUILD_DAY_EPOCH) + 86400))
    site.build(df_table_price_max_age_days=365)
    assert sorted(site.read_docs) == ["compare", "sla"]
    assert "552 days before this build" in site.html("compare").replace("\n", " ")


def test_the_notice_can_be_made_a_warning_and_that_suppressed(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY_EPOCH)
    site.build(df_table_price_max_age_days=365, df_table_price_notice_warns=True)
    assert sorted(site.warning_lines()) == sorted(STALE)
    site.build(df_table_price_max_age_days=365, df_table_price_notice_warns=True,
               suppress_warnings=["df_table.stale_price"])
    assert site.warning_lines() == []


def test_parallel_build_logs_once(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_DAY_EPOCH)
    site.build(parallel=2, df_table_price_max_age_days=365)
    assert site.warning_lines() == []
    assert notices(site) == sorted(NOTICES)
