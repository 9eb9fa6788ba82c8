"""``collect migrate`` on the legacy test pages: report, DATA files, pages, merging."""

from __future__ import annotations

from pathlib import Path

from conftest import Migrate

from collect.migrate.check import pandas_available
from perfcore.csvfile import read_csv_text
from perfcore.families import load_families
from perfcore.prices import load_price_catalog

FOUND = 3  # the legacy pages keep three bodies as code and two fail under pandas


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_translations_refusals_and_self_check(legacy: Path, migrate: Migrate) -> None:
    status, out, _ = migrate(legacy)
    lines = out.splitlines()
    assert status == FOUND
    assert lines[0] == "6 of 9 tables translated"
    assert "inf2/legacy-inf2.rst:16: same rows, natural order" in lines  # $11.574 < $7.908
    assert "inf2/legacy-inf2.rst:34: same rows" in lines
    assert any(line.startswith("inf2/legacy-inf2.rst:53: same rows, natural order; sorted by "
                               "text, as plain pandas does, the page showed other rows")
               for line in lines)
    assert "inf2/legacy-inf2.rst:67: same rows" in lines
    assert ("inf2/legacy-inf2.rst:77: cannot translate the frame method .apply(...): "
            "df.apply(lambda row: row, axis=1) (kept as code)") in lines
    assert any(line.startswith("inf2/legacy-inf2.rst:85: cannot translate a cost formula")
               for line in lines)
    assert any(line.startswith("inf2/legacy-inf2.rst:91: cannot translate a statement other "
                               "than a single assignment: print(df)") for line in lines)
    assert ("trn1/legacy-trn1.rst:16: fails under pandas too: the table code raised KeyError: "
            "'On-Demand hourly rate' (line 19)") in lines
    assert lines[-1] == ("summary legacy-site: 4 of 9 tables as pandas showed them (2 same rows, "
                         "2 same rows in natural order, 2 fails under pandas, 3 kept as code)")


