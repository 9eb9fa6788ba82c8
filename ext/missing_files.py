"""Re-read a page when a file it looked for, and did not find, appears.

Sphinx treats a missing dependency as changed on every build, so absent files (a
family with no published CSV yet) are not noted as dependencies; instead each page
remembers them here, in the environment, and is marked outdated once one exists.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

ATTRIBUTE = "df_table_missing_files"


def _missing(env: BuildEnvironment) -> dict[str, set[str]]:
    if not hasattr(env, ATTRIBUTE):
        setattr(env, ATTRIBUTE, {})
    return getattr(env, ATTRIBUTE)


def note_missing_file(env: BuildEnvironment, path: str | os.PathLike[str]) -> None:
    _missing(env).setdefault(env.docname, set()).add(os.path.abspath(path))


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _missing(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: Iterable[str],
           other: BuildEnvironment) -> None:
    theirs = _missing(other)
    for docname in docnames:
        if docname in theirs:
            _missing(env)[docname] = theirs[docname]


def _appeared(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
              removed: set[str]) -> list[str]:
    return sorted(docname for docname, paths in _missing(env).items()
                  if docname not in removed and any(os.path.exists(path) for path in paths))


def setup_missing_files(app: Sphinx) -> None:
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _appeared)
