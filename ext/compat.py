"""Compatibility form: run a seed-002 style pandas body (only with ``df_table_allow_code``).

No Sphinx import. The body sees ``pd`` and ``np``; ``pd.read_csv`` resolves relative
paths against the page's folder (never ``os.chdir``), records every file it reads,
checks every row's field count first, and keeps ``None``/``NA`` as text; frames it
returns sort by value even when a column was formatted to text. When the
result is shown, an unchanged value appears exactly as the CSV wrote it
(``2.20`` stays ``2.20``), because each column remembers the text behind each value.
"""

from __future__ import annotations

import ast
import builtins
import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from perfcore.csvfile import read_csv_text
from perfcore.errors import DataFileError
from perfcore.ordering import is_missing, sort_key
from perfcore.tabledata import BuiltTable, Cell

_AMBIGUOUS = object()


@dataclass
class CodeResult:
    table: BuiltTable | None = None
    files_read: list[Path] = field(default_factory=list)
    error: str | None = None
    error_line: int | None = None


def _value_order(by: Any, ascending: Any) -> Callable[[pd.Series], pd.Series]:
    """A ``sort_values`` key: values by :func:`sort_key`, blanks last in either direction."""
    names = [by] if isinstance(by, str) else list(by)
    directions = [ascending] * len(names) if isinstance(ascending, bool) else list(ascending)
    descending = {name for name, up in zip(names, directions, strict=False) if not up}

    def key(column: pd.Series) -> pd.Series:
        last = (-1,) if column.name in descending else (1,)
        return column.map(lambda value: last if is_missing(value) else sort_key(value))

    return key


class PageFrame(pd.DataFrame):
    """What the body's ``pd.read_csv`` returns: sorting orders values, not their text.

    ``sort_values`` on a column formatted as ``$1,234.000`` orders it by the number,
    and text naturally and case-insensitively (``resnet18 < resnet101 < UNet``),
    unless the body passes its own ``key``. Pandas keeps the subclass through merge,
    selection, ``query`` and ``groupby(...).head``.
    """

    @property
    def _constructor(self) -> type[PageFrame]:
        return PageFrame

    def sort_values(self, by: Any, *args: Any, ascending: Any = True, key: Any = None,
                    **kwargs: Any) -> Any:
        key = key or _value_order(by, ascending)
        return super().sort_values(by, *args, ascending=ascending, key=key, **kwargs)


class PagePandas:
    """``pd`` as the body sees it: pandas, with a page-relative, checking ``read_csv``."""

    def __init__(self, page_dir: Path, shown: Callable[[Path], str], result: CodeResult,
                 texts: dict[str, dict[Any, object]], natural_order: bool = True) -> None:
        self._page_dir, self._shown, self._result, self._texts = page_dir, shown, result, texts
        self._frame = PageFrame if natural_order else pd.DataFrame

    def __getattr__(self, name: str) -> Any:
        return getattr(pd, name)

    def read_csv(self, filepath: str | Path, *args: Any, **kwargs: Any) -> pd.DataFrame:
        path = Path(filepath)
        if not path.is_absolute():
            path = self._page_dir / path
        self._result.files_read.append(path)
        checked = read_csv_text(path, self._shown(path))
        kwargs.setdefault("keep_default_na", False)
        kwargs.setdefault("na_values", [""])
        frame = self._frame(pd.read_csv(path, *args, **kwargs))
        if len(frame) == len(checked.rows):
            self._remember(frame, checked.columns, checked.rows)
        return frame

    def _remember(self, frame: pd.DataFrame, columns: tuple[str, ...], rows) -> None:
        for position, column in enumerate(columns):
            if column not in frame.columns:
                continue
            known = self._texts.setdefault(column, {})
            for value, row in zip(frame[column], rows, strict=True):
                if _is_blank(value):
                    continue
                text = row[position]
                if known.get(value, text) != text:
                    known[value] = _AMBIGUOUS
                else:
                    known[value] = text


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def run_table_code(
    body: str, page_dir: Path, source: str, first_line: int, shown: Callable[[Path], str],
    natural_order: bool = True,
) -> CodeResult:
    """Run ``body`` (first line = page line ``first_line + 1``); never raises for its errors.

    ``natural_order=False`` sorts as plain pandas does (text by its characters), as the
    pages that ran these bodies did; ``collect migrate`` compares both orders.
    """
    result = CodeResult()
    texts: dict[str, dict[Any, object]] = {}
    namespace = {"pd": PagePandas(page_dir, shown, result, texts, natural_order), "np": np,
                 "__builtins__": builtins}
    tree = ast.parse(body)
    ast.increment_lineno(tree, first_line)
    try:
        exec(compile(tree, source, "exec"), namespace)  # opt-in compatibility form only
    except DataFileError as err:
        result.error, result.error_line = str(err), _line_in(err, source)
        return result
    except Exception as err:
        result.error = f"the table code raised {type(err).__name__}: {err}"
        result.error_line = _line_in(err, source)
        return result
    frame = namespace.get("df")
    if not isinstance(frame, pd.DataFrame):
        result.error = "the table code must leave a pandas DataFrame in 'df'"
        return result
    result.table = frame_table(frame, texts, first_line + 1)
    return result


def _line_in(err: BaseException, source: str) -> int | None:
    lines = [frame.lineno for frame in traceback.extract_tb(err.__traceback__)
             if frame.filename == source]
    return lines[-1] if lines else None


def frame_table(frame: pd.DataFrame, texts: dict[str, dict[Any, object]], line: int) -> BuiltTable:
    """Cell texts of a finished frame: CSV text for unchanged values, else the value itself."""
    columns = tuple(str(column) for column in frame.columns)
    rows = [[Cell(_cell_text(value, texts.get(column, {}))) for column, value in
             zip(columns, values, strict=True)] for values in frame.itertuples(index=False)]
    return BuiltTable(columns=columns, rows=rows, row_lines=[line] * len(rows))


def _cell_text(value: object, known: dict[Any, object]) -> str:
    if _is_blank(value):
        return ""
    try:
        text = known.get(value)
    except TypeError:  # unhashable cell
        text = None
    if isinstance(text, str):
        return text
    if isinstance(value, np.generic):
        value = value.item()
    return str(value)
