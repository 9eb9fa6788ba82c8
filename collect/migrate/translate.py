"""Read a seed-002 style pandas ``df-table`` body and say what it does, as a declarative spec.

The body is parsed with :mod:`ast` and never run. Each statement must be one of the
constructs the published pages use (``read_csv``, ``merge`` with a price CSV on the
instance column, the cost formula, ``cols_to_show``, ``sort_values``, ``round``/``astype``,
``query``, ``groupby(...).head(n)``); anything else raises :class:`Untranslatable` with the
body line and what could not be read, and the caller keeps that table as code.
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass, field, replace

COST_COLUMN = re.compile(r"^Cost per 1M (?P<unit>\S.*)$")
# Price column name -> pricing model of the catalog (CONTRIBUTING.md "Price catalog").
PRICING_FROM_COLUMN = (
    (re.compile(r"ri[- ]?effective", re.IGNORECASE), "ri-effective"),
    (re.compile(r"on[- ]?demand", re.IGNORECASE), "on-demand"),
    (re.compile(r"savings[- ]?plan", re.IGNORECASE), "savings-plan"),
    (re.compile(r"\bspot\b", re.IGNORECASE), "spot"),
    (re.compile(r"\b(1|one)[- ]?(yr|year)", re.IGNORECASE), "ri-1yr"),
    (re.compile(r"\b(3|three)[- ]?(yr|year)", re.IGNORECASE), "ri-3yr"),
)
_QUERY_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
              ast.GtE: ">="}
_ARITHMETIC = {ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Add: operator.add,
               ast.Sub: operator.sub}


class Untranslatable(Exception):
    """``line`` is 1-based within the body; the message says what could not be read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Frame:
    """What a frame variable holds so far: its CSV and what was done to it."""

    data: str
    prices: str | None = None
    instance: str | None = None
    filters: list[str] = field(default_factory=list)
    columns: list[str] | None = None
    sort: list[str] = field(default_factory=list)
    top: tuple[int, list[str]] | None = None


@dataclass
class Translation:
    """A translated body: the spec's keys, plus the price CSV and rate column it read."""

    frame: Frame
    cost_column: str | None = None
    throughput: str | None = None
    rate_column: str | None = None
    pricing: str | None = None
    formats: dict[str, str] = field(default_factory=dict)

    def spec(self, data: str) -> dict[str, object]:
        """The declarative spec (insertion order is the order written on the page)."""
        spec: dict[str, object] = {"data": data}
        if self.pricing:
            unit = COST_COLUMN.match(self.cost_column or "")
            spec.update(pricing=self.pricing, throughput=self.throughput,
                        unit=unit["unit"] if unit else None)
            if self.frame.instance and self.frame.instance != "Inst. Type":
                spec["instance"] = self.frame.instance
        if self.frame.columns is not None:
            spec["columns"] = list(self.frame.columns)
        if self.frame.sort:
            spec["sort"] = list(self.frame.sort)
        if self.frame.top:
            spec["top"] = {"n": self.frame.top[0], "per": list(self.frame.top[1])}
        if self.frame.filters:
            spec["filter"] = list(self.frame.filters)
        if self.formats:
            spec["formats"] = dict(self.formats)
        return spec


def pricing_model(rate_column: str) -> str | None:
    for pattern, model in PRICING_FROM_COLUMN:
        if pattern.search(rate_column):
            return model
    return None


def translate_body(body: str) -> Translation:
    """The body's meaning; raises :class:`Untranslatable` at the first thing it cannot read."""
    try:
        tree = ast.parse(body)
    except SyntaxError as err:
        raise Untranslatable(err.lineno or 0, f"not valid Python: {err.msg}") from None
    reader = _Reader()
    for statement in tree.body:
        reader.statement(statement)
    return reader.result()


