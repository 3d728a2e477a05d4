"""A private PostgreSQL database for one benchmark run, so runs never share tables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

__all__ = ["private_postgres_url"]


@contextmanager
def private_postgres_url() -> Iterator[str | None]:
    """Yield a fresh database URL on ``SOFTTOKEN_TEST_POSTGRES_URL``'s server, or None."""
    url = os.environ.get("SOFTTOKEN_TEST_POSTGRES_URL")
    if not url:
        yield None
        return
    base = sa.make_url(url)
    name = f"softtoken_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
