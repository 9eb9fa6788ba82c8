"""``collect migrate``: pages with pandas ``df-table`` bodies -> declarative pages and DATA.

Plans everything first (translations, merged CSVs, prices, families, rewritten pages) and
writes only when every file merges cleanly, each file atomically.
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
from perfcore.columns import published_name
from perfcore.csvfile import CsvText, read_csv_text
from perfcore.errors import UserError
from perfcore.families import VARIANTS
from perfcore.prices import InstancePrices, Price, PriceCatalog
from perfcore.tabledata import BuiltTable, build_table
from perfcore.tablespec import parse_spec

_PUBLISHED_CSV = re.compile(r"^(throughput|latency)_data_[A-Za-z0-9_-]+\.csv$")
_VARIANT_OF_LABEL = {label.lower(): variant for variant, label in VARIANTS.items()}
_TITLE_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")


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

    @property
    def where(self) -> str:
        return f"{self.rel}:{self.block.body_line}"


@dataclass
class Plan:
    tables: list[Table] = field(default_factory=list)
    csvs: dict[Path, data.MigratedCsv] = field(default_factory=dict)
    prices: list[data.PriceEntry] = field(default_factory=list)
    families: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    pages: dict[Path, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    writes: dict[Path, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)


def migrate(options: Options) -> Plan:
    """Plan, self-check, merge and write; returns the plan with its report lines."""
    if not options.src.is_dir():
        raise UserError(f"{options.src}: not a directory")
    plan = Plan()
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
    plan.pages[options.docs_dir / rel] = _rewritten(lines, tables, families, platform)
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
    try:
        source_csv = read_csv_text(page_dir / translation.frame.data,
                                   str(table.rel.parent / translation.frame.data))
    except UserError as err:
        table.problem = f"{table.where}: {err}"
        return
    target = Path(platform) / Path(translation.frame.data).name
    plan.csvs[target] = data.migrated_csv(source_csv, _source(options, page_dir,
                                                              translation.frame.data))
    table.translation = translation
    table.spec = _published_spec(translation.spec(target.as_posix()))
    if translation.frame.prices:
        _plan_prices(options, plan, table, translation, read)


def _source(options: Options, page_dir: Path, name: str) -> str:
    rel = (page_dir / name).relative_to(options.src).as_posix()
    label = options.source_label or options.src.as_posix()
    return f"{label}/{rel}"


def _published_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Every column the spec names under its published name."""
    def rename(value: Any) -> Any:
        if isinstance(value, list):
            return [rename(item) for item in value]
        if isinstance(value, str):
            sign = "-" if value.startswith("-") else ""
            return sign + published_name(value[len(sign):])
        return value

    renamed = dict(spec)
    for key in ("throughput", "instance", "columns", "sort"):
        if key in renamed:
            renamed[key] = rename(renamed[key])
    if "formats" in renamed:
        renamed["formats"] = {published_name(k): v for k, v in renamed["formats"].items()}
    if "top" in renamed:
        renamed["top"] = {"n": renamed["top"]["n"], "per": rename(renamed["top"]["per"])}
    if "filter" in renamed:
        renamed["filter"] = [_rename_filter(text) for text in renamed["filter"]]
    return renamed


def _rename_filter(text: str) -> str:
    column, rest = re.split(r"\s+(?===|!=|<=|>=|<|>)", text, maxsplit=1)
    return f"{published_name(column)} {rest}"


def _plan_prices(options: Options, plan: Plan, table: Table, translation: Translation,
                 read: date | None) -> None:
    name = translation.frame.prices or ""
    path = table.page.parent / name
    prices = read_csv_text(path, str(table.rel.parent / name))
    instance = translation.frame.instance or "Inst. Type"
    if instance not in prices.columns:
        table.problem = f"{table.where}: the price CSV {prices.path} has no column {instance!r}"
        return
    if translation.rate_column not in prices.columns:
        plan.notes.append(f"{table.where}: the price CSV {prices.path} has no column "
                          f"{translation.rate_column!r} (the body fails under pandas too)")
    if read is None:
        raise UserError(f"{table.rel}: no 'Last update' line to date its prices; "
                        f"give --price-date YYYY-MM-DD")
    rates = {column: model for column in prices.columns
             if column != instance and (model := pricing_model(column))}
    source = f"{options.source_label or options.src.as_posix()}/{table.rel.as_posix()} " \
             f"(price CSV {name})"
    entries = data.price_entries(prices, instance, rates, read, options.region, source)
    plan.prices += [entry for entry in entries if entry not in plan.prices]


def _plan_unreferenced_csvs(options: Options, plan: Plan) -> None:
    """Published-style CSVs no page reads (families the pages do not show yet)."""
    for path in sorted(options.src.glob("*/*.csv")):
        target = Path(path.parent.name) / path.name
        if target in plan.csvs or not _PUBLISHED_CSV.match(path.name):
            continue
        csv = read_csv_text(path, path.relative_to(options.src).as_posix())
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
    for label, item in tab_set.items:
        variant = _VARIANT_OF_LABEL.get(label.strip().lower())
        inside = [t for t in tables if item.start < t.block.start < item.end]
        if variant is None or len(inside) != 1 or inside[0].spec is None:
            return None
        spec = dict(inside[0].spec)
        match = re.fullmatch(rf"[^/]+/{variant}_data_(?P<family>[A-Za-z0-9_-]+)\.csv",
                             str(spec.pop("data")))
        if not match:
            return None
        names.add(match["family"])
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
        plan.notes.append("self-check skipped: pandas is not installed")
        return
    jobs = [check.CheckJob(t.block.body, t.page.resolve(), t.block.body_start) for t in checked]
    results = check.run_pandas(jobs, options.time_limit_s)
    for table, result in zip(checked, results, strict=True):
        if table.built is not None:
            table.verdict = check.verdict(result, table.built)


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
    text, changes = data.merged_families_text(options.data_dir / "families.yaml",
                                              plan.families)
    plan.summary += [f"families.yaml: {change}" for change in changes]
    if text is not None:
        plan.writes[options.data_dir / "families.yaml"] = text
    for path, page in plan.pages.items():
        if path.exists() and path.read_text(encoding="utf-8") != page:
            raise data.MergeConflict(f"{path}: exists and differs from the migrated page; "
                                     f"move it away first")
        plan.writes[path] = page


def report(plan: Plan) -> list[str]:
    """The lines ``collect migrate`` prints."""
    translated = [t for t in plan.tables if t.spec is not None]
    lines = [f"{len(translated)} of {len(plan.tables)} tables translated"]
    for table in plan.tables:
        if table.problem:
            lines.append(f"{table.problem} (kept as code)")
        else:
            lines.append(f"{table.where}: {table.verdict or 'translated (not checked)'}")
    lines += plan.notes + plan.summary
    lines.append(f"wrote {len(plan.writes)} files")
    return lines

