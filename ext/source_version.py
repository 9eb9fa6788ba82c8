"""The environment version of the extension: a digest of the code that reads pages.

Sphinx re-reads every page when an extension's ``env_version`` changes. Tying it to the
source of ``ext`` and ``perfcore`` means a build after a code change (a new column role, a
fixed cost rule) never shows pages read by the old code from a kept ``_build`` environment.
Static files (JavaScript, CSS) are copied at every write and need no re-read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import perfcore

READ_TIME_SUFFIXES = (".py", ".j2")


def source_version(roots: Iterable[Path]) -> int:
    """A 31-bit digest of every ``.py`` and ``.j2`` file under ``roots`` (paths and bytes)."""
    digest = hashlib.sha256()
    for root in roots:
        files = sorted(path for path in root.rglob("*")
                       if path.suffix in READ_TIME_SUFFIXES and path.is_file())
        for path in files:
            digest.update(path.relative_to(root.parent).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return int.from_bytes(digest.digest()[:4], "big") & 0x7FFFFFFF


def extension_version() -> int:
    """:func:`source_version` of the installed ``ext`` and ``perfcore`` packages."""
    return source_version([Path(__file__).parent, Path(perfcore.__file__).parent])
