"""Every state of the published CSV history, on legacy pages written in the style of its era
(``history.py``): ``collect migrate`` shows every table pandas computes with the same headers
and rows, and its exit status says so.

Runs where ``shared/neuron-pages/releases`` is next to the checkout (or NEURON_RELEASES
names it); the snapshots are not part of the repository.
"""

from __future__ import annotations

import html.parser
import subprocess
import sys
from pathlib import Path

import pytest
from history import RELEASES, State, states, write_site

from collect.cli import main
from collect.migrate.check import pandas_available
from collect.migrate.run import Options, exit_status, migrate, summary_line

REPO = Path(__file__).resolve().parents[2]
STATES = states(RELEASES) if RELEASES is not None else []
MALFORMED_STATE = "2024-12-20_sdk-2.21.0_752349fd"  # Trn1 latency: a row of 15 of 16 fields
MALFORMED_TABLE = "trn1/trn1-performance.rst:64"

pytestmark = [
    pytest.mark.skipif(RELEASES is None, reason="shared/neuron-pages/releases not present"),
    pytest.mark.skipif(not pandas_available(), reason="the reference is pandas"),
]


def test_every_state_is_listed() -> None:
    assert len(STATES) == 45 and STATES[0].release == "2.3.0" and STATES[-1].release == "2.28.0"
    assert any(state.folder == MALFORMED_STATE for state in STATES)


@pytest.mark.parametrize("state", STATES, ids=[state.folder for state in STATES])
def test_every_table_of_the_state_is_shown_as_pandas_showed_it(state: State,
                                                               tmp_path: Path) -> None:
    assert RELEASES is not None
    write_site(RELEASES, state, tmp_path / "legacy")
    plan = migrate(Options(src=tmp_path / "legacy", data_dir=tmp_path / "data",
                           docs_dir=tmp_path / "docs", source_label=state.folder))
    failing = {table.where: table.verdict or table.problem for table in plan.tables
               if not table.passed}
    if state.folder == MALFORMED_STATE:  # left out by default: that table differs, and says why
        assert list(failing) == [MALFORMED_TABLE]
        assert "1 malformed row(s) left out: trn1/latency_data_encoder.csv:2" in \
            failing[MALFORMED_TABLE]
        assert exit_status(plan) == 3
        assert summary_line(plan).endswith("; malformed rows: 1 left out, 0 kept")
    else:
        assert failing == {}
        assert exit_status(plan) == 0
        assert summary_line(plan) == (
            f"summary {state.folder}: {len(plan.tables)} of {len(plan.tables)} tables as "
            f"pandas showed them ({_kinds(plan)})")
    assert plan.tables and all(table.spec is not None for table in plan.tables)


def _kinds(plan) -> str:
    same = sum(1 for table in plan.tables if table.verdict == "same rows")
    natural = len(plan.tables) - same
    return ", ".join(part for part in (f"{same} same rows" if same else "",
                                       f"{natural} same rows in natural order" if natural
                                       else "") if part)


def test_the_malformed_state_with_keep_malformed_exits_0(tmp_path: Path, capsys) -> None:
    assert RELEASES is not None
    state = next(state for state in STATES if state.folder == MALFORMED_STATE)
    write_site(RELEASES, state, tmp_path / "legacy")
    common = [str(tmp_path / "legacy"), "--source-label", state.folder]
    assert main(["migrate", *common, "--data-dir", str(tmp_path / "d1"),
                 "--docs-dir", str(tmp_path / "p1")]) == 3
    first = capsys.readouterr().out.splitlines()
    assert main(["migrate", *common, "--data-dir", str(tmp_path / "d2"),
                 "--docs-dir", str(tmp_path / "p2"), "--keep-malformed"]) == 0
    second = capsys.readouterr().out.splitlines()
    assert ("trn1/latency_data_encoder.csv:2: expected 16 fields as in the header, found 15; "
            "left out (--keep-malformed keeps it as pandas read it)") in first
    assert ("trn1/latency_data_encoder.csv:2: expected 16 fields as in the header, found 15; "
            "kept as pandas read it (its last 1 cell(s) blank, so its later cells may sit in "
            "the wrong column)") in second
    assert f"{MALFORMED_TABLE}: same rows" in second
    assert second[-1].endswith("26 of 26 tables as pandas showed them (16 same rows, 10 same "
                               "rows in natural order); malformed rows: 0 left out, 1 kept")
    # pandas read the P99 column as text (the row has 'Real Time' there): shown as written
    assert any("'Latency P99 (ms)' shown as written: trn1/latency_data_encoder.csv:2 has "
               "'Real Time'" in line for line in second)


