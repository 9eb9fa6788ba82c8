"""Release history on disk, asv-style: one folder of published CSVs per release plus an index.

::

    data/releases/index.csv                      Version,Date,Source (one row per release)
    data/releases/<version>/<platform>/*.csv     the published CSVs as they stood then
    data/releases/<version>/prices.yaml          the price catalog then (``collect release``)
    data/releases/<version>/<platform>/prices.csv   imported price columns (long form)

Versions are text: ``2.20`` stays ``2.20`` (never 2.2) and sorts as a version, after
``2.9``. ``2.20`` and ``2.20.0`` name the same release. No Sphinx or pandas import.
"""

from __future__ import annotations

import datetime
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from perfcore.atomic import write_atomic
from perfcore.csvfile import format_csv_text, read_csv_text
from perfcore.errors import DataFileError, UserError
from perfcore.families import NOT_PLATFORMS

RELEASES_DIR = "releases"
INDEX_NAME = "index.csv"
INDEX_COLUMNS = ("Version", "Date", "Source")
PRICE_TABLE = "prices.csv"  # <version>/<platform>/prices.csv: an imported release's prices
_VERSION = re.compile(r"^\d+(\.\d+)*$")


class ReleaseError(UserError):
    """A release that cannot be frozen, imported or read; the message says which and why."""


@dataclass(frozen=True)
class Release:
    """One row of ``index.csv``: the version as written, its date and where it came from."""

    version: str
    date: str
    source: str
    line: int = 0


