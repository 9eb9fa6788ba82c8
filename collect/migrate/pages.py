"""Find the ``df-table`` bodies and tab-sets of a reST page, and rewrite the page.

Plain text work on lines (no docutils): a directive's block is every following line that
is blank or indented deeper than the directive. Line numbers are 1-based page lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?P<name>[\w-]+)::\s*(?P<argument>.*?)\s*$")
_OPTION = re.compile(r"^\s*:[\w-]+:")
_LAST_UPDATE = re.compile(r"Last update:?\s*\**\s*(?P<date>[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?"
                          r",?\s+\d{4})", re.IGNORECASE)


@dataclass
class Block:
    """A directive's lines ``start`` .. ``end`` (0-based, end exclusive) and its indent."""

    name: str
    argument: str
    indent: int
    start: int
    end: int


@dataclass
class TableBlock(Block):
    body_start: int = 0  # 0-based index of the first body line
    body: str = ""

    @property
    def body_line(self) -> int:
        """Page line (1-based) of the body's first line."""
        return self.body_start + 1


@dataclass
class TabSet(Block):
    items: list[tuple[str, Block]] = field(default_factory=list)


def blocks(lines: list[str], name: str) -> list[Block]:
    found = []
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if match and match["name"] == name:
            indent = len(match["indent"].expandtabs())
            found.append(Block(name, match["argument"], indent, index, _end(lines, index, indent)))
    return found


def _end(lines: list[str], start: int, indent: int) -> int:
    end = start + 1
    last = start + 1
    while end < len(lines):
        text = lines[end]
        if text.strip():
            if len(text) - len(text.lstrip()) <= indent:
                break
            last = end + 1
        end += 1
    return last


def tables(lines: list[str]) -> list[TableBlock]:
    result = []
    for block in blocks(lines, "df-table"):
        index = block.start + 1
        while index < block.end and (_OPTION.match(lines[index]) or not lines[index].strip()):
            index += 1
        body = dedent(lines[index:block.end])
        result.append(TableBlock(**vars(block), body_start=index, body=body))
    return result


def tab_sets(lines: list[str]) -> list[TabSet]:
    result = []
    for block in blocks(lines, "tab-set"):
        items = [(item.argument, item) for item in blocks(lines[:block.end], "tab-item")
                 if block.start < item.start < block.end]
        result.append(TabSet(**vars(block), items=items))
    return result


def dedent(lines: list[str]) -> str:
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(line[cut:] if line.strip() else "" for line in lines).rstrip() + "\n"


def last_update(text: str) -> date | None:
    """The date of the page's "Last update: Feb 26th, 2026" line, if it has one."""
    match = _LAST_UPDATE.search(text)
    if not match:
        return None
    cleaned = re.sub(r"(\d)(st|nd|rd|th)", r"\1", match["date"]).replace(",", "").replace(".", "")
    for pattern in ("%b %d %Y", "%B %d %Y"):
        try:
            return datetime.strptime(" ".join(cleaned.split()), pattern).date()
        except ValueError:
            continue
    return None


def indented(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [pad + line if line else "" for line in text.rstrip("\n").split("\n")]


def other_content(lines: list[str], item: Block, table: TableBlock) -> list[str]:
    """A tab item's lines other than its df-table (notes and the like), dedented."""
    rest = lines[item.start + 1:table.start] + lines[table.end:item.end]
    return dedent([line for line in rest if not _OPTION.match(line)]).strip("\n").split("\n") \
        if any(line.strip() and not _OPTION.match(line) for line in rest) else []