class _Reader:
    def __init__(self) -> None:
        self.frames: dict[str, Frame] = {}
        self.lists: dict[str, list[str]] = {}
        self.translation: Translation | None = None

    def result(self) -> Translation:
        frame = self.frames.get("df")
        if frame is None:
            raise Untranslatable(0, "the body never assigns 'df' from pd.read_csv(...)")
        translation = self.translation or Translation(frame=frame)
        translation.frame = frame
        if translation.pricing and not frame.prices:
            raise Untranslatable(0, "the cost uses a price column but 'df' was never merged "
                                    "with a price CSV")
        return translation

    def statement(self, node: ast.stmt) -> None:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            raise _unreadable(node, "a statement other than a single assignment")
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Name):
            if isinstance(value, ast.List):
                self.lists[target.id] = self.strings(value)
            else:
                self.frames[target.id] = self.frame(value)
            return
        if isinstance(target, ast.Subscript) and _is_name(target.value, "df"):
            self.column_assignment(self.columns_of(target.slice), value, node)
            return
        raise _unreadable(node, "an assignment to something other than a name or df[...]")

    # ------------------------------------------------------------------ frames

    def frame(self, node: ast.expr) -> Frame:
        if isinstance(node, ast.Name):
            if node.id not in self.frames:
                raise _unreadable(node, f"the name {node.id!r}, which holds no frame")
            return replace(self.frames[node.id], filters=list(self.frames[node.id].filters))
        if isinstance(node, ast.Subscript):
            frame = self.frame(node.value)
            frame.columns = self.columns_of(node.slice)
            return frame
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return self.method(node, node.func)
        raise _unreadable(node, "an expression that is not a pandas frame operation")

    def method(self, call: ast.Call, func: ast.Attribute) -> Frame:
        name = func.attr
        if _is_name(func.value, "pd") and name == "read_csv":
            return Frame(data=self.only_string_argument(call))
        if _is_name(func.value, "pd") and name == "merge":
            return self.merge(call, call.args)
        if name == "merge":
            return self.merge(call, [func.value, *call.args])
        if (name == "head" and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Attribute)
                and func.value.func.attr == "groupby"):
            return self.group_head(call, func.value, func.value.func)
        frame = self.frame(func.value)
        if name == "query":
            frame.filters += _query_filters(call, self.only_string_argument(call))
        elif name == "sort_values":
            frame.sort = self.sort(call)
        elif name == "reset_index" and _keywords(call) <= {"drop"} and not call.args:
            pass
        else:
            raise _unreadable(call, f"the frame method .{name}(...)")
        return frame

    def merge(self, call: ast.Call, args: list[ast.expr]) -> Frame:
        keywords = {kw.arg: kw.value for kw in call.keywords}
        if len(args) != 2 or set(keywords) - {"on", "how"} or "on" not in keywords:
            raise _unreadable(call, "a merge other than merge(df, prices, on='<column>')")
        how = keywords.get("how")
        if how is not None and _string(how) != "inner":
            raise _unreadable(call, "a merge that is not an inner join")
        frame, prices = self.frame(args[0]), self.frame(args[1])
        if prices.prices or prices.filters or prices.columns is not None:
            raise _unreadable(call, "a merge whose second frame is not a plain price CSV")
        frame.prices, frame.instance = prices.data, self.string(keywords["on"])
        return frame

    def group_head(self, call: ast.Call, group_call: ast.Call, group: ast.Attribute) -> Frame:
        frame = self.frame(group.value)
        if len(group_call.args) != 1 or group_call.keywords:
            raise _unreadable(group_call, "a groupby other than groupby(<column or list>)")
        if len(call.args) != 1 or call.keywords or not _is_int(call.args[0]):
            raise _unreadable(call, "a head other than head(<whole number>)")
        frame.top = (call.args[0].value, self.columns_of(group_call.args[0]))  # type: ignore
        return frame

    def sort(self, call: ast.Call) -> list[str]:
        keywords = {kw.arg: kw.value for kw in call.keywords}
        if set(keywords) - {"by", "ascending"} or len(call.args) + ("by" in keywords) != 1:
            raise _unreadable(call, "a sort_values other than sort_values(<columns>, "
                                    "ascending=...)")
        columns = self.columns_of(call.args[0] if call.args else keywords["by"])
        ascending = keywords.get("ascending")
        if ascending is None:
            flags = [True] * len(columns)
        elif isinstance(ascending, ast.Constant) and isinstance(ascending.value, bool):
            flags = [ascending.value] * len(columns)
        elif isinstance(ascending, ast.List) and all(
                isinstance(item, ast.Constant) and isinstance(item.value, bool)
                for item in ascending.elts) and len(ascending.elts) == len(columns):
            flags = [item.value for item in ascending.elts]  # type: ignore[attr-defined]
        else:
            raise _unreadable(ascending, "an ascending= that is not True/False or a list of them")
        return [column if up else f"-{column}" for column, up in zip(columns, flags, strict=True)]

    # ----------------------------------------------------------------- columns

    def column_assignment(self, columns: list[str], value: ast.expr, node: ast.stmt) -> None:
        if "df" not in self.frames:
            raise _unreadable(node, "df[...] assigned before df was read")
        if len(columns) == 1 and COST_COLUMN.match(columns[0]) and _calls(value, "map"):
            self.cost(columns[0], value)
            return
        fmt = self.number_format(value, columns)
        translation = self.ensure_translation()
        for column in columns:
            translation.formats[column] = fmt

    def ensure_translation(self) -> Translation:
        if self.translation is None:
            self.translation = Translation(frame=self.frames["df"])
        return self.translation

    def cost(self, column: str, value: ast.expr) -> None:
        assert isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
        fmt = _format_method(value)
        throughput, rate = _cost_formula(value.func.value)
        pricing = pricing_model(rate)
        if pricing is None:
            raise _unreadable(value, f"the pricing model of the price column {rate!r} "
                                     f"(expected a name like 'RI-Effective hourly rate' or "
                                     f"'On-Demand hourly rate')")
        translation = self.ensure_translation()
        translation.cost_column, translation.throughput = column, throughput
        translation.rate_column, translation.pricing = rate, pricing
        translation.formats[column] = fmt

    def number_format(self, value: ast.expr, columns: list[str]) -> str:
        """``df[c].round(n).astype(...)`` or ``df[c].map('{...}'.format)`` -> a format."""
        if _calls(value, "map"):
            assert isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            self.expect_columns(value.func.value, columns)
            return _format_method(value)
        kind = None
        if _calls(value, "astype"):
            assert isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            kind = _astype_kind(value)
            value = value.func.value
        if not _calls(value, "round"):
            raise _unreadable(value, "a column assignment other than .round(n).astype(...), "
                                     ".map('<format>'.format) or the cost formula")
        assert isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
        if len(value.args) > 1 or value.keywords or (value.args and not _is_int(value.args[0])):
            raise _unreadable(value, "a round other than round(<whole number>)")
        self.expect_columns(value.func.value, columns)
        digits = value.args[0].value if value.args else 0  # type: ignore[attr-defined]
        return "round0" if kind == "int" else f"round{digits}"

    def expect_columns(self, node: ast.expr, columns: list[str]) -> None:
        if not (isinstance(node, ast.Subscript) and _is_name(node.value, "df")
                and self.columns_of(node.slice) == columns):
            raise _unreadable(node, f"a value computed from other columns than {columns}")

    def columns_of(self, node: ast.expr) -> list[str]:
        if isinstance(node, ast.Name) and node.id in self.lists:
            return list(self.lists[node.id])
        if isinstance(node, ast.List):
            return self.strings(node)
        return [self.string(node)]

    def strings(self, node: ast.List) -> list[str]:
        return [self.string(item) for item in node.elts]

    def string(self, node: ast.expr) -> str:
        text = _string(node)
        if text is None:
            raise _unreadable(node, "a value that is not a literal text (column or file name)")
        return text

    def only_string_argument(self, call: ast.Call) -> str:
        if len(call.args) != 1 or call.keywords:
            raise _unreadable(call, "a call with other than one literal argument")
        return self.string(call.args[0])


