"""Where a stored snapshot is: named relative to the folder that holds the snapshots.

A snapshot row's ``path`` and a snapshot's ``ids.same`` both name a folder under
the snapshot folder (``snapshots`` in the data folder) by its path relative to
that folder (``snapshot-000042``), so a data folder moved or restored elsewhere
reads its own files. Rows written before that keep an absolute path (migration
0012 rewrites those under the snapshot folder); an absolute path is read as it
is. Plain ``pathlib``: the start-up reader's lite path resolves rows with these
functions without NumPy, exactly as the services do.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

SNAPSHOTS = "snapshots"  # the snapshot folder's name, beside the outbox in the data folder


def snapshot_dir(outbox_dir: Path) -> Path:
    """The folder that holds the score snapshots of the data folder whose outbox this is."""
    return outbox_dir.parent / SNAPSHOTS


def stored_name(target: Path, root: Path) -> str:
    """How a row (or an ``ids.same``) names ``target``: its path relative to ``root`` where
    it lies under it, else its absolute path (nothing is made relative that cannot be)."""
    try:
        relative = PurePath(os.path.relpath(target, root))
    except ValueError:  # another drive (Windows)
        return str(target)
    if not relative.parts or relative.parts[0] in (os.curdir, os.pardir):
        return str(target)
    return relative.as_posix()


def resolve(stored: str | None, root: Path) -> str | None:
    """The path a row's ``stored`` path names now: a relative one under ``root`` (the
    current snapshot folder), an absolute one as it is; None or "" as they are."""
    if not stored or PurePath(stored).is_absolute():
        return stored
    return str(root / stored)
