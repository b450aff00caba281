"""SQLite connections are durable and check foreign keys; the unit of work rolls back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from commandcenter.persistence.engine import make_engine, normalise_url
from commandcenter.persistence.migrate import upgrade


@pytest.fixture
def engine(tmp_path: Path):
    e = make_engine(f"sqlite:///{tmp_path / 'cc.sqlite'}")
    yield e
    e.dispose()


def test_sqlite_pragmas(engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_every_pooled_connection_gets_the_pragmas(engine) -> None:
    first = engine.raw_connection()
    second = engine.raw_connection()  # a second connection open at the same time
    try:
        for conn in (first, second):
            cur = conn.cursor()
            assert cur.execute("PRAGMA foreign_keys").fetchone() == (1,)
            assert cur.execute("PRAGMA synchronous").fetchone() == (2,)
            cur.close()
    finally:
        first.close()
        second.close()


def test_foreign_keys_are_enforced(engine) -> None:
    upgrade(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO operators (contact_id, role, passphrase_hash) "
                          "VALUES (12345, 'commander', 'x')"))


def test_ddl_rolls_back_with_the_transaction(engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("CREATE TABLE scratch (id INTEGER)"))
        raise RuntimeError("abort")
    with engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'scratch'")).scalar() == 0


@pytest.mark.parametrize("url", ["postgresql://u:p@db/cc", "postgres://u:p@db/cc"])
def test_plain_postgres_urls_use_psycopg3(url: str) -> None:
    assert normalise_url(url) == "postgresql+psycopg://u:p@db/cc"
