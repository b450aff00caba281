"""What an attacker with write access to the database does first: drop the triggers
that keep the audit log append-only (persistence/audit_guard.py)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from commandcenter.persistence import audit_guard


def unguard(conn: Connection) -> Connection:
    audit_guard.remove(conn)
    return conn
