"""The schema on PostgreSQL: every migration up and down again, and change notifications."""

from __future__ import annotations

import json

import psycopg
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from commandcenter.persistence.engine import make_engine
from commandcenter.persistence.live import CHANNEL, SILENT_TABLES
from commandcenter.persistence.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_every_migration_runs_up_down_and_up_again_on_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            # 0003: the timeline filter's trigram indexes (pg_trgm ships with the server)
            indexes = {r[0] for r in conn.execute(text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'timeline_entries'"))}
            assert any("trgm" in name for name in indexes), indexes
            # 0008: every table people change notifies
            triggers = {r[0] for r in conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%notify_change'"))}
            assert {"messages_notify_change", "timeline_entries_notify_change",
                    "metric_points_notify_change"} <= triggers
            # tables added after 0008 too, every one but the two kept silent
            tables = set(inspect(engine).get_table_names())
            assert {f"{t}_notify_change" for t in tables - SILENT_TABLES} == triggers
        cfg = alembic_config(engine)
        with engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_change_notifies_with_table_id_and_kind_once_committed(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    listener = psycopg.connect(libpq(pg_url), autocommit=True)
    try:
        listener.execute(f"LISTEN {CHANNEL}")
        with engine.connect() as conn:
            new_id = conn.execute(text(
                "INSERT INTO contacts (name, name_key, title, email, phone, handle, timezone) "
                "VALUES ('Joe', 'joe', '', '', '', '', 'UTC') RETURNING id")).scalar_one()
            assert list(listener.notifies(timeout=0.3)) == []  # not before the commit
            conn.commit()
        got = [json.loads(n.payload) for n in listener.notifies(timeout=5, stop_after=1)]
        assert got == [{"table": "contacts", "id": new_id, "kind": "insert"}]
    finally:
        listener.close()
        engine.dispose()
