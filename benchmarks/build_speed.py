"""Clean-build time of N df-tables versus the same tables as plain csv-table.

Builds two throw-away sites in a temporary folder:

* ``df``: N pages, each a declarative ``df-table`` (price join, cost, sort, formats)
  over its own CSV;
* ``csv``: the same N pages as ``csv-table`` directives over CSVs holding exactly the
  cells the df-table shows (precomputed with the extension's own table logic).

Each run is a fresh ``sphinx-build`` process into an empty output folder (so import
time counts, as in ``make html``); runs alternate df, csv, df, csv, ... and the
script prints both medians and their ratio, for wall time and for CPU time (user +
system of the build process; steadier on a shared machine), and the ratio of the fastest
runs (the least disturbed by other work). Target: ratio <= 1.15.

Python's bytecode is cached for the builds (in the temporary folder; the warm-up builds
fill it), as on any machine that keeps ``__pycache__``: Sphinx's modules were compiled when
pip installed them, so without a cache only the project's own modules (``ext``,
``perfcore``) would be compiled from source in every build, a cost of the environment
(``PYTHONDONTWRITEBYTECODE``) and not of the tables. ``--no-bytecode-cache`` measures that
way instead (the environment as it is). ``--profile FILE`` writes a cProfile of one more
df-table build (``python -m pstats FILE``) and prints its costliest project functions.

The CSV rows are synthetic benchmark inputs written to the temporary folder only.

    .venv/bin/python benchmarks/build_speed.py --tables 40 --repeats 5

``--migrated SRC_DIR`` (e.g. ``../shared/neuron-pages/current``) measures the pages
``collect migrate`` makes instead: SRC_DIR is migrated into the temporary folder (no
self-check), each page becomes a page of just its tables (``perf-family`` tab-sets and
declarative ``df-table`` specs, as migrated), and the twin site shows the same cells as
``csv-table`` directives in the same tab-sets. The published cells carry roles and
references of their old site (``:ref:``, ``:benchmark-pt:``), which warn on both sites
alike, so these builds are not strict (-W). Target: ratio <= 1.10.
"""

from __future__ import annotations

import argparse
import csv
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from perfcore.csvfile import read_csv_text  # noqa: E402
from perfcore.prices import load_price_catalog  # noqa: E402
from perfcore.tabledata import build_table  # noqa: E402
from perfcore.tablespec import parse_spec  # noqa: E402

COLUMNS = ["Model", "Scripts", "Framework", "Inst. Type", "Task", "Throughput (inference/sec)",
           "Latency P50 (ms)", "Latency P99 (ms)", "Application Type", "Neuron Version",
           "Run Mode", "Batch Size", "Sequence Length", "Model Data Type",
           "Compilation Autocast Data Type", "OS Type"]
SHOWN = [*COLUMNS[:8], "Cost per 1M inferences", *COLUMNS[8:]]
INSTANCES = ["inf2.xlarge", "Inf2.8xlarge", "inf2.24xlarge", "inf2.48xlarge"]
PRICES = """\
schema_version: 1
currency: USD
instances:
""" + "".join(
    f"  {name.lower()}:\n    region: us-east-1\n    prices:\n"
    f"      ri-effective: {{rate: {rate}, read: 2025-05-20, source: benchmark input}}\n"
    for name, rate in zip(INSTANCES, [0.328, 0.85, 2.804, 5.608], strict=True))


def spec_text(table: int) -> str:
    return (f"data: t{table}.csv\npricing: ri-effective\n"
            f"throughput: Throughput (inference/sec)\ncolumns: [{', '.join(SHOWN)}]\n"
            f"sort: [Model, Cost per 1M inferences]\n"
            f"formats: {{Latency P50 (ms): sig3, Latency P99 (ms): sig3}}\n")


