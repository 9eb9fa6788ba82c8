"""A collapsed block: ``<details><summary>...</summary>...</details>`` in HTML, plain elsewhere.

Used for what a page keeps but does not show by default (older measurements of a model, the
unchanged rows of a release comparison): closed until the reader opens it, with no script, and
read as written when the page is printed or built as text.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator


class collapsible(nodes.General, nodes.Element):  # docutils names nodes in lower case
    """``summary`` (text) is always shown; the children when opened."""


def make_collapsible(summary: str, children: list[nodes.Node],
                     classes: list[str] | None = None) -> collapsible:
    node = collapsible(summary=summary, classes=list(classes or []))
    node.extend(children)
    return node


def _visit_html(self: HTML5Translator, node: collapsible) -> None:
    classes = " ".join(["df-collapsible", *node["classes"]])
    self.body.append(f'<details class="{html.escape(classes, quote=True)}">'
                     f'<summary>{html.escape(node["summary"])}</summary>\n')


def _depart_html(self: HTML5Translator, node: collapsible) -> None:
    self.body.append("</details>\n")


def _visit_plain(self: Any, node: collapsible) -> None:
    """Other builders: the summary as a paragraph, then the children."""
    node.insert(0, nodes.paragraph(node["summary"], node["summary"]))


def _depart_plain(self: Any, node: collapsible) -> None:
    return None


def setup_details(app: Sphinx) -> None:
    plain = (_visit_plain, _depart_plain)
    app.add_node(collapsible, html=(_visit_html, _depart_html), latex=plain, text=plain,
                 man=plain, texinfo=plain)
