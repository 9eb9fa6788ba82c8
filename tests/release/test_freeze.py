"""``collect release VERSION``: freezing data/, refusing to overwrite, versions as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from collect.cli import main
from perfcore.errors import DataFileError
from perfcore.releases import (
    Release,
    ReleaseError,
    freeze_release,
    index_text,
    read_index,
    same_version,
    version_key,
)


@pytest.fixture
def site_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for relative, text in {
        "inf2/throughput_data_encoder.csv": "Model,Inst. Type\nm,inf2.xlarge\n",
        "cpu/latency_data_encoder.csv": "Model,Inst. Type\nm,c7i.large\n",
        "raw/run.jsonl": "{}\n",
        "reports/r/table.csv": "a\n1\n",
        "prices.yaml": "schema_version: 1\n",
    }.items():
        (data / relative).parent.mkdir(parents=True, exist_ok=True)
        (data / relative).write_text(text, encoding="utf-8")
    return data


def test_versions_sort_as_versions_and_stay_text() -> None:
    versions = ["2.20", "2.9", "2.10.0", "2.13.1", "2.3.0"]
    assert sorted(versions, key=version_key) == ["2.3.0", "2.9", "2.10.0", "2.13.1", "2.20"]
    assert same_version("2.20", "2.20.0") and not same_version("2.2", "2.20")
    text = index_text([Release("2.20", "2024-09-16", "s"), Release("2.9", "2023-01-01", "s")])
    assert text.splitlines()[1:] == ["2.9,2023-01-01,s", "2.20,2024-09-16,s"]


def test_freeze_copies_published_csvs_only(site_data: Path) -> None:
    folder, count = freeze_release(site_data, "2.20", "2024-09-16", "test")
    assert count == 2
    frozen = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert frozen == ["cpu/latency_data_encoder.csv", "inf2/throughput_data_encoder.csv",
                      "prices.yaml"]
    assert folder.name == "2.20"
    [release] = read_index(site_data / "releases")
    assert (release.version, release.date, release.source) == ("2.20", "2024-09-16", "test")
    # a second release does not freeze the first release's copies again
    _, second = freeze_release(site_data, "2.21", "2024-12-20", "test")
    assert second == 2
    assert [r.version for r in read_index(site_data / "releases")] == ["2.20", "2.21"]


def test_existing_release_is_refused_and_nothing_changes(site_data: Path) -> None:
    freeze_release(site_data, "2.20", "2024-09-16", "test")
    index = (site_data / "releases" / "index.csv").read_bytes()
    (site_data / "inf2" / "throughput_data_encoder.csv").write_text("Model\nchanged\n")
    for version in ("2.20", "2.20.0"):
        with pytest.raises(ReleaseError, match=r"release .* exists already"):
            freeze_release(site_data, version, "2024-09-17", "test")
    assert (site_data / "releases" / "index.csv").read_bytes() == index
    kept = site_data / "releases" / "2.20" / "inf2" / "throughput_data_encoder.csv"
    assert "changed" not in kept.read_text(encoding="utf-8")
    assert not (site_data / "releases" / "2.20.0").exists()


def test_folder_without_index_row_is_refused(site_data: Path) -> None:
    (site_data / "releases" / "3.0").mkdir(parents=True)
    with pytest.raises(ReleaseError, match="exists already but is not in"):
        freeze_release(site_data, "3.0", "2025-01-01", "test")


def test_bad_version_date_and_index_are_errors(site_data: Path) -> None:
    with pytest.raises(ReleaseError, match=r"expected a version such as 2\.20"):
        freeze_release(site_data, "v2.20", "2024-09-16", "test")
    with pytest.raises(ReleaseError, match="expected a date YYYY-MM-DD"):
        freeze_release(site_data, "2.20", "16.09.2024", "test")
    index = site_data / "releases" / "index.csv"
    index.parent.mkdir(parents=True)
    index.write_text("Version,Date,Source\n2.20,2024-09-16,a\n2.20.0,2024-09-17,b\n")
    with pytest.raises(DataFileError, match=r"index.csv:3: version 2.20.0 repeats 2.20 of line 2"):
        read_index(index.parent)


def test_cli_freeze_and_refusal(site_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["release", "2.20", "--date", "2024-09-16", "--data-dir", str(site_data)]
    assert main(args) == 0
    assert "release 2.20 (2024-09-16): froze 2 CSV(s)" in capsys.readouterr().out
    assert main(args) == 1
    assert "error: release 2.20 exists already" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["release", "2.21", "somewhere", "--data-dir", str(site_data)])
    assert exit_info.value.code == 2


def test_a_data_snapshot_leaves_the_release_history_out(site_data: Path) -> None:
    from perfcore import diff

    freeze_release(site_data, "2.20", "2024-09-16", "test")
    (site_data / "inf2" / "throughput_data_encoder.csv").write_text(
        "Model,Inst. Type,Throughput (inference/sec)\nm,inf2.xlarge,12\n", encoding="utf-8")
    current = diff.load_snapshot(str(site_data))
    assert not any("releases" in str(path) for path in current.dependencies)
    release = diff.load_snapshot(str(site_data / "releases" / "2.20"))
    assert [Path(p).name for p in release.dependencies] == ["latency_data_encoder.csv",
                                                           "throughput_data_encoder.csv"]
