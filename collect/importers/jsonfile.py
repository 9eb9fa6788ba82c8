"""Reading another tool's JSON results file with errors that name the file and line.

Python's ``json`` module forgets where a value was; :class:`JsonDocument` keeps the text so
a value that is missing or of the wrong kind is reported at the line of its key. A file
may hold several documents one after another (``vllm bench serve --append-result``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfcore.errors import DataFileError

MISSING = object()


@dataclass(frozen=True)
class JsonDocument:
    """One top-level JSON object of a file: its value and where its text starts."""

    path: str
    text: str
    start: int  # offset of the document in ``text``
    value: dict[str, Any]
    index: int = 0  # 0 for the first document of the file

    def line_of(self, *keys: str) -> int:
        """The line of the last key of the path ``keys`` (each found after the previous one;
        the document's first line when a key is not in the text)."""
        position = self.start
        for key in keys:
            found = self.text.find(json.dumps(key), position)
            if found < 0:
                break
            position = found
        return self.text.count("\n", 0, position) + 1

    def error(self, message: str, *keys: str) -> DataFileError:
        return DataFileError(self.path, self.line_of(*keys), message)

    def get(self, *keys: str, default: Any = MISSING) -> Any:
        """The value at the key path; ``default`` when absent, else a located error."""
        value: Any = self.value
        for depth, key in enumerate(keys):
            if not isinstance(value, dict):
                where = ".".join(keys[:depth]) or "the document"
                raise self.error(f"{where} must be a JSON object", *keys[:depth])
            if key not in value:
                if default is not MISSING:
                    return default
                raise self.error(f"missing {'.'.join(keys)!r}", *keys[:depth])
            value = value[key]
        return value

    def number(self, *keys: str, default: Any = MISSING) -> float | int | None:
        """A finite number (int or float as written) at the key path, or ``default``."""
        value = self.get(*keys, default=default)
        if value is default and default is not MISSING:
            return value
        if isinstance(value, float) and math.isnan(value) and default is not MISSING:
            return default  # NaN: the tool had no value (e.g. no request completed)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise self.error(f"{'.'.join(keys)} must be a number, got {json.dumps(value)}",
                             *keys)
        return value

    def count(self, *keys: str, default: Any = MISSING) -> int | None:
        """A whole number (``12`` or ``12.0``) at the key path, as an int."""
        value = self.number(*keys, default=default)
        if value is None or (value is default and default is not MISSING):
            return value
        if value != int(value) or value < 0:
            raise self.error(f"{'.'.join(keys)} must be a whole number, got {value!r}", *keys)
        return int(value)


def read_documents(path: Path, shown: str | None = None) -> list[JsonDocument]:
    """Every top-level JSON object of ``path``, in order; a file that is not complete JSON
    objects (malformed, truncated, empty) is one error naming its line."""
    shown = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileError(shown, 0, f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise DataFileError(shown, 0, f"not UTF-8 text ({error.reason})") from None
    decoder = json.JSONDecoder()
    documents: list[JsonDocument] = []
    position = _skip_space(text, 0)
    while position < len(text):
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            truncated = error.pos >= len(text.rstrip())
            why = "the file ends inside a JSON value (truncated?)" if truncated \
                else f"invalid JSON ({error.msg})"
            raise DataFileError(shown, error.lineno, why) from None
        if not isinstance(value, dict):
            line = text.count("\n", 0, position) + 1
            raise DataFileError(shown, line, f"expected a JSON object, got "
                                f"{type(value).__name__}")
        documents.append(JsonDocument(shown, text, position, value, len(documents)))
        position = _skip_space(text, end)
    if not documents:
        raise DataFileError(shown, 0, "empty file: expected a JSON results object")
    return documents


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position
