"""``collect release import SRC``: the published pages' CSV history as releases of data/.

SRC is a folder in the shape of ``shared/neuron-pages/releases/``: ``releases.csv``
(folder, date, commit, subject; oldest first) and one folder per change, named
``<date>_sdk-<version>_<commit>`` (the SDK release whose commit changed the CSVs) or
``<date>_update_<commit>`` (a change between releases), each holding ``<platform>/*.csv``.
``SRC/../SOURCE.txt`` says where the snapshots came from and under which licence.

Which state is a release: an SDK folder opens its release (the release date is that
folder's date); the updates after it, up to the next release, belong to it, and the
release's CSVs are the *last* state before the next release opens (the pages as they stood
for that release). A second folder of the same version (``sdk-2.20`` after ``sdk-2.20.0``)
is another commit of that release. Folders before the first SDK folder are reported and
not imported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from collect.release.mapping import ColumnMap, load_column_map
from perfcore.csvfile import (
    KEEP,
    LEAVE_OUT,
    CsvText,
    MalformedRow,
    format_csv_text,
    read_csv_text,
)
from perfcore.errors import DataFileError
from perfcore.releases import (
    RELEASES_DIR,
    Release,
    ReleaseError,
    check_date,
    read_index,
    refuse_existing,
    same_version,
    write_releases,
)

_FOLDER = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})_(?:sdk-(?P<version>\d+(?:\.\d+)*)|update)_"
                     r"(?P<commit>[0-9a-f]{6,40})$")
_LICENCE = re.compile(r"CC BY(?:-[A-Z]{2})* \d\.\d")
LIST_COLUMNS = ("folder", "date", "commit", "subject")


@dataclass(frozen=True)
class Folder:
    """One snapshot folder of SRC, as listed in ``releases.csv``."""

    name: str
    date: str
    commit: str
    subject: str
    version: str | None  # None for an update between releases
    line: int


@dataclass
class Group:
    """The folders of one release: the first opens it, the last is its state."""

    version: str
    folders: list[Folder]

    @property
    def state(self) -> Folder:
        return self.folders[-1]


@dataclass
class ImportReport:
    """What the import did and what it left out, for the maintainer to read."""

    releases: list[tuple[Release, Group]] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    file_moves: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    renamed: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    unmappable: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    unmapped_files: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    skipped: dict[str, str] = field(default_factory=dict)
    superseded: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    price_columns: dict[tuple[str, str], list[str]] = field(
        default_factory=lambda: defaultdict(list))
    malformed: list[tuple[str, MalformedRow]] = field(default_factory=list)  # (version, row)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (version, located error)


def read_folder_list(src: Path) -> list[Folder]:
    """``releases.csv``: every listed folder must exist, every folder must be listed."""
    table = read_csv_text(Path(src) / "releases.csv")
    missing = [c for c in LIST_COLUMNS if c not in table.columns]
    if missing:
        raise DataFileError(table.path, 1, f"missing column(s) {', '.join(missing)} "
                                           f"(expected {', '.join(LIST_COLUMNS)})")
    at = {name: table.columns.index(name) for name in LIST_COLUMNS}
    folders = [_folder(cells, at, table.path, line)
               for cells, line in zip(table.rows, table.lines, strict=True)]
    for folder in folders:
        if not (Path(src) / folder.name).is_dir():
            raise DataFileError(table.path, folder.line, f"folder {folder.name} does not exist")
    listed = {f.name for f in folders}
    unlisted = sorted(p.name for p in Path(src).iterdir() if p.is_dir() and p.name not in listed)
    if unlisted:
        raise DataFileError(table.path, 0, f"folder(s) not listed: {', '.join(unlisted)}")
    return folders


def _folder(cells: tuple[str, ...], at: dict[str, int], path: str, line: int) -> Folder:
    name = cells[at["folder"]].strip()
    match = _FOLDER.match(name)
    if match is None:
        raise DataFileError(path, line, f"folder {name!r}: expected <date>_sdk-<version>_<commit> "
                                        "or <date>_update_<commit>")
    try:
        date = check_date(cells[at["date"]], "date")
    except ReleaseError as exc:
        raise DataFileError(path, line, str(exc)) from None
    return Folder(name, date, cells[at["commit"]].strip(), cells[at["subject"]].strip(),
                  match["version"], line)


def group_releases(folders: list[Folder]) -> tuple[list[Group], list[str]]:
    """Releases in listed order, and the folders before the first release."""
    groups: list[Group] = []
    before: list[str] = []
    for folder in folders:
        opens = folder.version is not None and not (
            groups and same_version(groups[-1].version, folder.version))
        if opens:
            if any(same_version(g.version, folder.version) for g in groups):
                raise ReleaseError(f"releases.csv line {folder.line}: version {folder.version} "
                                   "appears again after another release")
            groups.append(Group(folder.version, [folder]))
        elif groups:
            groups[-1].folders.append(folder)
        else:
            before.append(folder.name)
    return groups, before


def source_origin(src: Path) -> tuple[str, str]:
    """``(origin, text)`` of ``SRC/../SOURCE.txt``: where the snapshots came from."""
    path = Path(src).resolve().parent / "SOURCE.txt"
    if not path.is_file():
        raise ReleaseError(f"{path}: not found; an import must say where its data came from "
                           "(repository, commit, licence)")
    text = path.read_text(encoding="utf-8").strip()
    origin = text.split(",", 1)[0].split()[0] if text else ""
    licence = _LICENCE.search(text)
    if not origin or licence is None:
        raise ReleaseError(f"{path}: expected the source repository and its licence "
                           "(e.g. CC BY-SA 4.0)")
    return f"{origin}, {licence.group(0)}", text


def convert_snapshot(folder: Path, column_map: ColumnMap, version: str,
                     report: ImportReport, keep_malformed: bool = False) -> dict[str, bytes]:
    """Today's files of one snapshot folder: relative path -> CSV bytes.

    A malformed row is treated as ``collect migrate`` treats it (one reader policy,
    :data:`perfcore.csvfile.MALFORMED`): left out and reported, or with ``keep_malformed``
    kept as pandas read it.
    """
    tables: dict[str, tuple[str, CsvText]] = {}
    prices: dict[str, bytes] = {}

    def read(path: Path) -> CsvText | None:
        try:
            text = read_csv_text(path, f"{folder.name}/{path.parent.name}/{path.name}",
                                 malformed=KEEP if keep_malformed else LEAVE_OUT)
        except DataFileError as err:  # the file as a whole (not UTF-8, a bad header)
            report.unreadable.append((version, str(err)))
            return None
        report.malformed.extend((version, row) for row in text.malformed)
        return text

    for path in sorted(folder.glob("*/*.csv")):
        old = f"{path.parent.name}/{path.name}"
        kind, target = column_map.target_of(old)
        if kind == "skip":
            report.skipped[old] = target
        elif kind == "unmapped":
            report.unmapped_files[old].append(version)
        elif (text := read(path)) is None:
            continue
        elif kind == "price":
            platform = path.parent.name
            prices[f"{platform}/prices.csv"] = _price_csv(text, old, column_map, version,
                                                          report)
        else:
            _choose_table(tables, old, target, text, version, report)
    for target, (old, _) in tables.items():
        if old != target:
            report.file_moves[(old, target)].append(version)
    converted = {target: _table_csv(text, old, target, column_map, version, report)
                 for target, (old, text) in tables.items()}
    return {**converted, **prices}


def _choose_table(tables: dict[str, tuple[str, CsvText]], old: str, target: str, text: CsvText,
                  version: str, report: ImportReport) -> None:
    """Today's file wins over an old file mapped onto it in the same snapshot; of two old
    files mapped onto one of today's, the first (in path order) is used."""
    if target in tables:
        kept_old = tables[target][0]
        if kept_old == target or old != target:
            report.superseded[(old, target)].append(version)
            return
        report.superseded[(kept_old, target)].append(version)
    tables[target] = (old, text)