class _Tables(html.parser.HTMLParser):
    """The header and cell texts of every ``df-table`` of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and "df-table" in (dict(attrs).get("class") or ""):
            self.tables.append([])
            self._inside = True
        elif tag == "tr" and self._inside:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self._inside:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


CONF = """\
import sys
sys.path.insert(0, {repo!r})
from docutils import nodes
from docutils.parsers.rst import roles
extensions = ['ext', 'sphinx_design']
df_table_data_dir = {data!r}
df_table_price_max_age_days = 0
smartquotes = False
suppress_warnings = ['ref.ref']


def setup(app):
    for name in ('benchmark-pt', 'compile-pt', 'llama-sample'):  # the old site's roles
        roles.register_generic_role(name, nodes.literal)
"""


@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")  # the pages' own code
@pytest.mark.parametrize("folder", ["2022-12-13_sdk-2.6.0_7119ba39", MALFORMED_STATE])
def test_the_built_pages_show_the_tables_pandas_computes(folder: str, tmp_path: Path) -> None:
    """A real Sphinx build of the migrated pages (perf-family tab-sets included) against the
    original bodies run by pandas: the same headers, rows and cells (those without markup)."""
    from collect.migrate.pages import tables
    from pandas_compat.runner import run_table_code
    from perfcore.csvfile import KEEP

    assert RELEASES is not None
    state = next(state for state in STATES if state.folder == folder)
    pages = write_site(RELEASES, state, tmp_path / "legacy")
    plan = migrate(Options(src=tmp_path / "legacy", data_dir=tmp_path / "data",
                           docs_dir=tmp_path / "docs", source_label=folder, check=False,
                           keep_malformed=True))
    assert exit_status(plan) == 0
    docs = tmp_path / "docs"
    (docs / "conf.py").write_text(CONF.format(repo=str(REPO), data=str(tmp_path / "data")),
                                  encoding="utf-8")
    (docs / "index.rst").write_text("Legacy\n======\n\n.. toctree::\n   :glob:\n\n   */*\n",
                                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(docs),
                           str(tmp_path / "html")], capture_output=True, text=True, cwd=REPO,
                          check=False)
    assert done.returncode == 0, done.stderr
    compared = 0
    for page in pages:
        parser = _Tables()
        parser.feed((tmp_path / "html" / page.parent.name / f"{page.stem}.html")
                    .read_text(encoding="utf-8"))
        lines = page.read_text(encoding="utf-8").split("\n")
        originals = tables(lines)
        assert len(parser.tables) == len(originals), page
        for shown, block in zip(parser.tables, originals, strict=True):
            result = run_table_code(block.body, page.parent, str(page), block.body_start, str,
                                    timeout=0, malformed=KEEP)
            assert result.table is not None, result.error
            assert shown[0] == list(result.table.columns), (page, block.body_line)
            theirs = [[cell.text for cell in row] for row in result.table.rows]
            assert len(shown) - 1 == len(theirs), (page, block.body_line)
            for ours, row in zip(shown[1:], theirs, strict=True):
                for a, b in zip(ours, row, strict=True):
                    assert "`" in b or _same(a, b), (page, block.body_line, a, b)
            compared += 1
    assert compared == len(plan.tables)


def _same(shown: str, pandas: str) -> bool:
    if shown == pandas:
        return True
    try:
        return float(shown.replace("$", "").replace(",", "")) == \
            float(pandas.replace("$", "").replace(",", ""))
    except ValueError:
        return False
