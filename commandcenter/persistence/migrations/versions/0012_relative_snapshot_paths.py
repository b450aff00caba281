"""score snapshots named relative to the snapshot folder

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

``snapshots.path`` kept the absolute path of each snapshot's stored rows, so a
data folder moved or restored elsewhere lost its score histogram and drop
shares. From now on a row names its folder relative to the snapshot folder
(``snapshots`` in the data folder: ``snapshot-000042``), and the reader
resolves it against the current one. This rewrites the absolute paths that lie
under the database's snapshot folder into relative ones; a path outside it
(another workstation's data folder, sharing a PostgreSQL database) or one that
cannot be made relative stays exactly as it was, and is still read as it is.

The snapshot folder is that of the data folder the application upgrades from
(``migrate.upgrade(..., data_dir=)``); without one, that of the SQLite file's
own folder (where the default data folder keeps its database); on PostgreSQL
without a data folder nothing is rewritten.

Downgrade is the reverse: every relative path is made absolute again under the
same snapshot folder, as the code before this revision needs (it opened a
relative path against its working directory). The ``ids.same`` files written
relative are left so; that code reads a folder of that name beside the snapshot.
No audit record holds a path, so none changes.
"""

from __future__ import annotations

import os
from pathlib import PurePath

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SNAPSHOTS = "snapshots"  # the snapshot folder's name in the data folder (as of this revision)


def _snapshot_folder() -> str | None:
    context = op.get_context()
    data_dir = context.config.attributes.get("data_dir") if context.config else None
    if data_dir is None:
        bind = op.get_bind()
        database = bind.engine.url.database if bind.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        data_dir = os.path.dirname(os.path.abspath(database))
    return os.path.join(os.path.abspath(data_dir), SNAPSHOTS)


def _relative(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` when it lies under it (as written, or once links
    are followed), else None."""
    if not os.path.isabs(path):
        return None
    roots = dict.fromkeys((os.path.normpath(folder), os.path.realpath(folder)))
    for form in dict.fromkeys((os.path.normpath(path), os.path.realpath(path))):
        for root in roots:
            try:
                rel = PurePath(os.path.relpath(form, root))
            except ValueError:  # another drive (Windows)
                continue
            if rel.parts and rel.parts[0] not in (os.curdir, os.pardir):
                return rel.as_posix()
    return None


def _rows() -> list[tuple[int, str]]:
    return [(int(r[0]), str(r[1])) for r in op.get_bind().execute(sa.text(
        "SELECT id, path FROM snapshots WHERE path IS NOT NULL AND path <> ''"))]


def _rewrite(changed: list[dict[str, object]]) -> None:
    if changed:
        op.get_bind().execute(sa.text("UPDATE snapshots SET path = :path WHERE id = :id"),
                              changed)


def upgrade() -> None:
    folder = _snapshot_folder()
    if folder is None:
        return
    changed = []
    for row_id, path in _rows():
        rel = _relative(path, folder)
        if rel is not None and len(rel) <= 1000:
            changed.append({"id": row_id, "path": rel})
    _rewrite(changed)


def downgrade() -> None:
    folder = _snapshot_folder()
    if folder is None:
        return
    changed = []
    for row_id, path in _rows():
        if not PurePath(path).is_absolute():
            absolute = os.path.join(folder, *PurePath(path).parts)
            if len(absolute) <= 1000:
                changed.append({"id": row_id, "path": absolute})
    _rewrite(changed)
