"""Release comparison: what changed in throughput, latency and cost between two runs.

``collect diff`` and the ``perf-diff`` / ``perf-release-changes`` directives build on this
package (no Sphinx import); they use only the names below. By concern:

- :mod:`perfcore.diff.keys`: what rows are matched by (the schema's comparison key, one
  normaliser, labels);
- :mod:`perfcore.diff.snapshots`: reading one side (results JSONL, a CSV folder,
  ``git:<rev>[:<path>]`` through :mod:`perfcore.diff.revision`);
- :mod:`perfcore.diff.noise`: Welch's t-test and which sample it compares;
- :mod:`perfcore.diff.compare`: matching rows and judging each metric's change;
- :mod:`perfcore.diff.report`: the terminal text, the ``collect-diff/1`` JSON, the tables.
"""

from perfcore.diff.compare import (
    DEFAULT_ALPHA,
    DEFAULT_THRESHOLD,
    DiffResult,
    MetricChange,
    RowDiff,
    compare,
)
from perfcore.diff.keys import KEY_FIELDS, KEY_LABELS, format_key, normalise_key
from perfcore.diff.noise import NOISE_UNKNOWN, regularized_incomplete_beta, welch_t_test
from perfcore.diff.report import (
    change_rows,
    format_text,
    price_statement,
    result_table,
    summary_line,
    tests_used,
    to_json,
)
from perfcore.diff.snapshots import (
    DiffError,
    Snapshot,
    load_snapshot,
    read_csv_snapshot,
    read_results_jsonl,
)

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_THRESHOLD",
    "KEY_FIELDS",
    "KEY_LABELS",
    "NOISE_UNKNOWN",
    "DiffError",
    "DiffResult",
    "MetricChange",
    "RowDiff",
    "Snapshot",
    "change_rows",
    "compare",
    "format_key",
    "format_text",
    "load_snapshot",
    "normalise_key",
    "price_statement",
    "read_csv_snapshot",
    "read_results_jsonl",
    "regularized_incomplete_beta",
    "result_table",
    "summary_line",
    "tests_used",
    "to_json",
    "welch_t_test",
]
