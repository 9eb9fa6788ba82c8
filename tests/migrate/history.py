"""Legacy pages for every state of the published CSV history, in the style of each era.

``shared/neuron-pages/releases/`` holds the CSVs as they stood after every change since 2022,
but not the pages that showed them. This module writes such pages for the tests: for each
state, one page per platform folder whose ``df-table`` bodies are pandas code of the kind the
old pages ran, built here from the CSV headers and these era rules (nothing is taken from the
published pages' text):

- the price column is whatever the platform's price CSV calls its rate (on-demand until
  2.20, then "RI-Effective hourly rate"), and each priced table shows a cost per 1M;
- before 2.10 (Inf1 and the first Trn1 tables) throughput and latency are rounded to whole
  numbers, the cost formula is written rate-first, and CV tables keep the two cheapest
  configurations per model; from 2.10 numbers are rounded to two decimals;
- tables whose CSV reports TTFT/TPOT (decoder tables, from 2.18) show every column, the
  price CSV's rate included, rather than a chosen list;
- the headers are the CSVs' own ("Avg Throughput (/sec)", ``Seq. Length``, ...), so the
  pages show what the CSVs called their columns then;
- a ``throughput_*``/``latency_*`` pair is a Throughput / Latency optimized tab-set; files
  without ``Inst. Type`` (training results) are shown with ``csv-table``.

Run it to see the migration of every state: ``python tests/migrate/history.py``.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from perfcore.csvfile import KEEP, read_csv_text

REPO = Path(__file__).resolve().parents[2]
CANDIDATES = [Path(os.environ["NEURON_RELEASES"])] if "NEURON_RELEASES" in os.environ else [
    folder / "shared" / "neuron-pages" / "releases" for folder in REPO.parents[:2]]
RELEASES = next((path for path in CANDIDATES if path.is_dir()), None)

THROUGHPUT = ("Avg Throughput (/sec)", "Throughput (/sec)", "Throughput (inference/second)",
              "Throughput (inference/sec)", "Throughput (tokens/second)",
              "Output Token Throughput (tokens/sec)")
TOKEN_LATENCY = ("TTFT Latency P50 (ms)", "TTFT Latency P99 (ms)", "TPOT Latency P50 (ms)",
                 "TPOT Latency P99 (ms)")
# The order a page lists its columns in; each table shows those its CSV has.
SHOWN = ("Model", "Image Size", "Scripts", "Tutorial", "Framework", "Inst. Type", "Task",
         "THROUGHPUT", "Latency P50 (ms)", "Latency P99 (ms)", "Latency per Token P50 (ms)",
         "Latency per Token P99 (ms)", "COST", "Application Type", "Neuron Version", "Run Mode",
         "TP Degree", "DP Degree", "Batch Size", "Seq. Length", "Sequence Length",
         "Input Length", "Output Length", "Model Data Type", "Compilation Autocast Data Type",
         "OS Type", "Model details")
LATENCIES = ("Latency P50 (ms)", "Latency P99 (ms)", "Latency per Token P50 (ms)",
             "Latency per Token P99 (ms)")


@dataclass(frozen=True)
class State:
    """One snapshot folder and the SDK release whose pages it belongs to."""

    folder: str
    day: date
    release: str  # the version of the last SDK folder at or before this one

    @property
    def version(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.release.split("."))


def states(root: Path) -> list[State]:
    """Every folder of ``releases.csv`` (oldest first), with the release it belongs to."""
    listed = read_csv_text(root / "releases.csv")
    found, release = [], None
    for row in listed.rows:
        record = dict(zip(listed.columns, row, strict=True))
        match = re.search(r"_sdk-(\d+(?:\.\d+)*)_", record["folder"])
        release = match[1] if match else release
        if release is not None:
            found.append(State(record["folder"], date.fromisoformat(record["date"]), release))
    return found


def write_site(root: Path, state: State, out: Path) -> list[Path]:
    """The state's CSVs and a page per platform folder under ``out``; returns the pages."""
    written = []
    for folder in sorted(path for path in (root / state.folder).iterdir() if path.is_dir()):
        target = out / folder.name
        target.mkdir(parents=True)
        for csv in folder.glob("*.csv"):
            shutil.copy2(csv, target / csv.name)
        page = target / f"{folder.name}-performance.rst"
        page.write_text(page_text(folder, state), encoding="utf-8")
        written.append(page)
    return written


