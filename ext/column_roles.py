"""Header cells of every ``df-table`` say what their column is for, so the browser can fit it.

Each header cell (the last header row) gets ``df-role-<role>`` and ``df-priority-<n>`` from
its label (:func:`perfcore.columns.column_role`), whichever directive built the table: a
``df-table``, a family tab, a cost review, a diff, a history or a ``csv-table`` with
``:class: df-table``. A directive that knows better sets a ``df-priority-<n>`` class on a
header entry itself, and that cell is left alone. ``df-table.js`` keeps priority 1 in view
and moves the rest into per-row details when the table is wider than the page
(docs/dev/interactive.rst); without JavaScript the classes change nothing.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

from ext.tables import TABLE_CLASS
from perfcore.columns import ROLE_PRIORITY, column_role

PRIORITY_PREFIX = "df-priority-"
ROLE_PREFIX = "df-role-"


def header_entries(table: nodes.table) -> list[nodes.entry]:
    """The entries of the table's last header row (empty when it has no header)."""
    thead = next(iter(table.findall(nodes.thead)), None)
    if thead is None:
        return []
    rows = [row for row in thead.children if isinstance(row, nodes.row)]
    return [entry for entry in rows[-1].children if isinstance(entry, nodes.entry)] if rows else []


def mark_columns(table: nodes.table) -> None:
    """Add ``df-role-*`` / ``df-priority-*`` to each header entry that has no priority yet."""
    for entry in header_entries(table):
        if any(name.startswith(PRIORITY_PREFIX) for name in entry["classes"]):
            continue
        role = column_role(entry.astext())
        entry["classes"] += [f"{ROLE_PREFIX}{role}", f"{PRIORITY_PREFIX}{ROLE_PRIORITY[role]}"]


class MarkColumnRoles(SphinxPostTransform):
    """Runs on every resolved page, after each directive has built its tables."""

    default_priority = 400

    def run(self, **kwargs: Any) -> None:
        for table in self.document.findall(nodes.table):
            if TABLE_CLASS in table["classes"]:
                mark_columns(table)


def setup_column_roles(app: Sphinx) -> None:
    app.add_post_transform(MarkColumnRoles)
