"""Text shown literally in generated reST (run reports, model cards). No Sphinx import."""

from __future__ import annotations

import string
from typing import Any

_SPECIAL = frozenset(string.punctuation)


def rst_escape(text: Any) -> str:
    """Text shown literally in reST: punctuation backslash-escaped, whitespace flattened."""
    flat = " ".join(str(text).split())
    return "".join("\\" + char if char in _SPECIAL else char for char in flat)
