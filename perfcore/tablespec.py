"""The declarative table spec (a small YAML mapping) and its validation. No Sphinx import.

Errors carry a 1-based line within the YAML text, so the directive can add its
own offset and point at the page line.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

import yaml

from perfcore.formats import check_format
from perfcore.yamlfile import YamlError, compose, line_of, mapping_items, scalar, string_list

SPEC_KEYS = {
    "data": "CSV file, relative to df_table_data_dir",
    "prices": "price catalog, relative to df_table_data_dir (default prices.yaml)",
    "pricing": "pricing model of the catalog (on-demand, ri-effective, ...); adds the cost column",
    "throughput": "column holding the throughput the cost is computed from",
    "unit": "what the throughput counts (inferences, tokens, images, ...)",
    "instance": "column holding the instance type (default 'Inst. Type')",
    "columns": "columns to show, in order",
    "labels": "mapping column -> the header shown for it (default: the column's name)",
    "rates": "mapping header -> pricing model: a column of each row's hourly rate (with pricing)",
    "sort": "sort keys, a leading '-' sorts descending",
    "formats": "mapping column -> number format (sig3, $sig3, .2f, ${:,.3f})",
    "filter": "row filters such as 'Model == bert-base'",
    "top": "after sorting, keep the first n rows of each group: {n: 2, per: [Model]}",
    "peak": "column whose highest value is emphasised (bold cell, row class df-peak)",
    "caption": "table caption",
}
FAMILY_ONLY_KEYS = {
    "title": "family title",
    "notes": "reST notes shown under each table",
    "superseded": "why the family's rows are not current (shown marked, kept out of cost "
                  "rankings unless older rows are asked for)",
}
FILTER_OPS = ("==", "!=", "<=", ">=", "<", ">")
_CODE_HINT = re.compile(r"\bpd\.|\bdf\b|^\s*(import|from)\s", re.MULTILINE)
_FILTER = re.compile(r"^(?P<column>.+?)\s+(?P<op>==|!=|<=|>=|<|>)\s+(?P<value>.+)$")


class SpecError(YamlError):
    """A spec problem; ``line`` is 1-based within the spec text (0 = unknown)."""


@dataclass(frozen=True)
class RowFilter:
    column: str
    op: str
    value: str
    text: str


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class TopPerGroup:
    """Keep the first ``n`` rows (in sort order) of each group of equal ``per`` values."""

    n: int
    per: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    data: str = ""
    prices: str = "prices.yaml"
    pricing: str | None = None
    throughput: str | None = None
    unit: str | None = None
    instance: str = "Inst. Type"
    columns: tuple[str, ...] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    rates: dict[str, str] = field(default_factory=dict)
    sort: tuple[SortKey, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)
    filters: tuple[RowFilter, ...] = ()
    top: TopPerGroup | None = None
    peak: str | None = None
    caption: str | None = None
    title: str | None = None
    notes: tuple[str, ...] = ()
    superseded: str | None = None
    key_lines: dict[str, int] = field(default_factory=dict)

    def with_data(self, data: str) -> TableSpec:
        return replace(self, data=data)


def looks_like_code(body: str) -> bool:
    """True for a seed-002 style body: Python that assigns ``df``.

    A YAML mapping such as ``data: x.csv`` is also valid Python (an annotation),
    but never a plain assignment, so the test is unambiguous.
    """
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == "df" for target in node.targets)
        for node in ast.walk(tree)
    )


def code_problem(body: str) -> tuple[int, str] | None:
    """For a body that is not a valid spec: ``(line, what is wrong)`` if it is meant as code.

    Python that never assigns ``df``, or text with pandas code in it that is not valid
    Python, would otherwise be reported as "the table spec must be a mapping".
    """
    try:
        tree = ast.parse(body)
    except SyntaxError as err:
        if _CODE_HINT.search(body):
            return (err.lineno or 1,
                    f"the body looks like pandas code but is not valid Python: {err.msg}")
        return None
    if any(not isinstance(node, ast.AnnAssign | ast.Expr)
           or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
           for node in tree.body):
        return (1, "the body is Python code but never assigns 'df' (compatibility code must "
                   "leave the table's DataFrame in df)")
    return None


def parse_spec(text: str, where: str = "df-table", first_line: int = 1) -> TableSpec:
    """Parse a df-table body; raises :class:`SpecError` naming the line.

    ``first_line`` is the line of the body's first line in its file (a page), so every
    line in errors and in ``key_lines`` is a line of that file.
    """
    text = "\n" * (first_line - 1) + text
    try:
        root = compose(text, where)
    except YamlError as err:
        raise SpecError(where, err.line, err.message) from None
    if root is None:
        raise SpecError(where, 0, "the table spec is empty (expected at least 'data: <file.csv>')")
    spec = spec_from_node(root, where, allowed=SPEC_KEYS)
    if not spec.data:
        raise SpecError(where, first_line, "'data' is missing (the CSV file to show)")
    return spec


def spec_from_node(node: yaml.Node, where: str, allowed: dict[str, str]) -> TableSpec:
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    try:
        items = list(mapping_items(node, where, "the table spec"))
    except YamlError as err:
        raise SpecError(where, err.line, err.message) from None
    for key, key_node, value_node in items:
        if key not in allowed:
            raise SpecError(where, line_of(key_node),
                            f"unknown key {key!r} (known keys: {', '.join(allowed)})")
        lines[key] = line_of(value_node)
        values["filters" if key == "filter" else key] = _convert(key, value_node, where)
    spec = TableSpec(key_lines=lines, **values)
    _check_consistency(spec, where)
    return spec


def _convert(key: str, node: yaml.Node, where: str) -> object:
    try:
        if key in ("columns",):
            return _distinct(string_list(node, where, key), where, line_of(node), key)
        if key == "notes":
            return tuple(string_list(node, where, key))
        if key == "sort":
            keys = tuple(_sort_key(text) for text in string_list(node, where, key))
            _distinct([sort_key.column for sort_key in keys], where, line_of(node), key)
            return keys
        if key == "filter":
            texts = string_list(node, where, key)
            return tuple(_filter(text, where, line_of(node)) for text in texts)
        if key == "formats":
            return _formats(node, where)
        if key in ("labels", "rates"):
            return _text_mapping(node, where, key)
        if key == "top":
            return _top(node, where)
        return scalar(node, where, key)
    except SpecError:
        raise
    except YamlError as err:
        raise SpecError(where, err.line, err.message) from None


def _distinct(names: list[str], where: str, line: int, key: str) -> tuple[str, ...]:
    """A list of column names: not empty, each name once."""
    if not names:
        raise SpecError(where, line, f"{key} is empty (leave the key out for the default)")
    seen = [name for position, name in enumerate(names) if name in names[:position]]
    if seen:
        raise SpecError(where, line, f"{key} names column {seen[0]!r} twice")
    return tuple(names)


def _sort_key(text: str) -> SortKey:
    text = text.strip()
    if text.startswith("-"):
        return SortKey(text[1:].strip(), descending=True)
    return SortKey(text)


def _filter(text: str, where: str, line: int) -> RowFilter:
    match = _FILTER.match(text.strip())
    if not match:
        raise SpecError(where, line,
                        f"filter {text!r} must read '<column> <op> <value>' "
                        f"with op one of {' '.join(FILTER_OPS)}")
    value = match["value"].strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return RowFilter(match["column"].strip(), match["op"], value, text.strip())


def _top(node: yaml.Node, where: str) -> TopPerGroup:
    values = {key: value for key, _, value in mapping_items(node, where, "top")}
    unknown = sorted(set(values) - {"n", "per"})
    if unknown or set(values) != {"n", "per"}:
        raise SpecError(where, line_of(node),
                        "top must read {n: <rows per group>, per: [<column>, ...]}")
    n = scalar(values["n"], where, "top: n")
    if not n.isdigit() or int(n) < 1:
        raise SpecError(where, line_of(values["n"]),
                        f"top: n must be a positive whole number, got {n!r}")
    return TopPerGroup(int(n), tuple(string_list(values["per"], where, "top: per")))


def _text_mapping(node: yaml.Node, where: str, key: str) -> dict[str, str]:
    """``labels`` / ``rates``: text -> text; an empty mapping (``{}``) means none."""
    if isinstance(node, yaml.ScalarNode) and node.value == "" and node.tag.endswith(":null"):
        raise SpecError(where, line_of(node), f"{key} is empty (write {{}} for none)")
    return {name: scalar(value, where, f"{key}: {name}")
            for name, _, value in mapping_items(node, where, key)}


def _formats(node: yaml.Node, where: str) -> dict[str, str]:
    formats = {}
    for column, _, fmt_node in mapping_items(node, where, "formats"):
        fmt = scalar(fmt_node, where, f"formats: {column}")
        problem = check_format(fmt)
        if problem:
            raise SpecError(where, line_of(fmt_node), f"formats: {column}: {problem}")
        formats[column] = fmt
    return formats


def _check_consistency(spec: TableSpec, where: str) -> None:
    if spec.pricing and not spec.throughput:
        raise SpecError(where, spec.key_lines["pricing"],
                        "'pricing' needs 'throughput' (the column the cost is computed from)")
    for key in ("unit", "prices", "rates"):
        if key in spec.key_lines and not spec.pricing and (key != "rates" or spec.rates):
            raise SpecError(where, spec.key_lines[key],
                            f"'{key}' is used only with 'pricing' (the cost column); add "
                            "'pricing' or remove it")
