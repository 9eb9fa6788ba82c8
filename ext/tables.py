"""The one builder of docutils tables: a header and rows of cells, with classes.

Every table a directive builds (``df-table`` and family tabs, sweeps, cost reviews, diffs,
histories) is made here, so each is a ``table.df-table`` with one ``thead`` row and a
``tbody``: the markup ``df-table.js`` enhances and ``ext/column_roles.py`` marks by column.
A cell's content is text (never parsed: docutils escapes it) or inline nodes a directive
made (parsed cell markup, an abbreviation, bold).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docutils import nodes

TABLE_CLASS = "df-table"
NO_RESULTS = "No published results yet."

Content = str | nodes.Node | Sequence[nodes.Node]


def table_cell(content: Content, classes: Iterable[str] = (), source: str | None = None,
         line: int | None = None) -> nodes.entry:
    """An entry holding one paragraph; ``source``/``line`` (a CSV's) locate later warnings."""
    if isinstance(content, nodes.Node):  # before str: a Text node is a str
        paragraph = nodes.paragraph("", "", content)
    elif isinstance(content, str):
        paragraph = nodes.paragraph("", "", nodes.Text(content))
    else:
        paragraph = nodes.paragraph("", "", *content)
    entry = nodes.entry("", paragraph, classes=list(classes))
    if source:
        entry.source = paragraph.source = source
        entry.line = paragraph.line = line
    return entry


def table_row(cells: Iterable[nodes.entry | Content], classes: Iterable[str] = ()) -> nodes.row:
    node = nodes.row(classes=list(classes))
    node.extend(item if isinstance(item, nodes.entry) else table_cell(item)
                for item in cells)
    return node


def table_node(header: Sequence[nodes.entry | Content], rows: Iterable[nodes.row],
               classes: Iterable[str] = (), caption: str | None = None) -> nodes.table:
    """A ``df-table`` (plus ``classes``) with ``header`` as its one header row."""
    table = nodes.table(classes=[TABLE_CLASS, *classes])
    if caption:
        table += nodes.title(caption, caption)
    tgroup = nodes.tgroup(cols=len(header))
    table += tgroup
    tgroup.extend(nodes.colspec(colwidth=1) for _ in header)
    tgroup += nodes.thead("", table_row(header))
    body = nodes.tbody()
    body.extend(rows)
    tgroup += body
    return table


def no_results() -> nodes.Node:
    """In place of a table whose CSVs hold no rows yet (not an error: results to come)."""
    return nodes.paragraph(NO_RESULTS, NO_RESULTS, classes=["df-table-empty"])
