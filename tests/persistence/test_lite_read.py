"""The lite read path (persistence/lite_read.py) reads what the ORM reads, or declines.

Its SQL names columns by hand: these tests keep them in step with the ORM's
tables and with the domain's ``incident_view``, check that it builds the very
objects IncidentService.list returns, and that it declines (None, or
``Unsuitable``) wherever the full path would do more than read.
"""

from __future__ import annotations

import dataclasses
import inspect
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.commitments import Commitment
from commandcenter.domain.incidents import incident_view
from commandcenter.persistence import (  # noqa: F401 (their tables, for the ORM's)
    commitment_models,
    lite_read,
    lite_screen,
    metrics_models,
)
from commandcenter.persistence.engine import BUSY_TIMEOUT_MS
from commandcenter.persistence.light import script_head
from commandcenter.persistence.lite_read import (
    COMMITMENT_COLUMNS,
    INCIDENT_COLUMNS,
    READS,
    Unsuitable,
    open_reader,
    sqlite_file,
)
from commandcenter.persistence.migrate import head_revision
from commandcenter.persistence.models import Base
from commandcenter.services.context import Passphrases
from tests.services.support import START, populate_incidents, seeded_services


@pytest.fixture
def populated(tmp_path: Path) -> Iterator[Services]:
    settings = Settings(f"sqlite:///{tmp_path / 'cc.sqlite'}", tmp_path / "data")
    svc = seeded_services(settings, SimulatedClock(START), tmp_path / "template")
    populate_incidents(svc)
    yield svc
    svc.close()


def _reader(svc: Services) -> lite_read.LiteReader:
    reader = open_reader(svc.settings.database_url, svc.settings.audit_key_path)
    assert reader is not None
    return reader


def _raw(svc: Services, sql: str, *params: object) -> None:
    conn = sqlite3.connect(str(sqlite_file(svc.settings.database_url)))
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


@pytest.mark.parametrize("reads", [READS, lite_screen.READS], ids=["lite_read", "lite_screen"])
def test_every_column_it_reads_is_a_column_of_the_orm_table(
        reads: dict[str, tuple[str, ...]]) -> None:
    for table, columns in reads.items():
        orm = Base.metadata.tables[table]
        missing = [c for c in columns if c not in orm.c]
        assert missing == [], table


def test_the_screen_reader_reads_every_column_of_availability_windows_as_the_orm() -> None:
    # Selecting the same columns keeps the plan, and so a contact's windows' order.
    orm = Base.metadata.tables["availability_windows"]
    assert tuple(c.name for c in orm.c) == lite_screen.WINDOW_COLUMNS


def test_it_reads_the_columns_incident_view_takes_in_its_order() -> None:
    params = [p for p in inspect.signature(incident_view).parameters if p != "commander"]
    assert list(INCIDENT_COLUMNS) == params


def test_it_reads_a_commitment_s_fields_in_its_order() -> None:
    names = {("i", "title"): "incident_title", ("i", "drill"): "drill"}
    assert [names.get(tc, tc[1]) for tc in COMMITMENT_COLUMNS] == [
        f.name for f in dataclasses.fields(Commitment)]
    incident_side = [c for t, c in COMMITMENT_COLUMNS if t == "i"]
    assert set(incident_side) <= set(READS["incidents"])


def test_the_head_and_busy_timeout_are_the_ones_the_engine_uses() -> None:
    assert script_head() == head_revision()
    assert BUSY_TIMEOUT_MS == lite_read.BUSY_TIMEOUT_MS == 10_000


