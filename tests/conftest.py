"""Shared fixtures: a fresh database per test, a simulated clock, cheap argon2id."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One audit key for the session (as for workstations sharing a database), never the
# user's own; subprocesses started by tests inherit it.
if "COMMANDCENTER_AUDIT_KEY_FILE" not in os.environ:
    _KEY_DIR = tempfile.mkdtemp(prefix="cc-audit-key-")
    atexit.register(shutil.rmtree, _KEY_DIR, True)
    os.environ["COMMANDCENTER_AUDIT_KEY_FILE"] = str(Path(_KEY_DIR) / "audit.key")

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.services.context import Passphrases

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
PASS = "correct horse battery"


def database_url(tmp_path: Path) -> str:
    """SQLite in a temp dir, or PostgreSQL when COMMANDCENTER_TEST_POSTGRES_URL is set."""
    pg = os.environ.get("COMMANDCENTER_TEST_POSTGRES_URL")
    if pg:
        from tests.pg import fresh_database

        return fresh_database(pg)
    return f"sqlite:///{tmp_path / 'cc.sqlite'}"


@pytest.fixture
def pg_url() -> str:
    """A fresh database on the session's PostgreSQL server (tests/pg.py)."""
    from tests.pg import NoPostgres, fresh_database, postgres_required

    try:
        return fresh_database()
    except NoPostgres as exc:
        if postgres_required():
            raise
        pytest.skip(f"PostgreSQL: {exc}")


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=database_url(tmp_path), data_dir=tmp_path)


@pytest.fixture
def services(settings: Settings, clock: SimulatedClock) -> Services:
    svc = build(settings, clock=clock, passphrases=Passphrases.fast_for_tests())
    yield svc
    svc.close()