def check_version(text: str, where: str = "version") -> str:
    """The version as written, if it is dot-separated numbers (``2.20``, ``2.13.1``)."""
    version = text.strip()
    if not _VERSION.match(version):
        raise ReleaseError(f"{where}: expected a version such as 2.20 or 2.13.1, got {text!r}")
    return version


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a version: ``2.9 < 2.10 < 2.20``; trailing zeros do not count."""
    parts = [int(part) for part in check_version(version).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def same_version(first: str, second: str) -> bool:
    """``2.20`` and ``2.20.0`` are the same release."""
    return version_key(first) == version_key(second)


def check_date(text: str, where: str = "date") -> str:
    """A ``YYYY-MM-DD`` date, as written."""
    try:
        datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise ReleaseError(f"{where}: expected a date YYYY-MM-DD, got {text!r}") from None
    if len(text.strip()) != 10:
        raise ReleaseError(f"{where}: expected a date YYYY-MM-DD, got {text!r}")
    return text.strip()


def index_path(releases_dir: Path) -> Path:
    return Path(releases_dir) / INDEX_NAME


def read_index(releases_dir: Path) -> list[Release]:
    """The releases of ``index.csv``, oldest version first; no index means no releases."""
    path = index_path(releases_dir)
    if not path.exists():
        return []
    table = read_csv_text(path)
    missing = [c for c in INDEX_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(str(path), 1, f"missing column(s) {', '.join(missing)} "
                                          f"(expected {', '.join(INDEX_COLUMNS)})")
    position = {name: table.columns.index(name) for name in INDEX_COLUMNS}
    releases: list[Release] = []
    for cells, line in zip(table.rows, table.lines, strict=True):
        release = _index_row(cells, position, str(path), line)
        clash = next((r for r in releases if same_version(r.version, release.version)), None)
        if clash is not None:
            raise DataFileError(str(path), line, f"version {release.version} repeats "
                                                 f"{clash.version} of line {clash.line}")
        releases.append(release)
    return sorted(releases, key=lambda r: version_key(r.version))


def _index_row(cells: tuple[str, ...], position: dict[str, int], path: str,
               line: int) -> Release:
    try:
        version = check_version(cells[position["Version"]], "Version")
        date = check_date(cells[position["Date"]], "Date")
    except ReleaseError as exc:
        raise DataFileError(path, line, str(exc)) from None
    source = cells[position["Source"]].strip()
    if not source:
        raise DataFileError(path, line, "Source is empty (say where the release came from)")
    return Release(version, date, source, line)


def index_text(releases: list[Release]) -> str:
    """``index.csv`` text, sorted by version."""
    ordered = sorted(releases, key=lambda r: version_key(r.version))
    return format_csv_text([INDEX_COLUMNS, *((r.version, r.date, r.source) for r in ordered)])


def find_release(releases: list[Release], version: str) -> Release | None:
    return next((r for r in releases if same_version(r.version, version)), None)


def refuse_existing(releases_dir: Path, releases: list[Release], version: str) -> None:
    """A release already in the index or on disk is never overwritten."""
    existing = find_release(releases, version)
    if existing is not None:
        raise ReleaseError(
            f"release {version} exists already ({index_path(releases_dir)} line "
            f"{existing.line} has {existing.version}); nothing written. Choose another "
            "version, or remove that row and its folder first if it is wrong")
    folder = Path(releases_dir) / version
    if folder.exists():
        raise ReleaseError(f"{folder} exists already but is not in {index_path(releases_dir)}; "
                           "nothing written. Remove the folder or add its index row")


def published_csvs(data_dir: Path) -> list[Path]:
    """``data/<platform>/*.csv``: the CSVs the site publishes (not raw/, reports/, releases/)."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ReleaseError(f"{data_dir}: not a directory (expected the site's data/)")
    return sorted(
        path for folder in data_dir.iterdir()
        if folder.is_dir() and folder.name not in NOT_PLATFORMS and not folder.name.startswith(".")
        for path in folder.glob("*.csv") if path.is_file()
    )


def write_release(releases_dir: Path, release: Release, files: dict[str, bytes]) -> Path:
    """Write ``files`` (relative path -> bytes) as ``release``; see :func:`write_releases`."""
    write_releases(releases_dir, [(release, files)])
    return Path(releases_dir) / release.version


def write_releases(releases_dir: Path, batch: list[tuple[Release, dict[str, bytes]]]) -> None:
    """Write each release's files and add the releases to the index.

    A release that exists already (in the index or on disk) is refused before anything is
    written. Each release's files go to a hidden staging folder first, renamed into place
    only when every file is written; the index is rewritten last, once (one atomic write).
    """
    releases_dir = Path(releases_dir)
    releases = read_index(releases_dir)
    for release, _ in batch:
        refuse_existing(releases_dir, releases, release.version)
    versions = [release.version for release, _ in batch]
    repeated = sorted({v for v in versions if sum(same_version(v, w) for w in versions) > 1})
    if repeated:
        raise ReleaseError(f"release(s) {', '.join(repeated)} given twice; nothing written")
    for release, files in batch:
        _write_folder(releases_dir, release.version, files)
    write_atomic(index_path(releases_dir),
                 index_text([*releases, *(release for release, _ in batch)]))


def _write_folder(releases_dir: Path, version: str, files: dict[str, bytes]) -> None:
    staging = releases_dir / f".staging-{version}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        for relative, payload in sorted(files.items()):
            write_atomic(staging / relative, payload)
        staging.rename(releases_dir / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def freeze_release(data_dir: Path, version: str, date: str, source: str) -> tuple[Path, int]:
    """Freeze ``data/<platform>/*.csv`` (and ``data/prices.yaml``) as release ``version``.

    Returns the release folder and the number of CSVs frozen.
    """
    data_dir = Path(data_dir)
    release = Release(check_version(version), check_date(date), source)
    csvs = published_csvs(data_dir)
    if not csvs:
        raise ReleaseError(f"{data_dir}: no published CSVs (data/<platform>/*.csv) to freeze")
    files = {path.relative_to(data_dir).as_posix(): path.read_bytes() for path in csvs}
    prices = data_dir / "prices.yaml"
    if prices.is_file():
        files["prices.yaml"] = prices.read_bytes()
    folder = write_release(data_dir / RELEASES_DIR, release, files)
    return folder, len(csvs)


def previous_and_last(releases: list[Release]) -> tuple[Release, Release]:
    """The last two releases by version; fewer than two is an error."""
    if len(releases) < 2:
        raise ReleaseError(f"{len(releases)} release(s) in the index; comparing needs two")
    ordered = sorted(releases, key=lambda r: version_key(r.version))
    return ordered[-2], ordered[-1]