def test_it_lists_the_very_incidents_the_service_lists(populated: Services) -> None:
    reader = _reader(populated)
    try:
        for include_closed in (True, False):
            lite = reader.incidents(include_closed=include_closed)
            assert lite == populated.incidents.list(include_closed=include_closed)
        everything = reader.incidents()
    finally:
        reader.close()
    assert len(everything) == 6
    assert {i.status.value for i in everything} == {"detected", "declared", "acknowledged",
                                                    "mitigated", "resolved", "closed"}
    assert {i.severity.value for i in everything} == {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert None in {i.commander for i in everything}
    assert any(i.drill for i in everything)


@pytest.mark.parametrize("url", [
    "postgresql://cc@localhost/cc", "postgresql+psycopg://cc@db/cc", "sqlite://",
    "sqlite:///:memory:", "sqlite:///cc.sqlite?mode=ro", "sqlite:///a%20b.sqlite",
    "mysql:///cc.sqlite", "sqlite+aiosqlite:///cc.sqlite",
])
def test_only_a_plain_sqlite_file_url_is_for_it(url: str) -> None:
    assert sqlite_file(url) is None


def test_a_plain_sqlite_file_url_names_its_file() -> None:
    assert sqlite_file("sqlite:////var/cc/cc.sqlite") == Path("/var/cc/cc.sqlite")
    assert sqlite_file("sqlite:///cc.sqlite") == Path("cc.sqlite")
    assert sqlite_file("sqlite+pysqlite:///x/cc.sqlite") == Path("x/cc.sqlite")


def test_it_declines_a_missing_file_and_never_creates_it(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sqlite"
    assert open_reader(f"sqlite:///{missing}", tmp_path / "audit.key") is None
    assert not missing.exists()


def _declined(services: Services) -> bool:
    """The fast read path refuses this database (the command takes the full path)."""
    return open_reader(services.settings.database_url, services.settings.audit_key_path) is None


def test_it_declines_a_database_a_migration_is_due_on(populated: Services) -> None:
    _raw(populated, "UPDATE alembic_version SET version_num = '0010'")
    assert _declined(populated)


def test_it_declines_a_database_without_a_revision(populated: Services) -> None:
    _raw(populated, "DROP TABLE alembic_version")
    assert _declined(populated)


def test_it_declines_a_database_not_in_wal_mode(populated: Services) -> None:
    populated.close()
    conn = sqlite3.connect(str(sqlite_file(populated.settings.database_url)))
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert _declined(populated)


def test_it_declines_an_audit_log_not_keyed_yet(populated: Services) -> None:
    _raw(populated, "UPDATE audit_head SET key_id = NULL WHERE id = 1")
    assert _declined(populated)


def test_it_declines_while_a_publication_waits_for_the_outbox(populated: Services) -> None:
    _reader(populated).close()
    # As an approval leaves it when the process stops before the outbox delivers it
    # (the full path delivers it on start; foreign keys are not checked here).
    _raw(populated, "INSERT INTO publications (message_id, approval_id, content_hash, "
         "destination, published_at, published_by_id, file_name, delivered_at) "
         "VALUES (1, 1, 'x', 'live', '2026-03-02 08:30:00.000000', 1, 'x.json', NULL)")
    assert _declined(populated)
    _raw(populated, "UPDATE publications SET delivered_at = '2026-03-02 08:31:00.000000'")
    _reader(populated).close()


def test_it_declines_without_the_audit_key_file_and_never_creates_it(
        populated: Services, tmp_path: Path) -> None:
    key = tmp_path / "elsewhere" / "audit.key"
    assert open_reader(populated.settings.database_url, key) is None
    assert not key.exists()
    key.parent.mkdir()
    key.write_text("not a key\n")
    assert open_reader(populated.settings.database_url, key) is None  # the full path says why
    key.unlink()
    key.mkdir()
    assert open_reader(populated.settings.database_url, key) is None


def test_it_declines_a_folder_given_as_the_database(tmp_path: Path) -> None:
    assert open_reader(f"sqlite:///{tmp_path}", tmp_path / "audit.key") is None


@pytest.mark.parametrize(("column", "value"), [
    ("severity", "SEV9"), ("status", "paused"), ("detected_at", "2026-03-02T08:30:00"),
    ("declared_at", "2026-03-02 08:30:00"), ("drill", 2), ("title", b"7"), ("version", 2.5),
])
def test_a_value_the_orm_would_not_have_written_is_unsuitable(
        populated: Services, column: str, value: object) -> None:
    _raw(populated, f"UPDATE incidents SET {column} = ? WHERE id = 1", value)
    reader = _reader(populated)
    try:
        with pytest.raises(Unsuitable):
            reader.incidents()
    finally:
        reader.close()


def test_it_never_writes(populated: Services) -> None:
    reader = _reader(populated)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._conn.execute("UPDATE incidents SET title = 'x'")
    finally:
        reader.close()


def _side_files(svc: Services) -> list[str]:
    db = sqlite_file(svc.settings.database_url)
    assert db is not None
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(db.name))


def test_a_read_nobody_else_is_at_leaves_the_folder_as_it_found_it(
        populated: Services) -> None:
    populated.close()  # the last of the ORM's connections tidies -wal and -shm away
    assert _side_files(populated) == ["cc.sqlite"]
    reader = _reader(populated)
    try:
        assert len(reader.incidents()) == 6
    finally:
        reader.close()
    assert _side_files(populated) == ["cc.sqlite"]  # no empty -wal, no -shm
    conn = sqlite3.connect(str(sqlite_file(populated.settings.database_url)))
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # still WAL
    finally:
        conn.close()


def test_a_read_beside_a_writer_sees_its_commits_and_leaves_its_wal_alone(
        populated: Services) -> None:
    populated.close()
    writer = sqlite3.connect(str(sqlite_file(populated.settings.database_url)),
                             isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # the commits stay in the -wal
        writer.execute("UPDATE incidents SET title = 'committed' WHERE id = 1")
        reader = _reader(populated)
        try:
            writer.execute("BEGIN IMMEDIATE")  # the write lock, held while the reader reads
            writer.execute("UPDATE incidents SET title = 'pending' WHERE id = 2")
            titles = {i.id: i.title for i in reader.incidents()}
        finally:
            reader.close()
        writer.execute("COMMIT")
        assert titles[1] == "committed"  # read from the -wal: not an immutable open
        assert titles[2] != "pending"
        assert _side_files(populated) == ["cc.sqlite", "cc.sqlite-shm", "cc.sqlite-wal"]
        assert writer.execute("SELECT title FROM incidents WHERE id IN (1, 2) ORDER BY id"
                              ).fetchall() == [("committed",), ("pending",)]
    finally:
        writer.close()
    assert _side_files(populated) == ["cc.sqlite"]
    reader = _reader(populated)
    try:
        assert {i.id: i.title for i in reader.incidents()}[2] == "pending"
    finally:
        reader.close()


def test_a_fresh_database_made_by_the_app_is_one_it_reads(tmp_path: Path) -> None:
    settings = Settings(f"sqlite:///{tmp_path / 'new.sqlite'}", tmp_path / "data")
    svc = build(settings, clock=SimulatedClock(START), passphrases=Passphrases.fast_for_tests())
    try:
        reader = _reader(svc)
        try:
            assert reader.incidents() == [] == svc.incidents.list()
        finally:
            reader.close()
    finally:
        svc.close()
