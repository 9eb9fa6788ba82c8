"""Issue 9: bad input in data files is a located error (file and line), Sphinx-free units."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfcore.csvfile import read_csv_text
from perfcore.errors import DataFileError


def _read(tmp_path: Path, data: bytes):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return read_csv_text(path, "data/t.csv")


@pytest.mark.parametrize(("data", "message"), [
    (b'a,b\n1,2\n3,"x\n4,5\n',
     "data/t.csv:3: unreadable CSV: a quoted field is not closed (a '\"' is missing)"),
    (b"a,b\n1,2\n3,caf\xe9\n",
     "data/t.csv:3: not UTF-8 text: byte 0xe9 at column 6 (save the file as UTF-8)"),
    (b'a,b\n1,"q"x\n', "data/t.csv:2: unreadable CSV: ',' expected after '\"'"),
    (b"a,b,\n1,2,\n", "data/t.csv:1: header column 3 has no name (a trailing comma?)"),
])
def test_csv_syntax_and_encoding_errors_name_the_line(tmp_path, data, message):
    with pytest.raises(DataFileError) as err:
        _read(tmp_path, data)
    assert str(err.value) == message


def test_bom_and_crlf_csv_reads_like_a_plain_one(tmp_path):
    csv = _read(tmp_path, "\ufeffModel,Inst. Type\r\nbert,inf2.xlarge\r\n\r\nx,y\r\n".encode())
    assert csv.columns == ("Model", "Inst. Type")
    assert csv.rows == (("bert", "inf2.xlarge"), ("x", "y"))
    assert csv.lines == (2, 4)
