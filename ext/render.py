"""Turn a :class:`~perfcore.tabledata.BuiltTable` into a table (:mod:`ext.tables`) and notes.

Cells are parsed as inline reST with the CSV file and line as their source, so a
warning from a cell (an unknown role, a broken link) points at the data, not the page.
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.parsers.rst.states import RSTState
from docutils.statemachine import StringList
from sphinx.util.docutils import switch_source_input

from ext.base import log_warning
from ext.tables import table_cell, table_node, table_row
from perfcore.tabledata import BuiltTable, Cell

# Text without any of these cannot contain inline markup, so it skips the parser.
_MARKUP = re.compile(r"[*`|_\\\[<]|://|@")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def table_nodes(
    state: RSTState, table: BuiltTable, source: str, caption: str | None = None
) -> list[nodes.Node]:
    """The table (class ``df-table``), then its notes and any messages from cell markup.

    ``source`` (the CSV's path) and each row's line become the cells' source, so
    warnings from cell markup, now or when references resolve, point at the CSV.
    """
    texts = [item.text for cells in table.rows for item in cells]
    items = [(source, line - 1) for line, cells in zip(table.row_lines, table.rows, strict=True)
             for _ in cells]
    messages: list[nodes.Node] = []
    body = []
    with switch_source_input(state, StringList(texts, items=items)):
        index = 0
        for position, (line, cells) in enumerate(zip(table.row_lines, table.rows, strict=True)):
            entries = []
            for item in cells:
                index += 1
                inline, problems = _cell_nodes(state, item, index, f"{source}:{line}")
                messages.extend(problems)
                entries.append(table_cell(inline, source=source, line=line))
            peak = ["df-peak"] if position == table.peak_row else []
            body.append(table_row(entries, classes=peak))
    return [table_node(table.columns, body, caption=caption), *note_nodes(table), *messages]


def _cell_nodes(
    state: RSTState, item: Cell, lineno: int, where: str
) -> tuple[list[nodes.Node], list[nodes.Node]]:
    if item.explanation:
        inline: list[nodes.Node] = [
            nodes.abbreviation(item.text, item.text, explanation=item.explanation)
        ]
        problems: list[nodes.Node] = []
    elif _MARKUP.search(item.text):
        inline, problems = state.inline_text(item.text, lineno)
        unsafe = unsafe_target(inline)
        if unsafe is not None:
            log_warning(f"cell shown as text: {unsafe}; a link from data may only point to "
                        "http(s) or a relative address", where, "unsafe_link")
            inline = [nodes.Text(item.text)]
    else:
        inline, problems = [nodes.Text(item.text)], []
    if item.strong:
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
