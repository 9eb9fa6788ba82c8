"""The site's compatibility form: pandas ``df-table`` bodies (only with ``df_table_allow_code``).

The runner lives in :mod:`pandas_compat.runner` (shared with ``collect migrate``'s
self-check); the site imports it from here, and only on sites that opt in.
"""

from __future__ import annotations

from pandas_compat.runner import CodeResult, run_table_code

__all__ = ["CodeResult", "run_table_code"]
