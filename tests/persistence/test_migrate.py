"""Migrations: all or nothing, and a backup of an existing SQLite file before any change."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from commandcenter.persistence.engine import make_engine
from commandcenter.persistence.migrate import (
    MIGRATIONS_DIR,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)

HEAD = head_revision()


def schema(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")))


def version_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]


def with_extra_revision(tmp_path: Path, body: str) -> Path:
    """A copy of the real migrations plus revision 0099 on top of the current head."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_extra.py").write_text(
        '"""extra"""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f'revision = "0099"\ndown_revision = {HEAD!r}\nbranch_labels = None\n'
        f'depends_on = None\n\n\ndef upgrade() -> None:\n{body}\n\n\n'
        'def downgrade() -> None:\n    pass\n')
    return scripts


CREATE = ('    op.create_table("half_done", sa.Column("id", sa.Integer(), primary_key=True))\n'
          '    op.add_column("contacts", sa.Column("nickname", sa.String(40)))\n')


@pytest.fixture
def at_head(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'cc.sqlite'}")
    assert upgrade(engine) is None  # a new file: nothing to back up
    assert current_revision(engine) == HEAD
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO contacts (name, name_key, title, email, phone, handle,"
                          " timezone) VALUES ('Joe', 'joe', '', '', '', '', 'UTC')"))
    yield engine
    engine.dispose()


def test_a_failed_migration_leaves_the_schema_as_it_was(at_head: Engine,
                                                        tmp_path: Path) -> None:
    scripts = with_extra_revision(tmp_path, CREATE + '    raise RuntimeError("step 3 failed")')
    before = schema(at_head)
    with pytest.raises(RuntimeError, match="step 3 failed"):
        upgrade(at_head, script_location=scripts)
    assert "half_done" not in inspect(at_head).get_table_names()
    assert "nickname" not in {c["name"] for c in inspect(at_head).get_columns("contacts")}
    assert version_rows(at_head) == [HEAD]
    assert schema(at_head) == before
    with at_head.connect() as conn:
        assert conn.execute(text("SELECT name FROM contacts")).scalars().all() == ["Joe"]


def test_a_good_migration_runs_after_a_backup(at_head: Engine, tmp_path: Path) -> None:
    scripts = with_extra_revision(tmp_path, CREATE)
    backup = upgrade(at_head, script_location=scripts, backup_dir=tmp_path / "backups")
    assert version_rows(at_head) == ["0099"]
    assert "half_done" in inspect(at_head).get_table_names()
    assert backup is not None and backup.exists()
    assert backup.parent == tmp_path / "backups"
    assert HEAD in backup.name
    # the backup is the database as it was before the migration
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        assert copy.execute("SELECT name FROM contacts").fetchall() == [("Joe",)]
        tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables
    finally:
        copy.close()


def test_upgrade_from_an_older_revision_backs_up_first(tmp_path: Path) -> None:
    db = tmp_path / "data" / "cc.sqlite"
    db.parent.mkdir()
    engine = make_engine(f"sqlite:///{db}")
    try:
        cfg = alembic_config(engine)
        with engine.connect() as conn, conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        assert current_revision(engine) == "0001"
        backup = upgrade(engine, stamp="test")
        assert current_revision(engine) == HEAD
        # default folder: next to the database
        assert backup == db.parent / "backups" / "cc-test-0001.sqlite"
        copy = sqlite3.connect(backup)
        try:
            assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [
                ("0001",)]
        finally:
            copy.close()
        assert upgrade(engine) is None  # at head: nothing to do, no new backup
        assert [p.name for p in backup.parent.iterdir()] == [backup.name]
    finally:
        engine.dispose()
