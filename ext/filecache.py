"""Per-build cache of parsed input files (CSVs, price and family catalogs). No Sphinx import.

One instance lives as long as the Sphinx application (never a module global), so a
catalog used by forty tables is parsed once; entries are keyed by modification time
and size, so an edited file is read again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class FileCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[tuple[int, int], object]] = {}

    def get(self, kind: str, path: str, load: Callable[[], T]) -> T:
        """``load()``'s result for ``path``, re-run only when the file changed."""
        try:
            stat = os.stat(path)
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            return load()  # let the loader report the missing file
        cached = self._entries.get((kind, path))
        if cached and cached[0] == stamp:
            return cached[1]  # type: ignore[return-value]
        value = load()
        self._entries[(kind, path)] = (stamp, value)
        return value
