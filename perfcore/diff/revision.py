"""Files of a folder at a git revision, read with two git processes whatever their number:
``git ls-tree`` lists them and one ``git cat-file --batch`` prints them all."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from perfcore.errors import UserError


class GitError(UserError):
    """git could not read what was asked; the message says what and git's reason, one line."""


def _git(repo: Path, args: list[str], stdin: bytes = b"") -> bytes:
    try:
        completed = subprocess.run(["git", "-C", str(repo), *args], input=stdin,
                                   capture_output=True, check=False,
                                   env={**os.environ, "LC_ALL": "C"})  # git's reason in English
    except FileNotFoundError:
        raise GitError("git: command not found (needed to read a git: snapshot)") from None
    if completed.returncode != 0:
        reason = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(reason[-1].removeprefix("fatal: ") if reason else
                       f"git {args[0]} failed (exit status {completed.returncode})")
    return completed.stdout


def files_at(repo: Path, rev: str, folder: str,
             wanted: Callable[[str], bool]) -> list[tuple[str, bytes]]:
    """``(path, content)`` of every file under ``folder`` at ``rev`` whose path is ``wanted``,
    sorted by path (as ``git ls-tree`` names it, relative to ``repo``)."""
    try:
        listing = _git(repo, ["ls-tree", "-r", "-z", "--end-of-options", rev, "--", folder])
    except GitError as err:
        raise GitError(f"cannot read revision {rev!r} in {repo}: {err}") from None
    blobs = {}
    for entry in listing.decode("utf-8", "surrogateescape").split("\0"):
        info, _, path = entry.partition("\t")
        if info.split(" ")[1:2] == ["blob"] and wanted(path):
            blobs[path] = info.split(" ")[2]
    paths = sorted(blobs)
    if not paths:
        return []
    printed = _git(repo, ["cat-file", "--batch"],
                   "".join(f"{blobs[path]}\n" for path in paths).encode("ascii"))
    return list(zip(paths, _batch_contents(printed, len(paths)), strict=True))


def _batch_contents(printed: bytes, count: int) -> list[bytes]:
    """The objects ``git cat-file --batch`` printed, in order: each is a header line
    ``<oid> <type> <size>``, ``size`` bytes and a newline."""
    contents, offset = [], 0
    for _ in range(count):
        end = printed.index(b"\n", offset)
        size = int(printed[offset:end].split(b" ")[2])
        contents.append(printed[end + 1:end + 1 + size])
        offset = end + 1 + size + 1
    return contents