def test_data_csvs_prices_and_families(legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    migrate(legacy, "--no-check", "--region", "eu-west-1")
    data = tmp_path / "data"
    csv = read_csv_text(data / "inf2" / "throughput_data_pictures.csv")
    assert "Throughput (inference/sec)" in csv.columns  # was 'Avg Throughput (/sec)'
    assert {row[-1] for row in csv.rows} == {"legacy-site/inf2/throughput_data_pictures.csv"}
    catalog = load_price_catalog(data / "prices.yaml")
    small = catalog.lookup("widget.small")
    assert small is not None and small.region == "eu-west-1"
    assert small.prices["ri-effective"].rate == 0.25
    assert small.prices["on-demand"].read == "2025-03-03"  # the page's Last update line
    assert small.prices["on-demand"].source == ("legacy-site/inf2/legacy-inf2.rst "
                                                "(price CSV widget_prices.csv)")
    families = load_families(data / "families.yaml")
    assert families.get("textmodels", "inf2").pricing == "ri-effective"
    assert families.get("textmodels", "trn1").pricing == "on-demand"
    assert families.get("textmodels", "trn1").notes == ()


def test_pages_rewritten_rest_unchanged(legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    migrate(legacy, "--no-check")
    page = (tmp_path / "docs" / "inf2" / "legacy-inf2.rst").read_text(encoding="utf-8")
    original = (legacy / "inf2" / "legacy-inf2.rst").read_text(encoding="utf-8")
    assert ".. perf-family:: textmodels\n   :platform: inf2\n" in page
    assert "   data: inf2/throughput_data_pictures.csv\n" in page
    assert "   top:\n     n: 2\n     per:\n     - Model\n" in page
    refused = original[original.index("Bodies it must refuse"):]
    assert page.endswith(refused)  # untranslated bodies stay code, byte for byte
    assert page.startswith(original[:original.index(".. tab-set::")])
    assert (tmp_path / "docs" / "index.rst").read_text() == (legacy / "index.rst").read_text()
    assert (tmp_path / "docs" / "widgets.csv").read_text() == "Widget,Colour\nalpha,red\n"


def test_second_run_changes_nothing(legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    migrate(legacy, "--no-check")
    before = snapshot(tmp_path / "data")
    status, out, _ = migrate(legacy, "--no-check")
    assert status == FOUND and "wrote 4 files" in out  # the three pages and a csv-table's file
    assert snapshot(tmp_path / "data") == before


def test_other_sources_kept(legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    target = tmp_path / "data" / "inf2" / "throughput_data_pictures.csv"
    target.parent.mkdir(parents=True)
    target.write_text("Model,Inst. Type,Throughput (inference/sec),Source,Run ID\n"
                      "zeta,cpu,1.5,seed 001,seed-001\n", encoding="utf-8")
    status, out, _ = migrate(legacy, "--no-check")
    assert status == FOUND and "inf2/throughput_data_pictures.csv: 7 rows added to 1 kept" in out
    csv = read_csv_text(target)
    assert csv.columns[:5] == ("Model", "Inst. Type", "Throughput (inference/sec)", "Source",
                               "Run ID")
    assert csv.rows[0] == ("zeta", "cpu", "1.5", "seed 001", "seed-001", "", "", "")


def test_conflicting_row_is_an_error_and_nothing_is_written(
        legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    migrate(legacy, "--no-check")
    (legacy / "inf2" / "throughput_data_pictures.csv").write_text(
        (legacy / "inf2" / "throughput_data_pictures.csv").read_text().replace("50.4", "51.0"))
    before = snapshot(tmp_path / "data")
    status, _, err = migrate(legacy, "--no-check", docs="docs2")
    assert status == 1
    assert err.strip().endswith("throughput_data_pictures.csv:2: 'Throughput (inference/sec)' "
                                "is '50.4' there but '51.0' in the migrated data")
    assert snapshot(tmp_path / "data") == before
    assert not (tmp_path / "docs2").exists()


def test_conflicting_price_names_both_values(legacy: Path, migrate: Migrate,
                                             tmp_path: Path) -> None:
    prices = tmp_path / "data" / "prices.yaml"
    prices.parent.mkdir(parents=True)
    prices.write_text("# kept comment\nschema_version: 1\ncurrency: USD\ninstances:\n"
                      "  widget.small:\n    region: us-east-1\n    prices:\n"
                      "      on-demand: {rate: 0.65, read: 2025-01-01, source: list price}\n",
                      encoding="utf-8")
    status, _, err = migrate(legacy, "--no-check")
    assert status == 1
    assert "widget.small on-demand rate is 0.65 there (read 2025-01-01) but 0.6 in " \
           "legacy-site/inf2/legacy-inf2.rst (price CSV widget_prices.csv) (read 2025-03-03)" in err


def test_same_price_newer_read_date_is_reported(legacy: Path, migrate: Migrate,
                                                tmp_path: Path) -> None:
    prices = tmp_path / "data" / "prices.yaml"
    prices.parent.mkdir(parents=True)
    prices.write_text("# kept comment\nschema_version: 1\ncurrency: USD\ninstances:\n"
                      "  Widget.Small:\n    region: us-east-1\n    prices:\n"
                      "      on-demand: {rate: 0.6, read: 2024-01-01, source: list price}\n",
                      encoding="utf-8")
    status, out, _ = migrate(legacy, "--no-check")
    assert status == FOUND
    assert "prices.yaml: Widget.Small on-demand: rate 0.6 unchanged, read 2024-01-01 -> " \
           "2025-03-03" in out
    assert prices.read_text().startswith("# kept comment\n")
    assert load_price_catalog(prices).lookup("widget.small") is not None


def test_conflicting_family_names_both_values(legacy: Path, migrate: Migrate,
                                              tmp_path: Path) -> None:
    families = tmp_path / "data" / "families.yaml"
    families.parent.mkdir(parents=True)
    families.write_text("schema_version: 1\nfamilies:\n  textmodels:\n    title: Text\n"
                        "    throughput: Throughput (inference/sec)\n"
                        "    columns: [Model]\n    platforms:\n      inf2:\n"
                        "        pricing: spot\n", encoding="utf-8")
    status, _, err = migrate(legacy, "--no-check")
    assert status == 1
    assert "family textmodels platform inf2: " in err and "there but" in err


def test_existing_page_is_not_overwritten(legacy: Path, migrate: Migrate,
                                          tmp_path: Path) -> None:
    page = tmp_path / "docs" / "index.rst"
    page.parent.mkdir(parents=True)
    page.write_text("mine\n")
    status, _, err = migrate(legacy, "--no-check")
    assert status == 1 and "exists and differs from the migrated page" in err
    assert page.read_text() == "mine\n"


def test_page_without_last_update_needs_price_date(legacy: Path, migrate: Migrate,
                                                   tmp_path: Path) -> None:
    page = legacy / "trn1" / "legacy-trn1.rst"
    page.write_text(page.read_text().replace("*Last update: Apr 1st, 2025*", ""))
    status, _, err = migrate(legacy, "--no-check")
    assert status == 1
    assert "trn1/legacy-trn1.rst: no 'Last update' line to date its prices; give " \
           "--price-date YYYY-MM-DD" in err
    assert not (tmp_path / "data").exists()
    status, _, _ = migrate(legacy, "--no-check", "--price-date", "2025-06-30")
    catalog = load_price_catalog(tmp_path / "data" / "prices.yaml")
    train = catalog.lookup("widget.train")
    assert status == FOUND and train is not None
    assert train.prices["ri-effective"].read == "2025-06-30"


def test_self_check_time_limit(legacy: Path, migrate: Migrate) -> None:
    status, out, _ = migrate(legacy, "--check-time-limit", "0.001")
    assert status == FOUND
    assert "inf2/legacy-inf2.rst:34: not checked: pandas did not finish within 0.001 s" \
        in out.splitlines()


def test_platform_entry_the_migration_would_not_write_is_a_conflict(
        legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    migrate(legacy, "--no-check")
    families = tmp_path / "data" / "families.yaml"
    families.write_text(families.read_text().replace(
        "    platforms:\n", "    platforms:\n      inf2:\n        pricing: spot\n", 1),
        encoding="utf-8")
    status, _, err = migrate(legacy, "--no-check", docs="docs2")
    assert status == 1
    assert "family textmodels platform inf2: pricing is 'spot' there but None in the migration" \
        in err


def test_existing_catalogs_are_validated_first(legacy: Path, migrate: Migrate,
                                               tmp_path: Path) -> None:
    families = tmp_path / "data" / "families.yaml"
    families.parent.mkdir(parents=True)
    families.write_text("schema_version: 1\nfamilies:\n  a:\n    columns: [A]\n"
                        "  a:\n    columns: [B]\n", encoding="utf-8")
    status, _, err = migrate(legacy, "--no-check")
    assert status == 1
    assert "families.yaml:5: families: duplicate entry 'a' (first given on line 3)" in err


def test_pages_keep_their_headers_data_keeps_todays_names(legacy: Path, migrate: Migrate,
                                                          tmp_path: Path) -> None:
    from perfcore.tabledata import build_table

    migrate(legacy, "--no-check")
    page = (tmp_path / "docs" / "inf2" / "legacy-inf2.rst").read_text(encoding="utf-8")
    assert "   labels:\n     Throughput (inference/sec): Avg Throughput (/sec)\n" in page
    families = load_families(tmp_path / "data" / "families.yaml")
    inf2 = families.get("textmodels", "inf2")
    assert inf2.labels == {"Throughput (inference/sec)": "Throughput (inference/second)"}
    assert families.get("textmodels", "trn1").labels == {}
    data = tmp_path / "data"
    csv = read_csv_text(data / "inf2" / "throughput_data_textmodels.csv")
    assert "Throughput (inference/sec)" in csv.columns
    assert "Throughput (inference/second)" not in csv.columns
    built = build_table(csv, inf2.with_data("inf2/throughput_data_textmodels.csv"),
                        load_price_catalog(data / "prices.yaml"))
    assert built.columns == ("Model", "Inst. Type", "Throughput (inference/second)",
                             "Latency P50 (ms)", "Cost per 1M inferences", "Batch Size")


def test_a_page_without_cols_to_show_shows_every_column_and_its_rate(
        legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    """As the old pages did: every CSV column, the price CSV's columns, the cost; no Source."""
    page = legacy / "inf2" / "legacy-inf2.rst"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(
        "   cols_to_show = ['Model', 'Inst. Type', 'Avg Throughput (/sec)', 'Latency P99 (ms)', "
        "'Cost per 1M images']\n   df = df[cols_to_show].sort_values",
        "   df = df.sort_values"), encoding="utf-8")
    _, out, _ = migrate(legacy)
    if pandas_available():
        assert "inf2/legacy-inf2.rst:53: same rows, natural order; sorted by text" in out
    migrated = (tmp_path / "docs" / "inf2" / "legacy-inf2.rst").read_text(encoding="utf-8")
    block = migrated[migrated.index("data: inf2/throughput_data_pictures.csv"):]
    assert block.startswith(
        "data: inf2/throughput_data_pictures.csv\n   pricing: on-demand\n"
        "   throughput: Throughput (inference/sec)\n   unit: images\n   rates:\n"
        "     RI-Effective hourly rate: ri-effective\n     On-Demand hourly rate: on-demand\n"
        "   columns:\n   - Model\n   - Inst. Type\n   - Throughput (inference/sec)\n"
        "   - Latency P99 (ms)\n   - Batch Size\n   - Domain\n   - RI-Effective hourly rate\n"
        "   - On-Demand hourly rate\n   - Cost per 1M images\n")


def test_perf_family_only_where_it_shows_the_tables(legacy: Path, migrate: Migrate,
                                                    tmp_path: Path) -> None:
    trn1 = legacy / "trn1" / "legacy-trn1.rst"
    trn1.write_text(trn1.read_text(encoding="utf-8").replace(
        "df = df[cols_to_show].sort_values(['Model', 'Cost per 1M inferences'])",
        "df = df[cols_to_show]"), encoding="utf-8")
    status, out, _ = migrate(legacy, "--no-check")
    assert status == FOUND
    assert ("family textmodels (trn1): its tab-set keeps per-table specs: "
            f"{tmp_path / 'data' / 'families.yaml'}: family textmodels sets sort, which the "
            "migrated trn1 tables do not have (give it under platforms: trn1 by hand, or keep "
            "per-table specs)") in out.splitlines()
    page = (tmp_path / "docs" / "trn1" / "legacy-trn1.rst").read_text(encoding="utf-8")
    assert "perf-family" not in page and page.count("data: trn1/") == 2
    assert ".. perf-family:: textmodels" in \
        (tmp_path / "docs" / "inf2" / "legacy-inf2.rst").read_text(encoding="utf-8")
    assert "trn1" not in (tmp_path / "data" / "families.yaml").read_text(encoding="utf-8")


def test_a_tab_set_in_another_order_is_not_a_family(legacy: Path, migrate: Migrate,
                                                    tmp_path: Path) -> None:
    page = legacy / "inf2" / "legacy-inf2.rst"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(":: Throughput optimized", ":: @T@").replace(
        ":: Latency optimized", ":: Throughput optimized").replace(":: @T@",
                                                                   ":: Latency optimized"),
        encoding="utf-8")
    migrate(legacy, "--no-check")
    assert "perf-family" not in (tmp_path / "docs" / "inf2" / "legacy-inf2.rst").read_text()


def test_the_verdict_compares_headers_as_shown() -> None:
    from collect.migrate.check import verdict
    from perfcore.tabledata import BuiltTable, Cell

    table = BuiltTable(("Model", "Throughput (inference/sec)"), [[Cell("a"), Cell("1")]], [2])
    result = {"plain": {"columns": ["Model", "Avg Throughput (/sec)"], "rows": [["a", "1"]]},
              "natural": {"columns": ["Model", "Avg Throughput (/sec)"], "rows": [["a", "1"]]}}
    assert verdict(result, table) == (
        "different columns: pandas also shows 'Avg Throughput (/sec)'; the migrated table also "
        "shows 'Throughput (inference/sec)'")
