"""The site's Neuron data is what ``collect migrate`` makes of the published pages.

Runs where ``shared/neuron-pages/current`` is next to the checkout (or NEURON_PAGES
names it); the pages are not part of the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Migrate

from collect.migrate.check import pandas_available
from perfcore.csvfile import read_csv_text

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = [Path(os.environ["NEURON_PAGES"])] if "NEURON_PAGES" in os.environ else [
    folder / "shared" / "neuron-pages" / "current" for folder in REPO.parents[:2]]
CURRENT = next((path for path in CANDIDATES if path.is_dir()), None)
LABEL = "aws-neuron-sdk 81ce03ae, about-neuron/benchmarks"

pytestmark = pytest.mark.skipif(CURRENT is None, reason="shared/neuron-pages not present")


def test_every_table_translated_and_same_rows_as_pandas(migrate: Migrate,
                                                         tmp_path: Path) -> None:
    assert CURRENT is not None
    options = ["--source-label", LABEL] + ([] if pandas_available() else ["--no-check"])
    status, out, _ = migrate(CURRENT, *options)
    lines = out.splitlines()
    assert status == 0 and lines[0] == "19 of 19 tables translated"
    verdicts = [line.split(": ", 1)[1] for line in lines[1:20]]
    if pandas_available():
        # the two CNN tables: the page sorted the formatted cost as text ($10 before $9)
        assert verdicts.count("same rows") == 17
        assert verdicts.count("same rows, natural order") == 2
    for migrated in sorted((tmp_path / "data").glob("*/*.csv")):
        relative = migrated.relative_to(tmp_path / "data")
        published = read_csv_text(REPO / "data" / relative)
        ours = read_csv_text(migrated)
        source = published.columns.index("Source")
        rows = [{column: value for column, value in zip(published.columns, row, strict=True)
                 if column in ours.columns}  # the published file may have more columns
                for row in published.rows if row[source].startswith(LABEL)]
        assert rows == [dict(zip(ours.columns, row, strict=True)) for row in ours.rows], relative


def site_specs() -> dict[str, object]:
    """Data file -> the spec the site's pages show it with (df-table or perf-family tab)."""
    from collect.migrate.pages import blocks, tables
    from perfcore.families import VARIANTS, family_csv, load_families
    from perfcore.tablespec import looks_like_code, parse_spec

    families = load_families(REPO / "data" / "families.yaml")
    specs: dict[str, object] = {}
    for page in sorted((REPO / "docs").glob("*.rst")):
        lines = page.read_text(encoding="utf-8").split("\n")
        for block in tables(lines):
            if not looks_like_code(block.body):
                spec = parse_spec(block.body)
                specs[spec.data] = spec
        for block in blocks(lines, "perf-family"):
            platform = lines[block.start + 1].split(":platform:")[1].strip()
            for variant in VARIANTS:
                data = family_csv(platform, block.argument, variant)
                specs[data] = families.get(block.argument, platform).with_data(data)
    return specs


@pytest.mark.skipif(not pandas_available(), reason="the reference is pandas")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")  # the pages' own code
def test_site_pages_show_the_numbers_pandas_computes(tmp_path: Path) -> None:
    """Every Neuron table as the site renders it, against the original body run by pandas."""
    from collect.migrate.check import first_difference
    from collect.migrate.run import Options, migrate
    from ext.compat import run_table_code
    from perfcore.columns import published_name
    from perfcore.csvfile import CsvText
    from perfcore.prices import load_price_catalog
    from perfcore.tabledata import build_table

    assert CURRENT is not None
    plan = migrate(Options(src=CURRENT, data_dir=tmp_path / "data", docs_dir=tmp_path / "docs",
                           check=False, source_label=LABEL))
    specs = site_specs()
    catalog = load_price_catalog(REPO / "data" / "prices.yaml")
    compared = 0
    for table in plan.tables:
        assert table.spec is not None, table.problem
        spec = specs[table.spec["data"]]
        published = read_csv_text(REPO / "data" / spec.data)
        source = published.columns.index("Source")
        keep = [i for i, row in enumerate(published.rows) if row[source].startswith(LABEL)]
        neuron = CsvText(published.path, published.columns,
                         tuple(published.rows[i] for i in keep),
                         tuple(published.lines[i] for i in keep))
        site = build_table(neuron, spec, catalog)
        result = run_table_code(table.block.body, table.page.parent, str(table.page),
                                table.block.body_start, str)
        assert result.table is not None, result.error
        site_columns = [column.replace("Cost per 1M tokens", "Cost per 1M inferences")
                        for column in site.columns]
        shared = [(i, site_columns.index(published_name(column)))
                  for i, column in enumerate(result.table.columns)
                  if published_name(column) in site_columns]
        assert len(shared) >= 5, table.where
        theirs = [[row[i].text for i, _ in shared] for row in result.table.rows]
        ours = [[row[j].text for _, j in shared] for row in site.rows]
        names = [site.columns[j] for _, j in shared]
        difference = first_difference(theirs, ours, names)
        assert len(theirs) == len(ours) and difference.startswith("pandas has"), \
            (table.where, difference)
        compared += 1
    assert compared == 19
