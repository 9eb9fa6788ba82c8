"""Child process of the self-check: run original pandas bodies, print their cells as JSON.

Reads ``[{"body", "page", "first_line"}, ...]`` on stdin and writes one result per body:
``{"plain": {...}, "natural": {...}}``, each ``{"columns", "rows"}`` or ``{"error"}``.
Runs the bodies with the compatibility runner (:mod:`pandas_compat.runner`), the project's
one place that runs page code, once as plain pandas sorts and once in natural order, and
reading malformed rows as pandas did (the pages were published that way).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def run_one(body: str, page: str, first_line: int, natural: bool) -> dict[str, Any]:
    from pandas_compat.runner import run_table_code
    from perfcore.csvfile import KEEP

    # timeout=0: no per-body tracing (it slows pandas); the parent limits the whole child
    result = run_table_code(body, Path(page).parent, page, first_line, str, timeout=0,
                            natural_order=natural, malformed=KEEP)
    if result.error or result.table is None:
        line = f" (line {result.error_line})" if result.error_line else ""
        return {"error": f"{result.error}{line}"}
    return {"columns": list(result.table.columns),
            "rows": [[cell.text for cell in row] for row in result.table.rows]}


def main() -> int:
    jobs = json.load(sys.stdin)
    results = [{kind: run_one(job["body"], job["page"], job["first_line"], kind == "natural")
                for kind in ("plain", "natural")} for job in jobs]
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
