"""Shared fixtures: a fresh database per test, a simulated clock, cheap argon2id."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
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
# Nor the user's data folder: a command run without --database-url (drill runs, the
# default SQLite file, the outbox) writes into a throw-away folder.
if "COMMANDCENTER_DATA_DIR" not in os.environ:
    _DATA_DIR = tempfile.mkdtemp(prefix="cc-data-")
    atexit.register(shutil.rmtree, _DATA_DIR, True)
    os.environ["COMMANDCENTER_DATA_DIR"] = _DATA_DIR

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.services.context import Passphrases

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
PASS = "correct horse battery"


# The matrix; COMMANDCENTER_TEST_BACKENDS=sqlite narrows it (the run without Qt uses that).
BACKENDS = tuple(os.environ.get("COMMANDCENTER_TEST_BACKENDS", "sqlite,postgresql").split(","))
# As fixture params: the PostgreSQL cases carry the ``postgres`` mark (``-m postgres``).
BACKEND_PARAMS = [pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b
                  for b in BACKENDS]
ENV_BACKEND = "COMMANDCENTER_TEST_BACKEND"


def _migrated(url: str) -> None:
    build(Settings(url, Path(tempfile.mkdtemp(prefix="cc-pg-tpl-"))),
          passphrases=Passphrases.fast_for_tests()).close()


# PostgreSQL databases already copied from the seeded company (tests/services/support.py).
SEEDED_COPIES: set[str] = set()


def postgres_database(seeded: bool = False) -> str:
    """A fresh, migrated database on the session's server: a copy of one migrated once
    (``seeded``: of one holding the seeded company of tests/services/support.py)."""
    from tests.pg import NoPostgres, copy_database, postgres_required, template_database

    try:
        if not seeded:
            return copy_database(template_database("migrated", _migrated))
        from tests.services.support import seed_postgres

        url = copy_database(template_database("seeded", seed_postgres))
        SEEDED_COPIES.add(url)
        return url
    except NoPostgres as exc:
        if postgres_required():
            raise
        pytest.skip(f"PostgreSQL: {exc}")


def database_url(tmp_path: Path, backend: str = "sqlite", *, seeded: bool = False) -> str:
    """SQLite in a temp dir, or a fresh migrated PostgreSQL database (tests/pg.py)."""
    if backend == "postgresql":
        return postgres_database(seeded)
    return f"sqlite:///{tmp_path / 'cc.sqlite'}"


def wants_seeded(request: pytest.FixtureRequest) -> bool:
    """The test starts from the seeded company (``people`` or ``company`` in tests/services
    and tests/cli): on PostgreSQL copy that database at once rather than twice."""
    return bool({"people", "company"} & set(request.fixturenames))


def drop_if_postgres(url: str) -> None:
    SEEDED_COPIES.discard(url)
    if url.startswith("postgresql"):
        from tests.pg import drop_database

        drop_database(url)


@pytest.fixture
def backend() -> str:
    """The database under test. SQLite here (or $COMMANDCENTER_TEST_BACKEND); the service,
    persistence, CLI and health tests override it with both (:data:`BACKENDS`)."""
    return os.environ.get(ENV_BACKEND, "sqlite")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the session's PostgreSQL server (tests/pg.py)."""
    from tests.pg import NoPostgres, fresh_database, postgres_required

    try:
        url = fresh_database()
    except NoPostgres as exc:
        if postgres_required():
            raise
        pytest.skip(f"PostgreSQL: {exc}")
    yield url
    drop_if_postgres(url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:  # everything on the session's server is a ``postgres`` test
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def settings(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Settings]:
    seeded = wants_seeded(request) and "tests/ui/" not in str(request.path).replace("\\", "/")
    url = database_url(tmp_path, backend, seeded=seeded)
    yield Settings(database_url=url, data_dir=tmp_path)
    drop_if_postgres(url)


@pytest.fixture
def services(settings: Settings, clock: SimulatedClock) -> Services:
    svc = build(settings, clock=clock, passphrases=Passphrases.fast_for_tests())
    yield svc
    svc.close()
