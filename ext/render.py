"""Turn a :class:`~perfcore.tabledata.BuiltTable` into docutils nodes, and errors into error boxes.

Cells are parsed as inline reST with the CSV file and line as their source, so a
warning from a cell (an unknown role, a broken link) points at the data, not the page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst.states import RSTState
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import switch_source_input

from perfcore.tabledata import BuiltTable, Cell

logger = logging.getLogger(__name__)

# Text without any of these cannot contain inline markup, so it skips the parser.
_MARKUP = re.compile(r"[*`|_\\\[<]|://|@")
TABLE_CLASS = "df-table"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def shown_path(path: str | Path, confdir: str | Path) -> str:
    """``path`` relative to the configuration directory when inside it (stable in messages)."""
    path, confdir = os.path.abspath(path), os.path.abspath(confdir)
    if os.path.commonpath([path, confdir]) == confdir:
        return os.path.relpath(path, confdir)
    return path


def table_nodes(
    state: RSTState, table: BuiltTable, source: str, caption: str | None = None
) -> list[nodes.Node]:
    """The table (class ``df-table``), then its notes and any messages from cell markup.

    ``source`` (the CSV's path) and each row's line become the cells' source, so
    warnings from cell markup, now or when references resolve, point at the CSV.
    """
    texts = [cell.text for row in table.rows for cell in row]
    items = [(source, line - 1) for line, row in zip(table.row_lines, table.rows, strict=True)
             for _ in row]
    messages: list[nodes.Node] = []
    table_node = nodes.table(classes=[TABLE_CLASS])
    if caption:
        table_node += nodes.title(caption, caption)
    tgroup = nodes.tgroup(cols=len(table.columns))
    table_node += tgroup
    for _ in table.columns:
        tgroup += nodes.colspec(colwidth=1)
    thead = nodes.thead()
    thead += _row([[nodes.Text(name)] for name in table.columns])
    tgroup += thead
    tbody = nodes.tbody()
    tgroup += tbody
    with switch_source_input(state, StringList(texts, items=items)):
        index = 0
        for position, (line, row) in enumerate(zip(table.row_lines, table.rows, strict=True)):
            contents = []
            for cell in row:
                index += 1
                inline, problems = _cell_nodes(state, cell, index, f"{source}:{line}")
                messages.extend(problems)
                contents.append(inline)
            row_node = _row(contents, source=source, line=line)
            if position == table.peak_row:
                row_node["classes"].append("df-peak")
            tbody += row_node
    return [table_node, *note_nodes(table), *messages]


def _cell_nodes(
    state: RSTState, cell: Cell, lineno: int, where: str
) -> tuple[list[nodes.Node], list[nodes.Node]]:
    if cell.explanation:
        inline: list[nodes.Node] = [
            nodes.abbreviation(cell.text, cell.text, explanation=cell.explanation)
        ]
        problems: list[nodes.Node] = []
    elif _MARKUP.search(cell.text):
        inline, problems = state.inline_text(cell.text, lineno)
        unsafe = unsafe_target(inline)
        if unsafe is not None:
            logger.warning("cell shown as text: %s; a link from data may only point to "
                           "http(s) or a relative address", unsafe,
                           location=where, type="df_table", subtype="unsafe_link")
            inline = [nodes.Text(cell.text)]
    else:
        inline, problems = [nodes.Text(cell.text)], []
    if cell.strong:
        return [nodes.strong("", "", *inline)], problems
    return inline, problems


def unsafe_target(inline: list[nodes.Node]) -> str | None:
    """What makes cell markup unsafe to render (a non-http(s) link, raw output), or None."""
    for top in inline:
        if not isinstance(top, nodes.Element):
            continue
        for node in top.findall(nodes.Element):
            if isinstance(node, nodes.raw):
                return "raw output is not allowed"
            for attribute in ("refuri", "uri"):
                target = node.get(attribute)
                if isinstance(target, str) and not safe_target(target):
                    return f"link target {target!r} is not http(s) or relative"
    return None


def safe_target(target: str) -> bool:
    """http(s), or relative (no scheme); browsers ignore whitespace and controls in a scheme."""
    squeezed = "".join(char for char in target if char.isprintable() and not char.isspace())
    match = _SCHEME.match(squeezed)
    return match is None or match.group(1).lower() in ("http", "https")


def _row(contents: list[list[nodes.Node]], source: str | None = None,
         line: int | None = None) -> nodes.row:
    row = nodes.row()
    for content in contents:
        paragraph = nodes.paragraph("", "", *content)
        entry = nodes.entry("", paragraph)
        if source:
            entry.source = paragraph.source = source
            entry.line = paragraph.line = line
        row += entry
    return row


def note_nodes(table: BuiltTable) -> list[nodes.Node]:
    """Under the table: which prices the cost uses, and why some costs are n/a."""
    notes: list[nodes.Node] = []
    if table.cost_note:
        notes.append(nodes.paragraph(table.cost_note, table.cost_note,
                                     classes=["df-table-cost-note"]))
    for instance, reason in sorted(table.unpriced.items()):
        text = f"n/a for {instance}: {reason}"
        notes.append(nodes.paragraph(text, text, classes=["df-table-cost-note"]))
    return notes


def set_table_id(document: nodes.document, table: nodes.table, name: str) -> None:
    """Give ``table`` the id ``name`` (made unique on the page): df-table.js names the
    table's CSV download after it (``inf2-encoder-throughput-optimized.csv``)."""
    base = nodes.make_id(name)
    candidate, number = base, 2
    while candidate in document.ids:
        candidate, number = f"{base}-{number}", number + 1
    table["ids"].insert(0, candidate)
    document.ids[candidate] = table


def error_box(message: str) -> nodes.Node:
    """A visible error admonition where the table would have been."""
    box = nodes.error(classes=["df-table-error"])
    box += nodes.paragraph(message, message)
    return box
