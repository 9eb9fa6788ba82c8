"""``run-reports`` directive: a toctree of the run reports present in the source tree.

``docs/reports`` is a link to ``data/reports``, where ``collect report --out
data/reports/<run>`` writes each report as ``<run>/index.rst`` plus its plots::

    .. run-reports::

lists them (newest run id first: reverse name order), or says there are none
yet. It is a globbed toctree (default pattern ``reports/*/index``, relative to
the current document), so adding or removing a report re-reads the page.
"""

from __future__ import annotations

import posixpath
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.matching import Matcher

DEFAULT_PATTERN = "reports/*/index"


class RunReports(SphinxDirective):
    optional_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {"maxdepth": directives.nonnegative_int}

    def run(self) -> list[nodes.Node]:
        pattern = self.arguments[0] if self.arguments else DEFAULT_PATTERN
        full = posixpath.normpath(posixpath.join(posixpath.dirname(self.env.docname), pattern))
        matcher = Matcher([full])
        if not any(matcher(doc) for doc in self.env.found_docs):
            # Re-read this page when documents are added, as a globbed toctree would be.
            self.env.glob_toctrees.add(self.env.docname)
            return [nodes.paragraph(text="No run reports yet: write one with "
                                         "collect report RESULTS.jsonl --out data/reports/RUN.")]
        lines = [".. toctree::", "   :glob:", "   :reversed:",
                 f"   :maxdepth: {self.options.get('maxdepth', 1)}", "", f"   {pattern}"]
        holder = nodes.section()  # nested_parse needs a parent; its children are returned
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]),
                                self.content_offset, holder)
        return list(holder.children)


def setup_run_reports(app: Sphinx) -> dict[str, Any]:
    app.add_directive("run-reports", RunReports)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