# ---------------------------------------------------------------------- helpers

def _unreadable(node: ast.AST | None, what: str) -> Untranslatable:
    line = getattr(node, "lineno", 0) or 0
    code = ast.unparse(node) if isinstance(node, ast.AST) else ""
    return Untranslatable(line, f"cannot translate {what}: {code}" if code else what)


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keywords(call: ast.Call) -> set[str | None]:
    return {kw.arg for kw in call.keywords}


def _calls(node: ast.AST, method: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == method)


def _format_method(call: ast.Call) -> str:
    """``.map('${:,.3f}'.format)`` -> ``${:,.3f}``."""
    arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
    if not (isinstance(arg, ast.Attribute) and arg.attr == "format" and _string(arg.value)):
        raise _unreadable(call, "a map other than .map('<format>'.format)")
    return _string(arg.value) or ""


def _astype_kind(call: ast.Call) -> str:
    if len(call.args) != 1 or _keywords(call) - {"copy"}:
        raise _unreadable(call, "an astype other than astype(<type>)")
    arg = call.args[0]
    name = _string(arg) or (arg.id if isinstance(arg, ast.Name) else None)
    if name in ("int", "int64", "int32"):
        return "int"
    if name in ("float", "float64"):
        return "float"
    raise _unreadable(call, f"the type {ast.unparse(arg)} (expected int or float)")


