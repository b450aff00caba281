"""Alembic migrations, run at start-up after a backup, in one transaction."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from .engine import is_sqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine, script_location: Path | None = None,
                   data_dir: Path | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    if data_dir is not None:
        cfg.attributes["data_dir"] = data_dir
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(script_location: Path | None = None) -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def sqlite_path(engine: Engine) -> Path | None:
    db = engine.url.database
    if not is_sqlite(engine) or db in (None, "", ":memory:"):
        return None
    return Path(db)


def backup_sqlite(source: Path, target: Path) -> Path:
    """A consistent copy through SQLite's online backup API (safe under WAL)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    shutil.move(tmp, target)
    return target


def upgrade(
    engine: Engine, *, backup_dir: Path | None = None, script_location: Path | None = None,
    stamp: str | None = None, data_dir: Path | None = None,
) -> Path | None:
    """Bring the schema to head. Returns the backup written, if any.

    The whole upgrade runs in one transaction: on SQLite the engine emits an
    explicit BEGIN, so DDL rolls back with everything else if a step fails.
    ``data_dir`` is the data folder the database's files live in (its score
    snapshots: migration 0012 names those under it relatively); None, the SQLite
    file's folder.
    """
    current = current_revision(engine)
    head = head_revision(script_location)
    if current == head:
        return None
    backup = None
    path = sqlite_path(engine)
    if current is not None and path is not None and path.exists():
        stamp = stamp or datetime.now().strftime("%Y%m%dT%H%M%S")
        folder = backup_dir or path.parent / "backups"
        backup = backup_sqlite(path, folder / f"{path.stem}-{stamp}-{current}.sqlite")
    cfg = alembic_config(engine, script_location, data_dir)
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        from .live import attach_notify_triggers

        attach_notify_triggers(conn)  # tables added after 0008 notify too (PostgreSQL)
    return backup
