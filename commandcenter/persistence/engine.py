"""Engine set-up: SQLite pragmas and explicit transactions, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from commandcenter.domain.errors import InvalidInput

from .light import BUSY_TIMEOUT_MS

__all__ = ["BUSY_TIMEOUT_MS", "describe_url", "is_sqlite", "make_engine", "make_session_factory",
           "normalise_url"]


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def describe_url(url: str) -> str:
    """The database's URL without its password, for anchors and reports."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def check_sqlite_folder(url: str) -> None:
    """A SQLite file in a folder that does not exist: one clear line naming the folder
    (exit 2), not the driver's "unable to open database file" and a link."""
    parsed = make_url(url)
    database = parsed.database
    if (not parsed.drivername.startswith("sqlite") or database in (None, "", ":memory:")
            or database.startswith("file:")):
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise InvalidInput(f"database-url: the folder {folder} does not exist "
                           f"(create it, or give another --database-url)")


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        check_sqlite_folder(url)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling does not cover DDL and begins
    # lazily; take it over (the SQLAlchemy recipe) so migrations are
    # transactional and every unit of work takes the write lock up front
    # instead of failing half-way with SQLITE_BUSY.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        # Approvals and publications must survive a power cut.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