def page_text(folder: Path, state: State) -> str:
    title = f"{folder.name.capitalize()} inference performance (Neuron {state.release})"
    lines = [title, "=" * len(title), "", f"*Last update: {state.day:%b} {state.day.day}, "
             f"{state.day.year}*", ""]
    prices = next((path.name for path in sorted(folder.glob("*prices.csv"))), None)
    names = sorted(path.name for path in folder.glob("*.csv") if path.name != prices)
    for name in names:
        if "latency" in name and name.replace("latency", "throughput") in names:
            continue  # the Latency optimized tab of its throughput table
        header = read_csv_text(folder / name, malformed=KEEP).columns
        if "Inst. Type" not in header or prices is None:
            lines += _section(_title(name)) + _csv_table(name)
            continue
        pair = name.replace("throughput", "latency")
        if "throughput" in name and pair in names:
            lines += [*_section(_title(name)), ".. tab-set::", ""]
            for label, member in (("Throughput optimized", name), ("Latency optimized", pair)):
                body = table_body(member, read_csv_text(folder / member, malformed=KEEP).columns,
                                  prices, _rate(folder / prices), state, folder.name)
                lines += [f"    .. tab-item:: {label}", "", *_df_table(body, 8), ""]
        else:
            body = table_body(name, header, prices, _rate(folder / prices), state, folder.name)
            lines += _section(_title(name)) + _df_table(body, 0) + [""]
    return "\n".join(lines) + "\n"


def table_body(name: str, header: tuple[str, ...], prices: str, rate: str, state: State,
               platform: str) -> list[str]:
    """The pandas body of one priced table, in the style of ``state``'s era."""
    throughput = next(column for column in THROUGHPUT if column in header)
    early = state.version < (2, 10)
    cost = f"Cost per 1M {'images' if 'Image Size' in header else 'inferences'}"
    merge = "df = pd.merge(df,df_prices,on='Inst. Type')"
    cv_only = platform == "inf1" and "Application" in header
    if cv_only:
        merge += ".query('`Application`==\"CV\"')"
    formula = (f"(df['{rate}'] * 1.0e6 / 3600 / df['{throughput}'])" if early else
               f"((1.0e6 / df['{throughput}']) * (df['{rate}'] / 3.6e3 ))")
    body = [f"df = pd.read_csv('{name}')", f"df_prices = pd.read_csv('{prices}')", merge,
            f"df['{cost}'] = {formula}.map('${{:,.3f}}'.format)"]
    sort = ["Model"] + (["Seq. Length"] if "Seq. Length" in header else []) + [cost]
    if any(column in header for column in TOKEN_LATENCY):  # every column, the rate included
        body.append(f"df = df.sort_values({sort!r})")
        rounded = [column for column in TOKEN_LATENCY if column in header]
    else:
        shown = [throughput if column == "THROUGHPUT" else cost if column == "COST" else column
                 for column in SHOWN]
        body.append(f"cols_to_show = {[c for c in shown if c in header or c == cost]!r}")
        top = ".groupby('Model').head(2)" if cv_only else ""
        body.append(f"df = df[cols_to_show].sort_values({sort!r}){top}")
        rounded = [column for column in LATENCIES if column in header]
    if early:
        for column in (throughput, *rounded):
            body.append(f"df['{column}'] = df['{column}'].round(0).astype('int')")
    else:
        body.append(f"df['{throughput}'] = df['{throughput}'].round(2).astype('float',"
                    f"copy=True)")
        body.append(f"int_cols = {rounded!r}")
        body.append("df[int_cols] = df[int_cols].round(2)")
    return body


def _rate(prices: Path) -> str:
    columns = read_csv_text(prices).columns
    return next(column for column in columns if column != "Inst. Type")


def _title(name: str) -> str:
    words = [word for word in name.removesuffix(".csv").split("_")
             if word not in ("throughput", "data", "optimized")]
    return " ".join(words).capitalize() + " models" if words else "Models"


def _section(title: str) -> list[str]:
    return [title, "-" * len(title), ""]


def _df_table(body: list[str], indent: int) -> list[str]:
    pad = " " * indent
    return [f"{pad}.. df-table::", f"{pad}   :header-rows: 1", "",
            *(f"{pad}   {line}" for line in body)]


def _csv_table(name: str) -> list[str]:
    return [".. csv-table::", f"   :file: {name}", "   :header-rows: 1", ""]


def main() -> int:
    """Migrate every state's pages and print each state's summary line."""
    import tempfile

    from collect.migrate.run import Options, migrate, summary_line

    if RELEASES is None:
        print("shared/neuron-pages/releases not found (set NEURON_RELEASES)")
        return 1
    for keep in (False, True):
        print(f"--keep-malformed: {keep}")
        for state in states(RELEASES):
            with tempfile.TemporaryDirectory() as tmp:
                write_site(RELEASES, state, Path(tmp) / "legacy")
                plan = migrate(Options(src=Path(tmp) / "legacy", data_dir=Path(tmp) / "data",
                                       docs_dir=Path(tmp) / "docs", source_label=state.folder,
                                       keep_malformed=keep))
                print(summary_line(plan))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
