"""Noticing other workstations' commits: PostgreSQL LISTEN/NOTIFY, SQLite's data_version.

Migration 0008 makes every committed change on PostgreSQL send a notification
on :data:`CHANNEL` whose payload is only ``{"table", "id", "kind"}``.
:class:`PostgresListener` holds its own connection (never the pool's) and
hands out what arrived without blocking, so the window can wait for its
socket in the event loop. SQLite has no notifications: :class:`SqliteWatcher`
reads ``PRAGMA data_version``, which changes when another connection commits;
it does not say what changed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

CHANNEL = "commandcenter_changes"  # as in migration 0008
ROW_FUNCTION = "commandcenter_notify_change"  # migration 0008's trigger functions
STATEMENT_FUNCTION = "commandcenter_notify_statement"
TRIGGER_SUFFIX = "_notify_change"
# Not worth a notification: the schema version, and the audit head (bumped with every
# audit record, which notifies itself).
SILENT_TABLES = frozenset({"alembic_version", "audit_head"})
# Written in bulk: one notification per statement, without an id.
STATEMENT_TABLES = frozenset({"metric_points", "metric_rollups"})


@dataclass(frozen=True, slots=True)
class Change:
    table: str
    id: int | None
    kind: str  # insert | update | delete


class Disconnected(RuntimeError):
    """The listening connection is gone; reconnect, then re-read everything."""


def attach_notify_triggers(conn: Any) -> list[str]:
    """Give every table that has none yet migration 0008's notify trigger (PostgreSQL).

    Run after each upgrade (persistence/migrate.py), so a table a later migration
    adds is live on every desk without that migration knowing about it. Returns the
    tables it attached to. Nothing on SQLite, or before 0008 made the functions.
    """
    from sqlalchemy import text

    if conn.dialect.name != "postgresql":
        return []
    functions = set(conn.execute(text(
        "SELECT proname FROM pg_proc WHERE proname IN (:a, :b)"),
        {"a": ROW_FUNCTION, "b": STATEMENT_FUNCTION}).scalars())
    if functions != {ROW_FUNCTION, STATEMENT_FUNCTION}:
        return []
    tables = set(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    have = set(conn.execute(text(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = c.relname || :suffix"), {"suffix": TRIGGER_SUFFIX}).scalars())
    added = sorted(tables - have - SILENT_TABLES)
    for table in added:
        level, function = (("STATEMENT", STATEMENT_FUNCTION) if table in STATEMENT_TABLES
                           else ("ROW", ROW_FUNCTION))
        conn.execute(text(f'CREATE TRIGGER "{table}{TRIGGER_SUFFIX}" AFTER INSERT OR UPDATE '
                          f'OR DELETE ON "{table}" FOR EACH {level} '
                          f"EXECUTE FUNCTION {function}()"))
    return added


def parse(payload: str) -> Change | None:
    try:
        data = json.loads(payload)
        return Change(str(data["table"]), data.get("id"), str(data["kind"]))
    except (ValueError, KeyError, TypeError):
        return None


def libpq_url(url: str) -> str:
    """An SQLAlchemy URL as libpq takes it (``postgresql+psycopg://`` -> ``postgresql://``)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresListener:
    """``LISTEN`` on its own autocommit connection; :meth:`fileno` for a socket notifier."""

    def __init__(self, url: str, *, connect_timeout: int = 5) -> None:
        import psycopg

        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(libpq_url(url), autocommit=True,
                                        connect_timeout=connect_timeout, keepalives=1,
                                        keepalives_idle=10, keepalives_interval=5,
                                        keepalives_count=3)
            self.conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            raise Disconnected(str(exc).strip()) from exc

    def fileno(self) -> int:
        return self.conn.pgconn.socket

    def drain(self) -> list[Change]:
        """Whatever has arrived, without waiting; :class:`Disconnected` if the link is gone."""
        pgconn = self.conn.pgconn
        try:
            pgconn.consume_input()
        except self._psycopg.Error as exc:
            raise Disconnected(str(exc).strip()) from exc
        if pgconn.status != 0:  # CONNECTION_OK
            raise Disconnected("the connection to the server was lost")
        found: list[Change] = []
        while (n := pgconn.notifies()) is not None:
            change = parse(n.extra.decode("utf-8", "replace"))
            if change is not None:
                found.append(change)
        return found

    def close(self) -> None:
        with contextlib.suppress(self._psycopg.Error):
            self.conn.close()


class SqliteWatcher:
    """Cheap to poll: one pragma on an idle connection of its own."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.last = self.version()

    def version(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        now = self.version()
        if now != self.last:
            self.last = now
            return True
        return False

    def close(self) -> None:
        self.conn.close()


def sqlite_path(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database
