"""``gui --demo`` opens a copy of a demo database prepared once, not a new one each time.

Preparing the demo company takes half a minute (every operator's passphrase and
signing key is hashed with argon2id, the past incident's approvals are signed).
It is done once into the user's cache folder and kept while the code that made
it is unchanged and it is younger than ``MAX_AGE`` (the demo's story is told
relative to the time it was made: the open incident began 50 minutes before).
Each demo session opens a fresh copy of it, so nothing a user does in one demo
session reaches the next. While it is being prepared, ``progress`` hears each step.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_cache_path

if TYPE_CHECKING:
    from commandcenter.app import Services
    from commandcenter.config import Settings

ENV_DEMO_CACHE = "COMMANDCENTER_DEMO_CACHE"
MAX_AGE_S = 8 * 3600.0
PACKAGE = Path(__file__).resolve().parents[1]
Progress = Callable[[str, int, int], None]  # (what, step, steps)


def cache_root() -> Path:
    override = os.environ.get(ENV_DEMO_CACHE)
    if override:
        return Path(override)
    return user_cache_path("commandcenter", appauthor=False) / "demo"


def code_key() -> str:
    """Changes whenever the demo loader, the schema or the services writing it change
    (and the ingest code, which writes its score snapshots' files)."""
    h = hashlib.sha256()
    files = [PACKAGE / "services" / "demo.py",
             *sorted((PACKAGE / "persistence" / "migrations" / "versions").glob("*.py")),
             *sorted((PACKAGE / "services").glob("*.py")),
             *sorted((PACKAGE / "ingest").glob("*.py")),
             *sorted((PACKAGE / "domain").glob("*.py"))]
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def template_dir(key: str | None = None) -> Path:
    return cache_root() / (key or code_key())


def fresh_template(key: str | None = None, *, now: float | None = None) -> Path | None:
    folder = template_dir(key)
    try:
        made = json.loads((folder / "made.json").read_text())["made_at"]
    except (OSError, ValueError, KeyError):
        return None
    age = (now or time.time()) - float(made)
    return folder if 0 <= age < MAX_AGE_S else None


def prepare_template(progress: Progress | None = None) -> Path:
    """Build the demo database into the cache (replacing an older one)."""
    from .app import build_demo_services

    key = code_key()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="building-", dir=root))
    services = build_demo_services(work, progress=progress)
    try:
        services.paging.tick()  # the demo's waiting draft pages its approver, as a live one
    finally:
        services.close()
    for leftover in work.glob("demo.sqlite-*"):  # -wal / -shm after a clean close
        leftover.unlink(missing_ok=True)
    (work / "made.json").write_text(json.dumps({"made_at": time.time(), "key": key}))
    target = template_dir(key)
    old = root / f"old-{key}-{os.getpid()}"
    if target.exists():
        target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    for stale in root.iterdir():  # templates of older code
        if stale.name != key and not stale.name.startswith("building-"):
            shutil.rmtree(stale, ignore_errors=True)
    return target


def demo_settings(folder: Path) -> Settings:
    from commandcenter.config import Settings

    # The demo copy has an audit key of its own, never the user's.
    return Settings(database_url=f"sqlite:///{folder / 'demo.sqlite'}", data_dir=folder,
                    audit_key_file=folder / "audit.key")


def copy_template(template: Path, folder: Path) -> None:
    """A new copy of the prepared demo ``template`` in ``folder``. Its score snapshots'
    rows and ``ids.same`` files name them relative to the snapshot folder, so the copy
    reads its own (the template was prepared in a folder since renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in template.iterdir():
        if item.name == "made.json":
            continue
        dest = folder / item.name
        if item.is_dir():
            shutil.copytree(item, dest, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest)


def open_demo_copy(folder: Path, progress: Progress | None = None) -> Services:
    """Services over a new copy of the prepared demo in ``folder`` (preparing it first
    when there is none, or it is too old)."""
    from commandcenter.app import build

    template = fresh_template() or prepare_template(progress)
    if progress is not None:
        progress("opening a copy of the demo database", 1, 1)
    copy_template(template, folder)
    return build(demo_settings(folder))