def synthetic_rows(table: int, rows: int) -> list[list[str]]:
    out = []
    for row in range(rows):
        batch = 1 + (row * 7 + table) % 16
        out.append([f"model-{(row * 5 + table) % 11}", "script", "PyTorch 2.7",
                    INSTANCES[row % len(INSTANCES)], "Classification",
                    f"{100 + (row * 37 + table * 13) % 5000}.{row % 10}5",
                    f"{1 + row % 9}.{row % 7}2", f"{2 + row % 9}.{row % 5}4",
                    "Batch" if batch > 1 else "Real Time", "2.20", "Data Parallel",
                    str(batch), "128", "FP32", "bf16" if row % 2 else "None", "U22"])
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make_sites(root: Path, tables: int, rows: int, theme: str) -> tuple[Path, Path]:
    df_site, csv_site = root / "df", root / "csv"
    for site in (df_site, csv_site):
        (site / "data").mkdir(parents=True)
    (df_site / "data" / "prices.yaml").write_text(PRICES, encoding="utf-8")
    catalog = load_price_catalog(df_site / "data" / "prices.yaml")
    common = f"html_theme = {theme!r}\nexclude_patterns = ['_build', 'data']\n"
    (df_site / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        f"extensions = ['ext', 'sphinx_design']\ndf_table_data_dir = 'data'\n"
        # the price-age check runs, but the benchmark's fixed read date is not an error
        "df_table_price_max_age_days = 36500\n" + common)
    (csv_site / "conf.py").write_text("extensions = ['sphinx_design']\n" + common)
    toc = "".join(f"   page{table}\n" for table in range(tables))
    for site in (df_site, csv_site):
        (site / "index.rst").write_text(f"Benchmark\n=========\n\n.. toctree::\n\n{toc}")
    for table in range(tables):
        source = df_site / "data" / f"t{table}.csv"
        write_csv(source, COLUMNS, synthetic_rows(table, rows))
        spec = spec_text(table)
        built = build_table(read_csv_text(source), parse_spec(spec), catalog)
        write_csv(csv_site / "data" / f"t{table}.csv", list(built.columns),
                  [[cell.text for cell in row] for row in built.rows])
        title = f"Page {table}\n{'=' * len(f'Page {table}')}\n\n"
        body = "".join(f"   {line}\n" for line in spec.splitlines())
        (df_site / f"page{table}.rst").write_text(f"{title}.. df-table::\n\n{body}")
        (csv_site / f"page{table}.rst").write_text(
            f"{title}.. csv-table::\n   :file: data/t{table}.csv\n   :header-rows: 1\n")
    return df_site, csv_site


def make_migrated_sites(root: Path, src: Path, theme: str) -> tuple[Path, Path]:
    """The tables of ``collect migrate``'s pages, and their csv-table twins."""
    from collect.migrate.pages import blocks, tables
    from collect.migrate.run import Options, migrate
    from perfcore.families import VARIANTS, family_csv, load_families

    df_site, csv_site = root / "df", root / "csv"
    plan = migrate(Options(src=src, data_dir=df_site / "data", docs_dir=root / "migrated",
                           check=False, source_label="benchmark"))
    catalog = load_price_catalog(df_site / "data" / "prices.yaml")
    families = load_families(df_site / "data" / "families.yaml")
    (csv_site / "data").mkdir(parents=True)
    common = f"html_theme = {theme!r}\nexclude_patterns = ['_build', 'data']\n"
    (df_site / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        f"extensions = ['ext', 'sphinx_design']\ndf_table_data_dir = 'data'\n"
        "df_table_price_max_age_days = 0\n" + common)
    (csv_site / "conf.py").write_text("extensions = ['sphinx_design']\n" + common)
    names = []
    for number, (path, text) in enumerate(sorted(plan.pages.items())):
        lines = text.split("\n")
        df_page, csv_page = [], []
        for block in sorted(blocks(lines, "perf-family") + tables(lines), key=lambda b: b.start):
            df_page += [line[block.indent:] for line in lines[block.start:block.end]] + [""]
            if block.name == "perf-family":
                platform = lines[block.start + 1].split(":platform:")[1].strip()
                spec = families.get(block.argument, platform)
                csv_page += [".. tab-set::", ""]
                for variant, label in VARIANTS.items():
                    data = family_csv(platform, block.argument, variant)
                    csv_page += [f"   .. tab-item:: {label}", ""] + [
                        f"      {line}" for line in _csv_twin(
                            df_site, csv_site, spec.with_data(data), catalog)] + [""]
            else:
                spec = parse_spec(block.body)  # type: ignore[attr-defined]
                csv_page += [*_csv_twin(df_site, csv_site, spec, catalog), ""]
        if not csv_page:
            continue
        name = f"page{number}"
        names.append(name)
        title = f"{path.stem}\n{'=' * len(path.stem)}\n\n"
        (df_site / f"{name}.rst").write_text(title + "\n".join(df_page))
        (csv_site / f"{name}.rst").write_text(title + "\n".join(csv_page))
    toc = "".join(f"   {name}\n" for name in names)
    for site in (df_site, csv_site):
        (site / "index.rst").write_text(f"Benchmark\n=========\n\n.. toctree::\n\n{toc}")
    return df_site, csv_site


def _csv_twin(df_site: Path, csv_site: Path, spec, catalog) -> list[str]:
    source = df_site / "data" / spec.data
    built = build_table(read_csv_text(source), spec, catalog)
    target = csv_site / "data" / spec.data
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(target, list(built.columns), [[cell.text for cell in row] for row in built.rows])
    return [".. csv-table::", f"   :file: data/{spec.data}", "   :header-rows: 1"]


