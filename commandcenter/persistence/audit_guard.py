"""The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE.

A whole-log verification proves the log; publish then checks only the records
since the last one (services/audit.py). The triggers are what make that
sound between verifications: an old record cannot be changed without first
dropping or disabling them, and publish sees that and verifies the whole log
again. Someone who can drop a trigger and re-create it can still edit an old
record unseen until the next whole-log verification (README, Security).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

SQLITE_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")
PG_TRIGGER = "audit_log_append_only"
PG_FUNCTION = "audit_log_append_only"
MESSAGE = "audit_log is append-only"


def install(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name, event in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), strict=True):
            conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON audit_log "
                              f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"))
        return
    conn.execute(text(f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"""))
    conn.execute(text(f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON audit_log"))
    conn.execute(text(f"CREATE TRIGGER {PG_TRIGGER} BEFORE UPDATE OR DELETE ON audit_log "
                      f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"))
    conn.execute(text(f"DROP TRIGGER IF EXISTS {PG_TRIGGER}_truncate ON audit_log"))
    conn.execute(text(f"CREATE TRIGGER {PG_TRIGGER}_truncate BEFORE TRUNCATE ON audit_log "
                      f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"))


def remove(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        return
    conn.execute(text(f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON audit_log"))
    conn.execute(text(f"DROP TRIGGER IF EXISTS {PG_TRIGGER}_truncate ON audit_log"))
    conn.execute(text(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"))


def intact(session: Session) -> bool:
    """True when every append-only trigger exists and is enabled."""
    if session.get_bind().dialect.name == "sqlite":
        found = session.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = "
            "'audit_log' AND name IN (:a, :b)"),
            {"a": SQLITE_TRIGGERS[0], "b": SQLITE_TRIGGERS[1]}).scalar_one()
        return found == len(SQLITE_TRIGGERS)
    found = session.execute(text(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
        "AND tgname IN (:a, :b) AND tgenabled <> 'D'"),
        {"a": PG_TRIGGER, "b": f"{PG_TRIGGER}_truncate"}).scalar_one()
    return found == 2
