"""``collect migrate``: pages with pandas ``df-table`` bodies -> declarative pages and DATA.

Plans everything first (translations, merged CSVs, prices, families, rewritten pages) and
writes only when every file merges cleanly, each file atomically. One bad input never stops
the run: a malformed CSV row is reported and left out (or kept, ``keep_malformed``), a table
whose body or files cannot be read stays code on its page, and the report says so per table.
A migrated table shows the columns, in the order and with the headers, the page showed;
the data keeps today's column names and the spec maps them back (``labels``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from collect.migrate import check, data, pages
from collect.migrate.translate import (
    Translation,
    Untranslatable,
    pricing_model,
    translate_body,
)
from perfcore.atomic import write_atomic
from perfcore.csvfile import KEEP, LEAVE_OUT, CsvText, MalformedRow, read_csv_text
from perfcore.errors import UserError
from perfcore.families import VARIANTS, family_csv_parts
from perfcore.prices import InstancePrices, Price, PriceCatalog
from perfcore.tabledata import BuiltTable, build_table
from perfcore.tablespec import parse_spec

_VARIANT_OF_LABEL = {label.lower(): variant for variant, label in VARIANTS.items()}
_TITLE_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_ROUND = re.compile(r"^round\d+$")
_PANDAS_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
KEPT_AS_CODE = "kept as code"


@dataclass(frozen=True)
class Options:
    src: Path
    data_dir: Path
    docs_dir: Path
    region: str = "us-east-1"
    price_date: date | None = None
    source_label: str | None = None
    check: bool = True
    time_limit_s: float = 300.0
    keep_malformed: bool = False

    @property
    def malformed(self) -> str:
        """The CSV reader policy (:data:`perfcore.csvfile.MALFORMED`) for the source's files."""
        return KEEP if self.keep_malformed else LEAVE_OUT

    @property
    def label(self) -> str:
        return self.source_label or self.src.as_posix()


@dataclass
class Table:
    page: Path
    rel: Path
    block: pages.TableBlock
    translation: Translation | None = None
    spec: dict[str, Any] | None = None
    problem: str | None = None
    built: BuiltTable | None = None
    verdict: str | None = None
    malformed: tuple[MalformedRow, ...] = ()  # rows of its CSVs left out or kept

    @property
    def where(self) -> str:
        return f"{self.rel}:{self.block.body_line}"

    @property
    def passed(self) -> bool:
        """Shown as the page showed it (checked), or translated when the check was skipped."""
        return self.problem is None and (self.verdict is None or check.passed(self.verdict))


@dataclass
class PagePlan:
    """A page, its tables and its candidate families; its text is written after the
    families merge (a tab-set whose family cannot show its tables keeps per-table specs)."""

    target: Path
    lines: list[str]
    tables: list[Table]
    platform: str | None
    families: dict[str, tuple[pages.TabSet, dict[str, Any]]]