def build_environment(bytecode: Path | None) -> dict[str, str]:
    """The builds' environment; with ``bytecode``, compiled modules are written and reused
    there (every module's, Sphinx's too, so both sites start alike)."""
    env = dict(os.environ)
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def build_seconds(site: Path, env: dict[str, str], strict: bool = True,
                  profile: Path | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the build process) of a clean build."""
    out = site / "_build"
    shutil.rmtree(out, ignore_errors=True)
    profiler = ["-m", "cProfile", "-o", str(profile)] if profile else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, *profiler, "-m", "sphinx", "-q",
                    *(["-W"] if strict else []), "-b", "html", str(site), str(out / "html")],
                   check=True, env=env, stderr=None if strict else subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def extension_import_cost(env: dict[str, str]) -> str:
    """CPU seconds of ``import ext`` beyond Sphinx itself, and whether it pulls in pandas."""
    code = ("import sys, time; import sphinx.application, sphinx_design; "
            "t = time.process_time(); import ext; "
            "print(f'{time.process_time() - t:.3f}', 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True, env=env).stdout.split()
    return f"{out[0]} s CPU (pandas imported: {out[1]})"


def print_profile(path: Path, top: int = 25) -> None:
    """The project's functions by cumulative time in a build's cProfile."""
    stats = pstats.Stats(str(path))
    packages = ("ext", "perfcore", "pandas_compat")
    rows = sorted(((cumulative, calls, f"{Path(file).relative_to(REPO)}:{line}({name})")
                   for (file, line, name), (_, calls, _, cumulative, _) in stats.stats.items()
                   if Path(file).is_relative_to(REPO)
                   and Path(file).relative_to(REPO).parts[0] in packages), reverse=True)
    print(f"profile of one df-table build ({stats.total_tt:.2f} s under cProfile) in {path}; "
          "project functions by cumulative time:")
    for cumulative, calls, where in rows[:top]:
        print(f"  {cumulative:7.3f} s {calls:7d} calls  {where}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=40, help="pages, one table each")
    parser.add_argument("--rows", type=int, default=20, help="rows per table")
    parser.add_argument("--repeats", type=int, default=5, help="clean builds of each site")
    parser.add_argument("--theme", default="furo", help="html_theme of both sites")
    parser.add_argument("--migrated", type=Path, metavar="SRC_DIR",
                        help="measure the pages collect migrate makes of SRC_DIR instead")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="build in the environment as it is (with PYTHONDONTWRITEBYTECODE "
                             "set, the project's modules are compiled in every build)")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="also write a cProfile of one df-table build to FILE")
    args = parser.parse_args(argv)
    strict = args.migrated is None
    target = 1.15 if strict else 1.10
    with tempfile.TemporaryDirectory() as tmp:
        if strict:
            df_site, csv_site = make_sites(Path(tmp), args.tables, args.rows, args.theme)
            what = f"{args.tables} tables x {args.rows} rows"
        else:
            df_site, csv_site = make_migrated_sites(Path(tmp), args.migrated, args.theme)
            what = f"the migrated pages of {args.migrated} (not strict)"
        env = build_environment(None if args.no_bytecode_cache else Path(tmp, "bytecode"))
        for site in (df_site, csv_site):  # warm the file cache (and fill the bytecode cache)
            build_seconds(site, env, strict)
        df_runs, csv_runs = [], []
        for _ in range(args.repeats):
            df_runs.append(build_seconds(df_site, env, strict))
            csv_runs.append(build_seconds(csv_site, env, strict))
        if args.profile:
            build_seconds(df_site, env, strict, profile=args.profile.resolve())
        import_cost = extension_import_cost(env)
    bytecode = "not cached (as the environment has it)" if args.no_bytecode_cache else "cached"
    print(f"{what}, theme {args.theme}, {args.repeats} alternating clean builds each "
          f"(fresh sphinx-build processes; Python bytecode {bytecode})")
    for measure, index in (("wall", 0), ("cpu", 1)):
        df_median = statistics.median(run[index] for run in df_runs)
        csv_median = statistics.median(run[index] for run in csv_runs)
        for name, median, runs in (("df-table ", df_median, df_runs),
                                   ("csv-table", csv_median, csv_runs)):
            listed = ", ".join(f"{run[index]:.2f}" for run in runs)
            print(f"{measure:4} {name} median {median:.3f} s  (runs: {listed})")
        print(f"{measure:4} ratio df-table / csv-table: {df_median / csv_median:.3f} "
              f"(target <= {target}); fastest runs: "
              f"{min(r[index] for r in df_runs) / min(r[index] for r in csv_runs):.3f}")
    print(f"import ext: {import_cost} (a fixed cost of the df-table site; it weighs on "
          "small N)")
    if args.profile:
        print_profile(args.profile.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
