"""A real Sphinx build of migrated pages: strict (-W), without importing pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Migrate

REPO = Path(__file__).resolve().parents[2]


def test_migrated_site_builds_without_pandas(legacy: Path, migrate: Migrate,
                                             tmp_path: Path) -> None:
    page = legacy / "inf2" / "legacy-inf2.rst"
    text = page.read_text(encoding="utf-8")
    page.write_text(text[:text.index("Bodies it must refuse")], encoding="utf-8")
    for path in (legacy / "trn1").iterdir():  # its bodies fail under pandas too
        path.unlink()
    (legacy / "trn1").rmdir()
    status, out, _ = migrate(legacy, "--no-check")
    assert status == 0 and out.startswith("4 of 4 tables translated")
    docs = tmp_path / "docs"
    (docs / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        f"extensions = ['ext', 'sphinx_design']\n"
        f"df_table_data_dir = {str(tmp_path / 'data')!r}\n"
        "df_table_price_max_age_days = 0\nsmartquotes = False\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sphinx", "-W", "--keep-going", "-q",
         "-b", "html", str(docs), str(tmp_path / "html")],
        capture_output=True, text=True, cwd=REPO, check=False)
    warnings = [line for line in done.stderr.splitlines() if not line.startswith("import time")]
    assert done.returncode == 0, warnings
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time")}
    assert "pandas" not in imported
    html = (tmp_path / "html" / "inf2" / "legacy-inf2.html").read_text(encoding="utf-8")
    assert "$11.574" in html and "$7.908" in html  # beta-base on widget.small / widget.large
    assert html.index("$7.908") < html.index("$11.574")  # by value, not by text
    assert "Cost per 1M images" in html and "$1.48" in html
