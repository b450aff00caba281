"""``demo`` and ``db``: the demo company, migrations and backups."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commandcenter.domain.errors import InvalidInput

from .common import Registry


def _demo_load(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.services.demo import load_demo

    summary = load_demo(svc)
    print(f"demo loaded: {summary['contacts']} contacts, {summary['incidents']} incidents; "
          f"operators' passphrase is {summary['passphrase']!r}")
    return summary


def _db_upgrade(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.persistence.migrate import current_revision

    rev = current_revision(svc.engine)
    print(f"schema at {rev}" + (f" (backup: {svc.backup})" if svc.backup else ""))
    return {"revision": rev, "backup": str(svc.backup) if svc.backup else None}


def _db_backup(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.persistence.migrate import backup_sqlite, sqlite_path

    path = sqlite_path(svc.engine)
    if path is None:
        raise InvalidInput("backup: only SQLite files can be backed up here; use pg_dump")
    target = backup_sqlite(path, Path(a.path))
    print(f"backed up to {target}")
    return {"backup": str(target)}


def register(r: Registry) -> None:
    demo = r.group("demo")
    r.cmd(demo, "load", _demo_load, "load the fictional scoring company")

    db = r.group("db")
    r.cmd(db, "upgrade", _db_upgrade, "migrate the schema (after a backup)")
    r.cmd(db, "backup", _db_backup, "copy the database").add_argument("path")
