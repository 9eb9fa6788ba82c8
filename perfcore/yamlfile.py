"""Small helpers over PyYAML's node graph, so every value keeps its line number.

``yaml.safe_load`` forgets where values came from and silently keeps the last of
two duplicate keys; composing nodes keeps both facts, so errors can name a line.
No Sphinx import.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from perfcore.errors import DataFileError

# libyaml's parser, when PyYAML was built with it, is about ten times faster; same nodes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(DataFileError):
    """A problem in a YAML document: ``path:line: message`` (line is 1-based, 0 = unknown)."""


def compose(text: str, path: str) -> yaml.Node | None:
    """Parse ``text`` into a node graph; a syntax error becomes a located :class:`YamlError`."""
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(path, line, f"invalid YAML: {err.problem}") from None


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def mapping_items(
    node: yaml.Node, path: str, what: str, *, fold_case: bool = False
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """Yield ``(key, key_node, value_node)``; duplicate keys are an error naming both lines."""
    if not isinstance(node, yaml.MappingNode):
        raise YamlError(path, line_of(node), f"{what} must be a mapping")
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlError(path, line_of(key_node), f"{what}: keys must be plain text")
        key = key_node.value
        folded = key.lower() if fold_case else key
        if folded in seen:
            raise YamlError(
                path,
                line_of(key_node),
                f"{what}: duplicate entry {key!r} (first given on line {seen[folded]})",
            )
        seen[folded] = line_of(key_node)
        yield key, key_node, value_node


def scalar(node: yaml.Node, path: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        raise YamlError(path, line_of(node), f"{what} must be a single value")
    return str(node.value)


def string_list(node: yaml.Node, path: str, what: str) -> list[str]:
    """A list of strings; a single string is accepted as a one-item list."""
    if isinstance(node, yaml.ScalarNode):
        return [scalar(node, path, what)]
    if not isinstance(node, yaml.SequenceNode):
        raise YamlError(path, line_of(node), f"{what} must be a list of text values")
    return [scalar(item, path, f"each item of {what}") for item in node.value]
