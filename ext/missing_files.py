"""Re-read a page when a file it looked for, and did not find, appears.

Sphinx treats a missing dependency as changed on every build, so absent files (a
family with no published CSV yet) are not noted as dependencies; instead each page
notes them (:class:`MissingFiles`), and is marked outdated once one exists.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ext.page_facts import PageFacts


class MissingFiles(PageFacts):
    """``{docname: {absolute path}}``: files a page looked for and did not find."""

    key = "df_table_missing_files"

    def get_outdated_docs(self, app: Sphinx, env: BuildEnvironment, added: set[str],
                          changed: set[str], removed: set[str]) -> list[str]:
        return sorted(docname for docname, paths in self.pages(env).items()
                      if docname not in removed and any(map(os.path.exists, paths)))


def note_missing_file(env: BuildEnvironment, path: str | os.PathLike[str]) -> None:
    MissingFiles.note(env, [os.path.abspath(path)])


def setup_missing_files(app: Sphinx) -> None:
    app.add_env_collector(MissingFiles)
