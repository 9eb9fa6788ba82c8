"""What a page noted while it was read, kept per page by a Sphinx environment collector.

A directive notes facts (a file it looked for, a price it used, ...) on the document being
read (:meth:`PageFacts.note`); once the page is read (``doctree-read``) they become the page's
entry in the environment. Sphinx's collector events keep the entries right: a page re-read or
removed loses its old entry (``env-purge-doc``), and entries read by parallel readers are
merged into the main environment (``env-merge-info``). Each kind of fact is a subclass with
its own ``key``; one that marks pages outdated says so in ``get_outdated_docs``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Set
from typing import ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector


class PageFacts(EnvironmentCollector):
    """Facts per page: ``{docname: frozenset(facts)}`` in the environment under ``key``."""

    key: ClassVar[str]

    @classmethod
    def note(cls, env: BuildEnvironment, facts: Iterable[Hashable]) -> None:
        """Record facts of the page being read."""
        current = env.current_document
        noted = current.get(cls.key)
        if noted is None:
            noted = current[cls.key] = set()
        noted.update(facts)

    @classmethod
    def pages(cls, env: BuildEnvironment) -> dict[str, frozenset]:
        """Every page's facts (pages without any are absent)."""
        pages = getattr(env, cls.key, None)
        if pages is None:
            pages = {}
            setattr(env, cls.key, pages)
        return pages

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        env = app.env
        noted = env.current_document.get(self.key)
        if noted:
            self.pages(env)[env.docname] = frozenset(noted)

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        self.pages(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames: Set[str],
                    other: BuildEnvironment) -> None:
        ours, theirs = self.pages(env), self.pages(other)
        for docname in docnames:
            if docname in theirs:
                ours[docname] = theirs[docname]
