"""The compatibility runner on its own (no Sphinx): paths, text fidelity, sorting, errors."""

from __future__ import annotations

import os

from ext.compat import run_table_code

CSV = "Model,Version,Cost\nresnet101,2.20,$10.000\nUNet,2.19,n/a\nresnet18,2.20,$9.500\n"


def run(tmp_path, body: str):
    (tmp_path / "page").mkdir(exist_ok=True)
    (tmp_path / "page" / "t.csv").write_text(CSV)
    return run_table_code(body, tmp_path / "page", "page.rst", 10, lambda path: path.name)


def texts(result) -> list[list[str]]:
    return [[cell.text for cell in row] for row in result.table.rows]


def test_paths_resolve_from_the_page_folder_without_chdir(tmp_path):
    cwd = os.getcwd()
    result = run(tmp_path, "df = pd.read_csv('t.csv')")
    assert os.getcwd() == cwd
    assert result.error is None
    assert result.files_read == [tmp_path / "page" / "t.csv"]
    assert texts(result) == [["resnet101", "2.20", "$10.000"], ["UNet", "2.19", "n/a"],
                             ["resnet18", "2.20", "$9.500"]]


def test_sort_values_orders_by_value_with_blanks_last(tmp_path):
    up = run(tmp_path, "df = pd.read_csv('t.csv').sort_values('Model')")
    assert [row[0] for row in texts(up)] == ["resnet18", "resnet101", "UNet"]
    down = run(tmp_path, "df = pd.read_csv('t.csv').sort_values('Cost', ascending=False)")
    assert [row[2] for row in texts(down)] == ["$10.000", "$9.500", "n/a"]


def test_errors_name_the_page_line(tmp_path):
    result = run(tmp_path, "df = pd.read_csv('t.csv')\n\ndf = df['Nope']")
    assert (result.error, result.error_line) == ("the table code raised KeyError: 'Nope'", 13)