def _table_csv(text: CsvText, old: str, target: str, column_map: ColumnMap, version: str,
               report: ImportReport) -> bytes:
    kept: list[int] = []
    header: list[str] = []
    for position, name in enumerate(text.columns):
        new = column_map.column_for(target, name)
        if new is None or new in header:
            report.unmappable[(old, name)].append(version)
            continue
        if new != name:
            report.renamed[(name, new)].append(f"{old} ({version})")
        kept.append(position)
        header.append(new)
    return _csv_bytes(header, ([row[i] for i in kept] for row in text.rows))


def _price_csv(text: CsvText, old: str, column_map: ColumnMap, version: str,
               report: ImportReport) -> bytes:
    if "Inst. Type" not in text.columns:
        raise DataFileError(text.path, 1, "price file has no 'Inst. Type' column")
    instance = text.columns.index("Inst. Type")
    rows: list[list[str]] = []
    for position, name in enumerate(text.columns):
        if position == instance:
            continue
        model = column_map.price_columns.get(name)
        if model is None:
            report.unmappable[(old, name)].append(version)
            continue
        report.price_columns[(name, model)].append(version)
        rows.extend([row[instance], model, row[position]] for row in text.rows)
    return _csv_bytes(["Inst. Type", "Pricing Model", "Rate (USD/hour)"], rows)


def _csv_bytes(header: list[str], rows) -> bytes:
    return format_csv_text([header, *rows]).encode("utf-8")


def _source_note(group: Group, origin: str, source_text: str) -> bytes:
    lines = [f"Release {group.version}: the CSVs as they stood in snapshot {group.state.name}",
             f"(commit {group.state.commit}), the last change before the next release.",
             "Folders of this release:"]
    lines += [f"- {f.name} ({f.date}, {f.commit}): {f.subject}" for f in group.folders]
    lines += ["", f"Source ({origin}):", source_text, ""]
    return "\n".join(lines).encode("utf-8")


def import_releases(src: Path, data_dir: Path, map_path: Path | None = None,
                    keep_malformed: bool = False) -> ImportReport:
    """Import every release of SRC into ``DATA/releases``; refuses existing releases first."""
    src, data_dir = Path(src), Path(data_dir)
    releases_dir = data_dir / RELEASES_DIR
    column_map = load_column_map(map_path or releases_dir / "column-map.yaml")
    origin, source_text = source_origin(src)
    groups, before = group_releases(read_folder_list(src))
    if not groups:
        raise ReleaseError(f"{src}: no SDK release folder (<date>_sdk-<version>_<commit>)")
    existing = read_index(releases_dir)
    for group in groups:
        refuse_existing(releases_dir, existing, group.version)
    report = ImportReport(not_imported=before)
    batch: list[tuple[Release, dict[str, bytes]]] = []
    for group in groups:
        files = convert_snapshot(src / group.state.name, column_map, group.version, report,
                                 keep_malformed)
        files["SOURCE.txt"] = _source_note(group, origin, source_text)
        source = f"{origin}: commit {group.state.commit[:12]} (snapshot {group.state.name})"
        release = Release(group.version, group.folders[0].date, source)
        batch.append((release, files))
        report.releases.append((release, group))
    write_releases(releases_dir, batch)
    return report
