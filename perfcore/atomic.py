"""The one file writer: whole files appear at once (temp file, fsync, rename) or not at all.

Readers never see a half-written CSV, JSON or page; a file that already exists keeps its
permission bits, a new one gets ``0o644`` (not the ``0o600`` of a bare temp file).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

NEW_FILE_MODE = 0o644


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *,
                 skip_if_unchanged: bool = False) -> bool:
    """Replace ``path`` with ``data`` (text is written as UTF-8, newlines as given).

    Returns False when ``skip_if_unchanged`` and the file already holds ``data`` (its
    modification time then stays, so incremental builds do not redo work).
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if skip_if_unchanged and _holds(target, payload):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_of(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(target.parent)
    return True


def _holds(target: Path, payload: bytes) -> bool:
    try:
        return target.read_bytes() == payload
    except OSError:
        return False


def _mode_of(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return NEW_FILE_MODE


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
