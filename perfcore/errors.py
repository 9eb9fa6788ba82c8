"""The core's errors: one base for every problem a user can fix, and its located form.

The collector's CLI and the site both print these as one line (``path:line: message``);
nothing here imports Sphinx.
"""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """A problem the user can fix (a bad file, option or value); the message says which."""


@dataclass
class DataFileError(UserError, ValueError):
    """A problem in a data file: ``path:line: message`` (line 0 = the file as a whole)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
