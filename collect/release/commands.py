"""What ``collect release`` runs: freeze data/, or import a history and report it."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

from collect.release.importer import ImportReport, import_releases
from perfcore.atomic import write_atomic
from perfcore.releases import RELEASES_DIR, freeze_release

REPORT_NAME = "import-report.txt"


def git_source(data_dir: Path) -> str:
    """``data/ at git <commit>`` (``+ uncommitted changes`` when dirty), or plain ``data/``."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(data_dir), *args], capture_output=True,
                                  text=True, check=False)
        except FileNotFoundError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short=12", "HEAD")
    if commit is None:
        return f"{data_dir} (not a git checkout)"
    dirty = git("status", "--porcelain", "--", ".")
    return f"{data_dir} at git {commit}" + (" + uncommitted changes" if dirty else "")


def run_freeze(version: str, date: str | None, data_dir: Path, source: str | None) -> str:
    """Freeze data/ as ``version``; returns the line to print."""
    day = date or datetime.datetime.now(datetime.UTC).date().isoformat()
    folder, count = freeze_release(data_dir, version, day, source or git_source(data_dir))
    return f"release {version} ({day}): froze {count} CSV(s) into {folder}"


def run_import(src: str, data_dir: Path, map_path: Path | None,
               keep_malformed: bool = False) -> str:
    """Import SRC's releases; writes and returns the report."""
    report = import_releases(Path(src), data_dir, map_path, keep_malformed)
    text = format_report(report)
    write_atomic(Path(data_dir) / RELEASES_DIR / REPORT_NAME, text)
    return text


def _versions(listed: list[str]) -> str:
    versions = list(dict.fromkeys(listed))
    if len(versions) <= 3:
        return ", ".join(versions)
    return f"{versions[0]} .. {versions[-1]} ({len(versions)} releases)"


def format_report(report: ImportReport) -> str:
    """The import summary: releases, file moves, renamed and unmappable columns, left out."""
    lines = [f"Imported {len(report.releases)} release(s):"]
    lines += [f"  {r.version:<8} {r.date}  state {g.state.name} ({len(g.folders)} folder(s))"
              for r, g in report.releases]
    if report.not_imported:
        lines.append("Not imported (before the first release): " + ", ".join(report.not_imported))
    lines.append("Files mapped onto today's:")
    lines += [f"  {old} -> {new}: {_versions(v)}" for (old, new), v in
              sorted(report.file_moves.items())] or ["  none"]
    lines.append("Columns renamed:")
    renamed = sorted(report.renamed.items())
    lines += [f"  {old!r} -> {new!r}: {len(where)} file(s)" for (old, new), where in renamed] \
        or ["  none"]
    lines.append("Price columns:")
    lines += [f"  {name!r} -> {model}: {_versions(v)}" for (name, model), v in
              sorted(report.price_columns.items())] or ["  none"]
    lines.append("Unmappable columns (reported, left out):")
    lines += [f"  {old}: {name!r} in {_versions(v)}" for (old, name), v in
              sorted(report.unmappable.items())] or ["  none"]
    lines.append("Unmapped files (not declared, left out):")
    lines += [f"  {old}: {_versions(v)}" for old, v in sorted(report.unmapped_files.items())] \
        or ["  none"]
    lines.append("Superseded (another file of the same snapshot used for today's file):")
    lines += [f"  {old} (by {new}): {_versions(v)}" for (old, new), v in
              sorted(report.superseded.items())] or ["  none"]
    lines.append("Unreadable files (left out):")
    lines += [f"  {version}: {error}" for version, error in report.unreadable] or ["  none"]
    lines.append("Malformed rows:")
    lines += [f"  {version}: {row}" for version, row in report.malformed] or ["  none"]
    lines.append("Skipped as declared:")
    lines += [f"  {old}: {why}" for old, why in sorted(report.skipped.items())] or ["  none"]
    return "\n".join(lines) + "\n"
