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