@dataclass
class Plan:
    tables: list[Table] = field(default_factory=list)
    csvs: dict[Path, data.MigratedCsv] = field(default_factory=dict)
    prices: list[data.PriceEntry] = field(default_factory=list)
    families: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    pages: dict[Path, str] = field(default_factory=dict)
    page_plans: list[PagePlan] = field(default_factory=list)
    malformed: dict[str, tuple[MalformedRow, ...]] = field(default_factory=dict)  # by file
    notes: list[str] = field(default_factory=list)
    writes: dict[Path, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    label: str = ""
    checked: bool = False


def migrate(options: Options) -> Plan:
    """Plan, self-check, merge and write; returns the plan with its report lines."""
    if not options.src.is_dir():
        raise UserError(f"{options.src}: not a directory")
    plan = Plan(label=options.label, checked=options.check)
    for page in sorted(options.src.rglob("*.rst")):
        _plan_page(options, plan, page)
    _plan_unreferenced_csvs(options, plan)
    if options.check:
        _self_check(options, plan)
    _plan_writes(options, plan)
    for path, text in plan.writes.items():
        write_atomic(path, text)
    return plan


# --------------------------------------------------------------------------- pages

def _plan_page(options: Options, plan: Plan, page: Path) -> None:
    rel = page.relative_to(options.src)
    text = page.read_text(encoding="utf-8")
    lines = text.split("\n")
    platform = rel.parts[0] if len(rel.parts) > 1 else None
    read = pages.last_update(text) or options.price_date
    tables = [Table(page, rel, block) for block in pages.tables(lines)]
    for table in tables:
        _plan_table(options, plan, table, platform, read)
        plan.tables.append(table)
    families = _families(lines, tables, platform)
    for name, (_, spec) in families.items():
        plan.families.setdefault(name, {})[platform or ""] = spec
    plan.page_plans.append(PagePlan(options.docs_dir / rel, lines, tables, platform, families))
    for block in pages.blocks(lines, "csv-table"):
        _plan_included_file(options, plan, page, lines[block.start:block.end])


def _plan_included_file(options: Options, plan: Plan, page: Path, block: list[str]) -> None:
    """A ``csv-table`` the page keeps: its ``:file:`` goes next to the new page, unchanged."""
    for line in block:
        match = re.match(r"^\s*:file:\s*(?P<name>\S.*?)\s*$", line)
        source = page.parent / match["name"] if match else None
        if source is not None and source.is_file() and options.src in source.parents:
            target = options.docs_dir / source.relative_to(options.src)
            plan.pages[target] = source.read_text(encoding="utf-8")
            plan.notes.append(f"{source.relative_to(options.src)}: copied next to its page "
                              f"(a csv-table, not a df-table)")


def _plan_table(options: Options, plan: Plan, table: Table, platform: str | None,
                read: date | None) -> None:
    try:
        translation = translate_body(table.block.body)
    except Untranslatable as err:
        line = table.block.body_line + max(err.line, 1) - 1
        table.problem = f"{table.rel}:{line}: {err.message}"
        return
    if platform is None:
        table.problem = f"{table.where}: the page is not in a platform folder (e.g. inf2/)"
        return
    page_dir = table.page.parent
    if translation.frame.prices and read is None:
        raise UserError(f"{table.rel}: no 'Last update' line to date its prices; "
                        f"give --price-date YYYY-MM-DD")
    try:
        source_csv = _read(options, plan, page_dir / translation.frame.data,
                           table.rel.parent / translation.frame.data)
        prices = None
        if translation.frame.prices:
            prices = _read(options, plan, page_dir / translation.frame.prices,
                           table.rel.parent / translation.frame.prices)
        target = Path(platform) / Path(translation.frame.data).name
        spec = shown_spec(translation, target.as_posix(), source_csv, prices)
        if prices is not None:
            _plan_prices(options, plan, table, translation, prices, read)
    except Untranslatable as err:
        table.problem = f"{table.where}: {err.message}"
        return
    except UserError as err:  # a file that cannot be read at all, a price that is no number
        table.problem = f"{table.where}: {err}"
        return
    plan.csvs[target] = data.migrated_csv(source_csv, _source(options, page_dir,
                                                              translation.frame.data))
    table.translation, table.spec = translation, spec
    table.malformed = source_csv.malformed + (prices.malformed if prices else ())
    plan.notes += [f"{table.where}: formats: {note}" for note in _text_columns_notes(
        translation, source_csv)]


def _read(options: Options, plan: Plan, path: Path, shown: Path) -> CsvText:
    """A CSV of the source under the run's malformed-row policy (each file reported once)."""
    csv = read_csv_text(path, shown.as_posix(), malformed=options.malformed)
    if csv.malformed:
        plan.malformed.setdefault(csv.path, csv.malformed)
    return csv


def _source(options: Options, page_dir: Path, name: str) -> str:
    rel = (page_dir / name).relative_to(options.src).as_posix()
    return f"{options.label}/{rel}"


def page_columns(translation: Translation, columns: tuple[str, ...],
                 prices: CsvText | None) -> list[str]:
    """The columns pandas shows, by the page's names: ``cols_to_show``, or else every column
    of the CSV, then the price CSV's (``merge``), then the cost column."""
    shown = list(columns)
    if prices is not None:
        key = translation.frame.instance or "Inst. Type"
        added = [column for column in prices.columns if column != key]
        clash = [column for column in added if column in shown]
        if clash:
            raise Untranslatable(0, f"cannot translate a merge whose price CSV repeats the "
                                    f"column(s) {', '.join(map(repr, clash))} (pandas shows "
                                    f"them twice, as _x and _y)")
        shown += added
    if translation.frame.columns is not None:
        return list(translation.frame.columns)
    if translation.cost_column and translation.cost_column not in shown:
        shown.append(translation.cost_column)
    return shown


def shown_spec(translation: Translation, data_file: str, csv: CsvText,
               prices: CsvText | None) -> dict[str, Any]:
    """The declarative spec: the data under its stored (today's) column names, the page's
    columns in its order, ``labels`` for each header the page wrote otherwise, ``rates`` for
    price columns the page showed, and ``round`` formats only where pandas rounds."""
    shown = page_columns(translation, csv.columns, prices)
    rates = {}
    for column in shown:
        if prices is not None and column in prices.columns and column not in csv.columns:
            model = pricing_model(column)
            if model is None:
                raise Untranslatable(0, f"cannot translate the price column {column!r} the "
                                        f"page shows (its pricing model cannot be told from "
                                        f"its name)")
            if not translation.pricing:
                raise Untranslatable(0, f"cannot translate the price column {column!r} shown "
                                        f"without a cost column")
            rates[column] = model
    kept_names = set(rates) | {translation.cost_column}

    def stored(column: str) -> str:
        return column if column in kept_names else data.stored_name(column)

    original = translation.spec(data_file)
    spec: dict[str, Any] = {}
    for key, value in original.items():
        if key == "columns":
            continue
        spec[key] = _renamed(key, value, stored)
        if key == "unit" and rates:
            spec["rates"] = rates
    if "rates" not in spec and rates:
        spec["rates"] = rates
    spec = _with_columns(spec, [stored(column) for column in shown],
                         {stored(column): column for column in shown if stored(column) != column})
    formats = {column: fmt for column, fmt in spec.get("formats", {}).items()
               if not (_ROUND.match(fmt) and _text_cell(csv, column, stored) is not None)}
    if formats:
        spec["formats"] = formats
    else:
        spec.pop("formats", None)
    return spec


def _with_columns(spec: dict[str, Any], columns: list[str], labels: dict[str, str]
                  ) -> dict[str, Any]:
    """``columns`` (and ``labels``) placed after the pricing keys, as a maintainer writes."""
    head = [key for key in spec if key in ("data", "pricing", "throughput", "unit", "rates",
                                           "instance")]
    out = {key: spec[key] for key in head}
    out["columns"] = columns
    if labels:
        out["labels"] = labels
    out.update({key: value for key, value in spec.items() if key not in head})
    return out


def _renamed(key: str, value: Any, stored: Any) -> Any:
    if key in ("throughput", "instance"):
        return stored(value)
    if key == "sort":
        return [("-" if item.startswith("-") else "") + stored(item.removeprefix("-"))
                for item in value]
    if key == "formats":
        return {stored(column): fmt for column, fmt in value.items()}
    if key == "top":
        return {"n": value["n"], "per": [stored(column) for column in value["per"]]}
    if key == "filter":
        return [_rename_filter(text, stored) for text in value]
    return value


def _rename_filter(text: str, stored: Any) -> str:
    column, rest = re.split(r"\s+(?===|!=|<=|>=|<|>)", text, maxsplit=1)
    return f"{stored(column)} {rest}"


def _text_cell(csv: CsvText, column: str, stored: Any) -> tuple[int, str] | None:
    """The first cell (line, text) that makes pandas read ``column`` as text, if any."""
    names = [name for name in csv.columns if stored(name) == column]
    if not names:
        return None
    position = csv.columns.index(names[0])
    for line, row in zip(csv.lines, csv.rows, strict=True):
        cell = row[position]
        if cell.strip() and not _PANDAS_NUMBER.match(cell):
            return line, cell
    return None


def _text_columns_notes(translation: Translation, csv: CsvText) -> list[str]:
    """Round formats left out: pandas reads the column as text and round() leaves text."""
    notes = []
    for column, fmt in translation.formats.items():
        found = _text_cell(csv, column, lambda name: name) if _ROUND.match(fmt) else None
        if found is not None:
            notes.append(f"{column!r} shown as written: {csv.path}:{found[0]} has "
                         f"{found[1]!r}, so pandas reads the column as text and {fmt} "
                         f"leaves it unrounded")
    return notes


def _plan_prices(options: Options, plan: Plan, table: Table, translation: Translation,
                 prices: CsvText, read: date | None) -> None:
    name = translation.frame.prices or ""
    instance = translation.frame.instance or "Inst. Type"
    if instance not in prices.columns:
        raise Untranslatable(0, f"the price CSV {prices.path} has no column {instance!r}")
    if translation.rate_column not in prices.columns:
        plan.notes.append(f"{table.where}: the price CSV {prices.path} has no column "
                          f"{translation.rate_column!r} (the body fails under pandas too)")
    assert read is not None  # checked by the caller
    rates = {column: model for column in prices.columns
             if column != instance and (model := pricing_model(column))}
    source = f"{options.label}/{table.rel.as_posix()} (price CSV {name})"
    entries = data.price_entries(prices, instance, rates, read, options.region, source)
    plan.prices += [entry for entry in entries if entry not in plan.prices]


def _plan_unreferenced_csvs(options: Options, plan: Plan) -> None:
    """Published-style CSVs no page reads (families the pages do not show yet)."""
    for path in sorted(options.src.glob("*/*.csv")):
        target = Path(path.parent.name) / path.name
        if target in plan.csvs or not family_csv_parts(path.name):
            continue
        try:
            csv = _read(options, plan, path, path.relative_to(options.src))
        except UserError as err:
            plan.notes.append(f"{err} (not migrated; no page of the source shows it)")
            continue
        plan.csvs[target] = data.migrated_csv(
            csv, _source(options, path.parent, path.name))
        plan.notes.append(f"{target}: migrated, though no page of the source shows it")


# ------------------------------------------------------------------------ families

def _families(lines: list[str], tables: list[Table], platform: str | None
              ) -> dict[str, tuple[pages.TabSet, dict[str, Any]]]:
    """Tab-sets whose Throughput/Latency tabs are one family's two tables."""
    found = {}
    for tab_set in pages.tab_sets(lines):
        family = _family_of(lines, tab_set, tables)
        if family and platform:
            found[family[0]] = (tab_set, family[1])
    return found


def _family_of(lines: list[str], tab_set: pages.TabSet, tables: list[Table]
               ) -> tuple[str, dict[str, Any]] | None:
    names, specs, notes = set(), [], []
    variants = [_VARIANT_OF_LABEL.get(label.strip().lower()) for label, _ in tab_set.items]
    if variants != list(VARIANTS):  # perf-family shows Throughput, then Latency optimized
        return None
    for (_, item), variant in zip(tab_set.items, variants, strict=True):
        inside = [t for t in tables if item.start < t.block.start < item.end]
        if len(inside) != 1 or inside[0].spec is None:
            return None
        spec = dict(inside[0].spec)
        folder, _, file_name = str(spec.pop("data")).rpartition("/")
        parts = family_csv_parts(file_name)
        if not folder or "/" in folder or parts is None or parts[0] != variant:
            return None
        names.add(parts[1])
        specs.append(spec)
        notes.append(_notes(pages.other_content(lines, item, inside[0].block)))
    if len(names) != 1 or len(specs) != len(VARIANTS) or any(s != specs[0] for s in specs) \
            or any(n != notes[0] for n in notes) or notes[0] is None:
        return None
    title = _title_above(lines, tab_set.start)
    family = ({"title": title} if title else {}) | specs[0]
    if notes[0]:
        family["notes"] = notes[0]
    return names.pop(), family


def _notes(content: list[str]) -> list[str] | None:
    """The texts of ``.. note::`` blocks; None when there is anything else."""
    notes, current = [], None
    for line in content:
        if re.match(r"^\.\.\s+note::\s*$", line):
            current = []
            notes.append(current)
        elif line.strip() and not line.startswith((" ", "\t")):
            return None
        elif current is not None:
            current.append(line)
        elif line.strip():
            return None
    texts = ["\n".join(pages.dedent(block).strip("\n").split("\n")).strip() for block in notes]
    return [text for text in texts if text]


def _title_above(lines: list[str], start: int) -> str | None:
    for index in range(start - 1, 0, -1):
        if _TITLE_UNDERLINE.match(lines[index]) and lines[index - 1].strip():
            return lines[index - 1].strip()
    return None


def _rewritten(lines: list[str], tables: list[Table],
               families: dict[str, tuple[pages.TabSet, dict[str, Any]]],
               platform: str | None) -> str:
    edits: list[tuple[int, int, list[str]]] = []
    for name, (tab_set, _) in families.items():
        pad = " " * tab_set.indent
        edits.append((tab_set.start, tab_set.end,
                       [f"{pad}.. perf-family:: {name}", f"{pad}   :platform: {platform}"]))
    inside = [(start, end) for start, end, _ in edits]
    for table in tables:
        if table.spec is None or any(s <= table.block.start < e for s, e in inside):
            continue
        body_indent = len(lines[table.block.body_start]) - \
            len(lines[table.block.body_start].lstrip())
        edits.append((table.block.body_start, table.block.end,
                      pages.indented(spec_yaml(table.spec), body_indent)))
    out = list(lines)
    for start, end, new in sorted(edits, reverse=True):
        out[start:end] = new
    return "\n".join(out)


def spec_yaml(spec: dict[str, Any]) -> str:
    return data.yaml_text(spec)


# ------------------------------------------------------------------------ check

def _catalog(entries: list[data.PriceEntry]) -> PriceCatalog:
    instances: dict[str, InstancePrices] = {}
    for entry in entries:
        key = entry.instance.lower()
        held = instances.setdefault(key, InstancePrices(entry.instance, entry.region, {}))
        held.prices[entry.pricing] = Price(entry.rate, entry.read.isoformat(), entry.source)
    return PriceCatalog("migrated prices", "USD", instances)


def _self_check(options: Options, plan: Plan) -> None:
    catalog = _catalog(plan.prices)
    checked = [table for table in plan.tables if table.spec is not None]
    for table in checked:
        spec = parse_spec(spec_yaml(table.spec or {}), table.where)
        csv: CsvText = plan.csvs[Path(spec.data)].csv
        try:
            table.built = build_table(csv, spec, catalog)
        except (UserError, ValueError) as err:
            table.verdict = f"the migrated table fails: {err}"
    if not check.pandas_available():
        for table in checked:
            table.verdict = table.verdict or "not checked: pandas is not installed"
        return
    jobs = [check.CheckJob(t.block.body, t.page.resolve(), t.block.body_start) for t in checked]
    results = check.run_pandas(jobs, options.time_limit_s)
    for table, result in zip(checked, results, strict=True):
        if table.built is not None:
            table.verdict = check.verdict(result, table.built)
        left_out = [row for row in table.malformed if not row.kept]
        if not check.passed(table.verdict) and left_out:
            rows = ", ".join(f"{row.path}:{row.line}" for row in left_out)
            table.verdict += (f" ({len(left_out)} malformed row(s) left out: {rows}; "
                              f"--keep-malformed keeps what pandas kept)")


# ------------------------------------------------------------------------ writes

def _plan_writes(options: Options, plan: Plan) -> None:
    for rel, migrated in sorted(plan.csvs.items()):
        text, summary = data.merged_csv_text(options.data_dir / rel, migrated.csv)
        plan.summary.append(f"{rel}: {summary}")
        plan.summary += [f"  {note}" for note in migrated.notes]
        if text is not None:
            plan.writes[options.data_dir / rel] = text
    text, changes = data.merged_prices_text(options.data_dir / "prices.yaml", plan.prices)
    plan.summary += [f"prices.yaml: {change}" for change in changes]
    if text is not None:
        plan.writes[options.data_dir / "prices.yaml"] = text
    text, changes, refused = data.merged_families_text(options.data_dir / "families.yaml",
                                                       plan.families)
    plan.summary += [f"families.yaml: {change}" for change in changes]
    plan.notes += [f"family {name} ({platform}): its tab-set keeps per-table specs: {why}"
                   for (name, platform), why in refused.items()]
    if text is not None:
        plan.writes[options.data_dir / "families.yaml"] = text
    for page in plan.page_plans:
        families = {name: found for name, found in page.families.items()
                    if (name, page.platform or "") not in refused}
        plan.pages[page.target] = _rewritten(page.lines, page.tables, families, page.platform)
    for path, page_text in plan.pages.items():
        if path.exists() and path.read_text(encoding="utf-8") != page_text:
            raise data.MergeConflict(f"{path}: exists and differs from the migrated page; "
                                     f"move it away first")
        plan.writes[path] = page_text


def report(plan: Plan) -> list[str]:
    """The lines ``collect migrate`` prints; the last is :func:`summary_line`."""
    translated = [t for t in plan.tables if t.spec is not None]
    lines = [f"{len(translated)} of {len(plan.tables)} tables translated"]
    for table in plan.tables:
        if table.problem:
            lines.append(f"{table.problem} ({KEPT_AS_CODE})")
        else:
            lines.append(f"{table.where}: {table.verdict or 'translated (not checked)'}")
    lines += [str(row) for rows in plan.malformed.values() for row in rows]
    lines += plan.notes + plan.summary
    lines.append(f"wrote {len(plan.writes)} files")
    lines.append(summary_line(plan))
    return lines


_ORDER = (check.SAME, check.SAME_NATURAL, "translated", "different", "fails under pandas",
          "not checked", KEPT_AS_CODE)


_SHOWN_KIND = {check.SAME_NATURAL: "same rows in natural order"}


def summary_line(plan: Plan) -> str:
    """One line for the whole source (a release): how many tables show what pandas showed."""
    counts = dict.fromkeys(_ORDER, 0)
    for table in plan.tables:
        counts[_verdict_kind(table)] += 1
    passed = sum(1 for table in plan.tables if table.passed)
    rows = [row for rows in plan.malformed.values() for row in rows]
    kept = sum(1 for row in rows if row.kept)
    parts = ", ".join(f"{count} {_SHOWN_KIND.get(kind, kind)}" for kind, count in counts.items()
                      if count)
    malformed = f"; malformed rows: {len(rows) - kept} left out, {kept} kept" if rows else ""
    what = "as pandas showed them" if plan.checked else "translated (not checked)"
    return (f"summary {plan.label}: {passed} of {len(plan.tables)} tables {what}"
            f"{f' ({parts})' if parts else ''}{malformed}")


def _verdict_kind(table: Table) -> str:
    if table.problem:
        return KEPT_AS_CODE
    verdict = table.verdict
    if verdict is None:
        return "translated"
    if verdict == check.SAME:
        return verdict
    if verdict.startswith(check.SAME_NATURAL):
        return check.SAME_NATURAL
    if verdict.startswith("fails under pandas"):
        return "fails under pandas"
    if verdict.startswith("not checked"):
        return "not checked"
    return "different"


def exit_status(plan: Plan) -> int:
    """0 when every table is shown as pandas showed it (with --no-check: translated), else 3."""
    return 0 if all(table.passed for table in plan.tables) else 3
