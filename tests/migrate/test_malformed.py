"""One reader policy for malformed rows of other people's CSVs (perfcore.csvfile), as
``collect migrate`` and ``collect release import`` apply it: reported with file and line,
left out by default, kept as pandas read it with --keep-malformed; never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Migrate

from collect.migrate.check import pandas_available
from perfcore.csvfile import KEEP, LEAVE_OUT, parse_csv_text, read_csv_text
from perfcore.errors import DataFileError

HEADER = "Model,Inst. Type,Throughput,Batch Size\n"


@pytest.mark.parametrize(("row", "problem", "kept"), [
    ("b,box,2\n", "expected 4 fields as in the header, found 3", ("b", "box", "2", "")),
    ("b,box,2,1,9\n", "expected 4 fields as in the header, found 5", None),
    ('b,box,"812,5",1\n', "column 'Throughput': '812,5' is not a number", ("b", "box", "812,5",
                                                                          "1")),
])
def test_each_policy(row: str, problem: str, kept: tuple[str, ...] | None) -> None:
    text = HEADER + "a,box,1,1\n" + row + "c,box,3,1\n"
    with pytest.raises(DataFileError) as caught:
        parse_csv_text(text, "t.csv")
    assert str(caught.value).startswith(f"t.csv:3: {problem}")
    left = parse_csv_text(text, "t.csv", malformed=LEAVE_OUT)
    assert [r[0] for r in left.rows] == ["a", "c"] and left.lines == (2, 4)
    assert str(left.malformed[0]).startswith(f"t.csv:3: {problem}")
    both = "; left out (--keep-malformed keeps it as pandas read it)" if kept else \
        "; left out (pandas refuses it too)"
    assert str(left.malformed[0]).endswith(both)
    keep = parse_csv_text(text, "t.csv", malformed=KEEP)
    if kept is None:  # pandas stops at a row with too many fields: nothing to keep
        assert [r[0] for r in keep.rows] == ["a", "c"] and not keep.malformed[0].kept
    else:
        assert keep.rows[1] == kept and keep.lines == (2, 3, 4) and keep.malformed[0].kept


def test_an_unclosed_quote_is_one_bad_row_and_reading_goes_on() -> None:
    text = HEADER + "a,box,1,1\n" + 'b,"box,2,1\n' + "c,box,3,1\n"
    csv = parse_csv_text(text, "t.csv", malformed=LEAVE_OUT)
    assert [row[0] for row in csv.rows] == ["a", "c"] and csv.lines == (2, 4)
    assert str(csv.malformed[0]) == ("t.csv:3: unreadable CSV: a quoted field is not closed "
                                     "(a '\"' is missing); left out (pandas refuses it too)")
    with pytest.raises(DataFileError, match=r"t.csv:3: unreadable CSV"):
        parse_csv_text(text, "t.csv")


def test_a_short_row_kept_is_what_pandas_reads(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "a,box,1,1\nb,box,2\n", encoding="utf-8")
    ours = read_csv_text(path, malformed=KEEP)
    theirs = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
    assert [list(row) for row in ours.rows] == theirs.fillna("").values.tolist()


# ------------------------------------------------------------------ collect migrate

def short_row(legacy: Path) -> Path:
    """The legacy site without its refused bodies and failing trn1 page, plus a short row."""
    page = legacy / "inf2" / "legacy-inf2.rst"
    text = page.read_text(encoding="utf-8")
    page.write_text(text[:text.index("Bodies it must refuse")], encoding="utf-8")
    for path in (legacy / "trn1").iterdir():
        path.unlink()
    (legacy / "trn1").rmdir()
    data = legacy / "inf2" / "latency_data_textmodels.csv"
    data.write_text(data.read_text(encoding="utf-8") + "gamma-huge,widget.large,2.5,900.1\n",
                    encoding="utf-8")
    return data


MESSAGE = "inf2/latency_data_textmodels.csv:4: expected 5 fields as in the header, found 4"


def test_migrate_leaves_a_short_row_out_and_says_the_table_differs(legacy: Path,
                                                                    migrate: Migrate,
                                                                    tmp_path: Path) -> None:
    short_row(legacy)
    status, out, _ = migrate(legacy, *([] if pandas_available() else ["--no-check"]))
    lines = out.splitlines()
    assert f"{MESSAGE}; left out (--keep-malformed keeps it as pandas read it)" in lines
    migrated = read_csv_text(tmp_path / "data" / "inf2" / "latency_data_textmodels.csv")
    assert [row[0] for row in migrated.rows] == ["alpha-tiny", "beta-base"]
    assert (tmp_path / "docs" / "inf2" / "legacy-inf2.rst").is_file()  # still written
    if pandas_available():
        assert status == 3
        verdict = next(line for line in lines if line.startswith("inf2/legacy-inf2.rst:34: "))
        assert verdict.endswith("(1 malformed row(s) left out: "
                                "inf2/latency_data_textmodels.csv:4; --keep-malformed keeps "
                                "what pandas kept)")
        assert lines[-1] == ("summary legacy-site: 3 of 4 tables as pandas showed them (1 same "
                             "rows, 2 same rows in natural order, 1 different); malformed "
                             "rows: 1 left out, 0 kept")


@pytest.mark.skipif(not pandas_available(), reason="the reference is pandas")
def test_keep_malformed_shows_the_page_as_pandas_did(legacy: Path, migrate: Migrate,
                                                     tmp_path: Path) -> None:
    short_row(legacy)
    status, out, _ = migrate(legacy, "--keep-malformed")
    lines = out.splitlines()
    assert status == 0
    assert (f"{MESSAGE}; kept as pandas read it (its last 1 cell(s) blank, so its later cells "
            f"may sit in the wrong column)") in lines
    assert "inf2/legacy-inf2.rst:34: same rows" in lines
    migrated = read_csv_text(tmp_path / "data" / "inf2" / "latency_data_textmodels.csv")
    assert migrated.rows[-1][:5] == ("gamma-huge", "widget.large", "2.5", "900.1", "")


def test_release_import_gives_the_same_file_the_same_treatment(tmp_path: Path,
                                                                migrate: Migrate,
                                                                legacy: Path) -> None:
    """The same short row through both commands: the same message, left out by both."""
    from collect.release.commands import format_report
    from collect.release.importer import import_releases

    data = short_row(legacy)
    _, out, _ = migrate(legacy, "--no-check")
    src = tmp_path / "history" / "releases"
    folder = src / "2025-01-01_sdk-2.0.0_abcdef12" / "inf2"
    folder.mkdir(parents=True)
    (folder / "latency_data_encoder.csv").write_text(data.read_text(encoding="utf-8"),
                                                     encoding="utf-8")
    (src / "releases.csv").write_text("folder,date,commit,subject\n2025-01-01_sdk-2.0.0_"
                                      "abcdef12,2025-01-01,abcdef12,test\n", encoding="utf-8")
    (src.parent / "SOURCE.txt").write_text("test/pages, made up for the tests, CC BY-SA 4.0\n",
                                           encoding="utf-8")
    (tmp_path / "data" / "releases").mkdir(parents=True, exist_ok=True)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("schema_version: 1\ncolumns: [Model, Inst. Type, Throughput "
                       "(inference/sec), Latency P50 (ms), Batch Size]\nrenames: {Throughput "
                       "(inference/second): Throughput (inference/sec)}\ntables: "
                       "[inf2/latency_data_encoder.csv]\nprice_files: []\n", encoding="utf-8")
    report = import_releases(src, tmp_path / "data", mapping)
    imported = format_report(report)
    expected = ": expected 5 fields as in the header, found 4; left out (--keep-malformed " \
               "keeps it as pandas read it)"
    assert f"  2.0.0: 2025-01-01_sdk-2.0.0_abcdef12/inf2/latency_data_encoder.csv:4{expected}" \
        in imported.splitlines()
    assert f"inf2/latency_data_textmodels.csv:4{expected}" in out.splitlines()
    released = read_csv_text(tmp_path / "data" / "releases" / "2.0.0" / "inf2" /
                             "latency_data_encoder.csv")
    assert [row[0] for row in released.rows] == ["alpha-tiny", "beta-base"]


def test_a_file_that_cannot_be_read_keeps_its_table_as_code_and_the_rest_migrates(
        legacy: Path, migrate: Migrate, tmp_path: Path) -> None:
    short_row(legacy)
    broken = legacy / "inf2" / "throughput_data_pictures.csv"
    broken.write_text("Model,Model\nx,y\n", encoding="utf-8")
    status, out, _ = migrate(legacy, "--no-check")
    lines = out.splitlines()
    assert status == 3 and lines[0] == "2 of 4 tables translated"
    assert ("inf2/legacy-inf2.rst:53: inf2/throughput_data_pictures.csv:1: header names column "
            "'Model' twice (kept as code)") in lines
    assert (tmp_path / "data" / "inf2" / "throughput_data_textmodels.csv").is_file()
