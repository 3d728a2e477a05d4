"""Issue 17 "done when": after a walk of every chapter of the manual (``softtoken demo``),
neither the SQLite file (with its WAL) nor a ``pg_dump`` of PostgreSQL holds a citizen
ID, an address, a name or a document's bytes in clear.

``pg_dump`` comes from the ``postgresql-client`` package; CI must install it (the test
skips, saying so, where it is missing)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from softtoken.cli._demo import run_demo
from softtoken.cli._demo_registration import DETAILS
from softtoken.cli._demo_state import CITIZEN_ID, USER_ID
from softtoken.storage.sql import SqlStorage

# Every citizen ID, address, name and document the demo writes (cli/_demo*.py).
PERSONAL = [
    CITIZEN_ID,
    DETAILS["address"],
    "ถนนพระราม 6",
    "สมชาย",
    "ใจดี",
    "ประเสริฐ",
    "มาลี",
    "สุขใจ",
    "สมศักดิ์",
    "มั่นคง",
]
DOCUMENT_BYTES = [b"%PDF-1.7", b"Assignment order", b"Service request, signed", b"/MediaBox"]


def _found(data: bytes) -> list[str]:
    found = [text for text in PERSONAL if text.encode() in data]
    found += [blob.decode() for blob in DOCUMENT_BYTES if blob in data]
    return found


def _demo(tmp_path: Path, storage_url: str | None = None) -> str:
    out = io.StringIO()
    assert run_demo(out, workdir=tmp_path, storage_url=storage_url) == 0
    return out.getvalue()


def test_the_sqlite_file_and_its_wal_hold_no_personal_data_in_clear(tmp_path: Path) -> None:
    shown = _demo(tmp_path)
    assert "demo finished" in shown
    files = [p for p in tmp_path.iterdir() if p.name.startswith("softtoken.db")]
    assert any(p.name == "softtoken.db" for p in files)
    everything = b"".join(p.read_bytes() for p in files)
    assert USER_ID.encode() in everything  # the grep sees the data: user IDs rest in clear
    for path in files:
        assert _found(path.read_bytes()) == [], path.name


def test_a_pg_dump_holds_no_personal_data_in_clear(pg_storage: SqlStorage, tmp_path: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump not installed (apt-get install postgresql-client)")
    url = pg_storage.engine.url
    _demo(tmp_path, url.render_as_string(hide_password=False))
    libpq = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(  # noqa: S603 - a fixed program on the test's own database
        [pg_dump, "--data-only", "--dbname", libpq], check=True, capture_output=True
    ).stdout
    assert b"COPY public.st_accounts" in dump
    assert USER_ID.encode() in dump
    assert _found(dump) == []