def _cost_formula(node: ast.expr) -> tuple[str, str]:
    """The throughput and rate columns of ``1e6 / throughput * rate / 3600`` written any way.

    The expression may only combine ``df[<column>]`` and numbers with + - * /; it is
    evaluated at two points to check it is that formula (so ``rate / 3.6e3`` and
    ``/ 3600`` both pass, and a formula that is anything else is refused).
    """
    columns: list[str] = []
    _collect_columns(node, columns)
    if len(set(columns)) != 2:
        raise _unreadable(node, "a cost formula that does not use exactly two columns")
    for throughput, rate in (tuple(dict.fromkeys(columns)), tuple(dict.fromkeys(columns))[::-1]):
        if all(abs(_evaluate(node, {throughput: t, rate: r}) - 1.0e6 / t * r / 3600.0)
               <= 1e-9 * (1.0e6 / t * r / 3600.0) for t, r in ((7.0, 3.0), (1234.5, 0.25))):
            return throughput, rate
    raise _unreadable(node, "a cost formula other than 1e6 / <throughput> * <hourly rate> / 3600")


def _collect_columns(node: ast.AST, columns: list[str]) -> None:
    if isinstance(node, ast.Subscript):
        if not (_is_name(node.value, "df") and _string(node.slice)):
            raise _unreadable(node, "a cost formula term other than df['<column>']")
        columns.append(_string(node.slice) or "")
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        _collect_columns(node.left, columns)
        _collect_columns(node.right, columns)
    elif not (isinstance(node, ast.Constant) and type(node.value) in (int, float)):
        raise _unreadable(node, "a cost formula term other than a column or a number")


def _evaluate(node: ast.AST, values: dict[str, float]) -> float:
    if isinstance(node, ast.Subscript):
        return values[_string(node.slice) or ""]
    if isinstance(node, ast.BinOp):
        return _ARITHMETIC[type(node.op)](_evaluate(node.left, values),
                                          _evaluate(node.right, values))
    return float(node.value)  # type: ignore[attr-defined]


def _query_filters(call: ast.Call, text: str) -> list[str]:
    """``'`Application`=="CV" and `Batch Size` > 1'`` -> row filters of the spec."""
    names: dict[str, str] = {}

    def name_for(match: re.Match[str]) -> str:
        names[f"_c{len(names)}"] = match[1]
        return f"_c{len(names) - 1}"

    try:
        tree = ast.parse(re.sub(r"`([^`]+)`", name_for, text), mode="eval").body
    except SyntaxError:
        raise _unreadable(call, f"the query {text!r} (not an expression)") from None
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) \
        else [tree]
    return [_query_filter(call, part, names, text) for part in parts]


def _query_filter(call: ast.Call, node: ast.expr, names: dict[str, str], text: str) -> str:
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1
            and type(node.ops[0]) in _QUERY_OPS):
        raise _unreadable(call, f"the query {text!r} (only comparisons joined by 'and')")
    left, right = node.left, node.comparators[0]
    column = names.get(left.id, left.id) if isinstance(left, ast.Name) else None
    value = right.value if isinstance(right, ast.Constant) else None
    if column is None or value is None or isinstance(value, bool):
        raise _unreadable(call, f"the query {text!r} (a column compared with a literal)")
    return f"{column} {_QUERY_OPS[type(node.ops[0])]} {value}"
