"""What the persistence layer knows without importing SQLAlchemy or Alembic.

The busy timeout, the migrations' head revision and the roll-up resolutions are
shared by the engine (engine.py, app.py, metrics_models.py) and the read-only path
(lite_read.py, lite_screen.py), which must agree.
"""

from __future__ import annotations

import re
from pathlib import Path

# The metrics' roll-up resolutions in seconds (metrics_models.py re-exports them).
ROLLUP_RESOLUTIONS: tuple[int, ...] = (60, 3600, 86400)

# How long a statement waits for another connection's lock before giving up.
BUSY_TIMEOUT_MS = 10_000

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*['\"]?([^'\"\n]*?)['\"]?\s*$", re.M)


def script_head() -> str | None:
    """The newest migration, read from the scripts without importing Alembic (~0.2 s).

    None when the history is not a simple chain; callers then ask Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in MIGRATIONS.glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            return None
        revisions.add(found["revision"])
        parents.add(found.get("down_revision", "None"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None
