"""The least-privilege set-up of the README ("Running a team on one PostgreSQL server"),
run as written (packaging/postgresql/*.sql): the owner migrates, the app works as
commandcenter_app, and that role cannot change or delete audit records."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from commandcenter.app import build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.persistence.engine import make_engine
from commandcenter.persistence.migrate import upgrade
from commandcenter.services.context import Passphrases
from tests.services.support import BOB, CAROL, PASS, START, in_review, open_incident, seed_people

SQL = Path(__file__).resolve().parents[2] / "packaging" / "postgresql"
_n = itertools.count()


def statements(script: str) -> list[str]:
    body = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


@pytest.fixture
def roles(pg_url: str) -> Iterator[dict[str, str]]:
    """roles.sql and after-upgrade.sql with this test's names; the owner's and app's URLs."""
    suffix = f"{os.getpid()}_{next(_n)}"
    names = {"commandcenter_owner": f"cc_owner_{suffix}", "commandcenter_app": f"cc_app_{suffix}",
             "DATABASE commandcenter": f"DATABASE cc_roles_{suffix}"}

    def named(script: str) -> str:
        for old, new in names.items():
            script = script.replace(old, new)
        return script

    first, second = named((SQL / "roles.sql").read_text()).split("\\connect commandcenter")
    server = make_url(pg_url).set(drivername="postgresql")
    admin = psycopg.connect(server.render_as_string(hide_password=False), autocommit=True)
    database = f"cc_roles_{suffix}"
    try:
        for stmt in statements(first):
            admin.execute(stmt)
        with psycopg.connect(server.set(database=database).render_as_string(
                hide_password=False), autocommit=True) as conn:
            for stmt in statements(second):
                conn.execute(stmt)
        base = make_url(pg_url).set(database=database)
        owner = base.set(username=names["commandcenter_owner"]).render_as_string(False)
        app = base.set(username=names["commandcenter_app"]).render_as_string(False)
        engine = make_engine(owner)
        upgrade(engine)  # the owner migrates
        with engine.begin() as conn:
            for stmt in statements(named((SQL / "after-upgrade.sql").read_text())):
                conn.execute(text(stmt))
        engine.dispose()
        yield {"owner": owner, "app": app}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (names["commandcenter_app"], names["commandcenter_owner"]):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        admin.close()


def test_the_app_role_works_but_cannot_alter_or_delete_audit_rows(
    roles: dict[str, str], tmp_path: Path,
) -> None:
    svc = build(Settings(roles["app"], tmp_path), clock=SimulatedClock(START),
                passphrases=Passphrases.fast_for_tests())
    try:  # everything a team does, as the app's role
        seed_people(svc)
        mid = in_review(svc, open_incident(svc))
        svc.messages.approve(mid, CAROL, PASS)
        assert svc.messages.publish(mid, BOB).state.value == "published"
        assert svc.audit.verify().ok
    finally:
        svc.close()
    app = create_engine(roles["app"])
    try:
        for attempt in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log",
                        "TRUNCATE audit_log"):
            with app.connect() as conn, pytest.raises(ProgrammingError,
                                                      match="permission denied"):
                conn.execute(text(attempt))
        with app.connect() as conn, pytest.raises(ProgrammingError, match="must be owner"):
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        with app.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        with app.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > 0
    finally:
        app.dispose()
