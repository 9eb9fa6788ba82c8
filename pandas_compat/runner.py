"""Run a seed-002 style pandas body: the site (``df_table_allow_code``) and ``collect migrate``.

No Sphinx import. The body sees ``pd`` and ``np``; ``pd.read_csv`` resolves relative
paths against the page's folder (never ``os.chdir``), records every file it reads,
checks every row's field count first (a malformed row is an error, or with the ``keep``
policy of :mod:`perfcore.csvfile` read as pandas reads it), and keeps ``None``/``NA`` as
text; frames it returns sort by value even when a column was formatted to text. When the
result is shown, an unchanged value appears exactly as the CSV wrote it
(``2.20`` stays ``2.20``), because each column remembers the text behind each value.
"""

from __future__ import annotations

import ast
import builtins
import math
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd

from perfcore.csvfile import RAISE, read_csv_text
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
                 texts: dict[str, dict[Any, object]], natural_order: bool = True,
                 malformed: str = RAISE) -> None:
        self._page_dir, self._shown, self._result, self._texts = page_dir, shown, result, texts
        self._frame = PageFrame if natural_order else pd.DataFrame
        self._malformed = malformed

    def __getattr__(self, name: str) -> Any:
        return getattr(pd, name)

    def read_csv(self, filepath: str | Path, *args: Any, **kwargs: Any) -> pd.DataFrame:
        path = Path(filepath)
        if not path.is_absolute():
            path = self._page_dir / path
        self._result.files_read.append(path)
        checked = read_csv_text(path, self._shown(path), malformed=self._malformed)
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


class CodeTimeout(BaseException):
    """The body ran past its time limit (a BaseException, so ``except Exception`` in it
    cannot swallow it)."""

    def __init__(self, line: int | None) -> None:
        super().__init__(line)
        self.line = line


@contextmanager
def time_limit(source: str, seconds: float) -> Iterator[None]:
    """Stop code compiled from ``source`` after ``seconds`` (0 or less: no limit).

    A trace function on the body's own frames checks the clock at each line, so a loop
    in the body stops at the line it was on (library code runs untraced, at full speed).
    In the main thread a timer signal backs it up, for a body that swallows the first stop.
    """
    if seconds <= 0:
        yield
        return
    deadline = time.monotonic() + seconds

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line" and time.monotonic() > deadline:
            raise CodeTimeout(frame.f_lineno)
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename == source else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        with _alarm(seconds + 1.0):
            yield
    finally:
        sys.settrace(previous)


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "setitimer"):
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise CodeTimeout(None)

    old_handler = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)


def run_table_code(
    body: str, page_dir: Path, source: str, first_line: int, shown: Callable[[Path], str],
    timeout: float = 5.0, natural_order: bool = True, malformed: str = RAISE,
) -> CodeResult:
    """Run ``body`` (first line = page line ``first_line + 1``); never raises for its errors.

    The body runs for at most ``timeout`` seconds (``df_table_code_timeout``).
    ``natural_order=False`` sorts as plain pandas does (text by its characters), as the
    pages that ran these bodies did; ``collect migrate`` compares both orders, and reads
    malformed rows as pandas did (``malformed="keep"``), since the pages were published so.
    """
    result = CodeResult()
    texts: dict[str, dict[Any, object]] = {}
    pandas = PagePandas(page_dir, shown, result, texts, natural_order, malformed)
    namespace = {"pd": pandas, "np": np, "__builtins__": builtins}
    tree = ast.parse(body)
    ast.increment_lineno(tree, first_line)
    try:
        with time_limit(source, timeout):
            exec(compile(tree, source, "exec"), namespace)  # opt-in compatibility form only
    except CodeTimeout as err:
        result.error = (f"the table code ran longer than {timeout:g} s and was stopped "
                        "(df_table_code_timeout in conf.py sets the limit)")
        result.error_line = err.line or _line_in(err, source)
        return result
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
