"""Read a UTF-8 text file for a data reader (CSV, YAML catalogs). No Sphinx import.

A missing file, an unreadable one and bytes that are not UTF-8 are :class:`DataFileError`
naming the file, and for bad bytes the line and column they are on.
"""

from __future__ import annotations

from pathlib import Path

from perfcore.errors import DataFileError


def read_text(path: str | Path, shown: str, missing: str = "file not found") -> str:
    """The file's text (a UTF-8 byte-order mark dropped); ``missing`` is the not-found message."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataFileError(shown, 0, missing) from None
    except OSError as err:
        raise DataFileError(shown, 0, f"cannot read: {err.strerror}") from None
    return decode_utf8(data, shown)


def decode_utf8(data: bytes, shown: str) -> str:
    """UTF-8 text without a byte-order mark; bad bytes are an error at their line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise DataFileError(
            shown, line,
            f"not UTF-8 text: byte 0x{data[err.start]:02x} at column {column} "
            "(save the file as UTF-8)",
        ) from None
