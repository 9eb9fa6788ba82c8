"""``collect release import`` on a small tree in the shape of neuron-pages/releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from collect.cli import main
from collect.release.importer import import_releases
from collect.release.mapping import load_column_map
from perfcore.csvfile import read_csv_text
from perfcore.errors import DataFileError
from perfcore.releases import ReleaseError, read_index


def test_releases_are_sdk_folders_with_their_updates(source_tree: Path, data_dir: Path) -> None:
    report = import_releases(source_tree, data_dir)
    index = read_index(data_dir / "releases")
    assert [(r.version, r.date) for r in index] == [("1.9.0", "2023-02-01"),
                                                     ("1.10.0", "2023-03-01")]
    assert "CC BY-SA 4.0" in index[0].source
    assert "ccccccc30000" in index[0].source  # the update after 1.9.0 is its state
    assert "eeeeeee50000" in index[1].source  # sdk-1.10 is a second commit of 1.10.0
    assert report.not_imported == ["2023-01-02_update_aaaaaaa1"]
    groups = {r.version: [f.name for f in g.folders] for r, g in report.releases}
    assert groups["1.10.0"] == ["2023-03-01_sdk-1.10.0_ddddddd4", "2023-03-05_sdk-1.10_eeeeeee5"]
    note = (data_dir / "releases" / "1.9.0" / "SOURCE.txt").read_text(encoding="utf-8")
    assert "2023-02-15_update_ccccccc3" in note and "CC BY-SA 4.0" in note


def test_old_names_map_onto_today_and_unmappable_columns_are_reported(
        source_tree: Path, data_dir: Path) -> None:
    report = import_releases(source_tree, data_dir)
    old = read_csv_text(data_dir / "releases" / "1.9.0" / "inf2" / "throughput_data_encoder.csv")
    # inf2's encoder tables call the measure "Throughput (inference/second)" today
    assert "Throughput (inference/second)" in old.columns
    assert "Throughput (/sec)" not in old.columns
    assert "Legacy Notes" not in old.columns  # not today's, not declared: left out ...
    assert report.unmappable[("inf2/throughput_data.csv", "Legacy Notes")] == ["1.9.0"]  # ... said
    model_a = old.rows[0]
    assert model_a[old.columns.index("Throughput (inference/second)")] == "101.5"  # as written
    assert report.file_moves[("inf2/throughput_data.csv", "inf2/throughput_data_encoder.csv")]
    assert report.unmapped_files["inf2/mystery_table.csv"] == ["1.9.0"]
    assert "trn1/nlp_data.csv" in report.skipped
    assert not (data_dir / "releases" / "1.9.0" / "trn1").exists()


def test_today_file_wins_and_malformed_rows_are_reported(source_tree: Path,
                                                          data_dir: Path) -> None:
    report = import_releases(source_tree, data_dir)
    new = read_csv_text(data_dir / "releases" / "1.10.0" / "inf2" / "throughput_data_encoder.csv")
    assert [row[0] for row in new.rows] == ["model-a", "model-d"]
    assert report.superseded[("inf2/throughput_data_language.csv",
                              "inf2/throughput_data_encoder.csv")] == ["1.10.0"]
    assert [(version, str(row)) for version, row in report.malformed] == [
        ("1.10.0", "2023-03-05_sdk-1.10_eeeeeee5/inf2/throughput_data_encoder.csv:3: expected 16 "
                   "fields as in the header, found 9; left out (--keep-malformed keeps it as "
                   "pandas read it)")]


def test_price_columns_become_pricing_models(source_tree: Path, data_dir: Path) -> None:
    report = import_releases(source_tree, data_dir)
    old = read_csv_text(data_dir / "releases" / "1.9.0" / "inf2" / "prices.csv")
    new = read_csv_text(data_dir / "releases" / "1.10.0" / "inf2" / "prices.csv")
    assert old.columns == ("Inst. Type", "Pricing Model", "Rate (USD/hour)")
    assert old.rows == (("Inf2.xlarge", "on-demand", "0.76"),)
    assert new.rows == (("Inf2.xlarge", "ri-effective", "0.33"),)
    assert report.unmappable[("inf2/inf2_instance_prices.csv", "Spot-ish rate")] == ["1.10.0"]


def test_import_refuses_existing_releases_and_writes_nothing(source_tree: Path,
                                                              data_dir: Path) -> None:
    import_releases(source_tree, data_dir)
    index = (data_dir / "releases" / "index.csv").read_bytes()
    with pytest.raises(ReleaseError, match=r"release 1\.9\.0 exists already"):
        import_releases(source_tree, data_dir)
    assert (data_dir / "releases" / "index.csv").read_bytes() == index


def test_import_needs_the_source_and_licence(source_tree: Path, data_dir: Path) -> None:
    (source_tree.parent / "SOURCE.txt").unlink()
    with pytest.raises(ReleaseError, match="must say where its data came from"):
        import_releases(source_tree, data_dir)
    assert not (data_dir / "releases" / "index.csv").exists()


def test_unlisted_folder_is_an_error_naming_it(source_tree: Path, data_dir: Path) -> None:
    (source_tree / "2023-04-01_update_fffffff6").mkdir()
    with pytest.raises(DataFileError, match="not listed: 2023-04-01_update_fffffff6"):
        import_releases(source_tree, data_dir)


def test_cli_prints_the_report(source_tree: Path, data_dir: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["release", "import", str(source_tree), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 release(s):" in out
    assert "inf2/throughput_data.csv: 'Legacy Notes' in 1.9.0" in out
    assert (data_dir / "releases" / "import-report.txt").read_text(encoding="utf-8") == out


def test_column_map_rename_to_an_unknown_column_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "map.yaml"
    bad.write_text("schema_version: 1\ncolumns: [Model]\nrenames:\n  Old: Nope\n"
                   "tables: []\nprice_files: []\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"map.yaml:4: rename target 'Nope' is not one of"):
        load_column_map(bad)


def test_the_projects_column_map_loads() -> None:
    column_map = load_column_map(Path(__file__).resolve().parents[2] / "data" / "releases"
                                 / "column-map.yaml")
    assert column_map.column_for("trn1/throughput_data_encoder.csv", "Throughput (/sec)") \
        == "Throughput (inference/sec)"
    assert column_map.column_for("inf2/throughput_data_decoder.csv", "Made Up") is None
