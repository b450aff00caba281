"""The data check: what our own score snapshots say about the people who mention us.

A mention is matched to a profile by its ``profile_id`` when it has one, else
by its author's handle (as written, without and with a leading "@", and in
lower case): snapshot files with text ids store them hashed (``hash_ids``), so
a handle is hashed the same way. The scores come from the last ``LOOKBACK``
stored snapshots, a handful of chunk reads each (``ingest.snapshot_lookup``),
once per import for all of its authors together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import is_, is_not
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from commandcenter.domain.mentions import NOT_FOUND, ScoreCheck
from commandcenter.persistence.metrics_models import SnapshotRow
from commandcenter.persistence.uow import UnitOfWork

if TYPE_CHECKING:  # NumPy and the snapshot readers load when a check runs, not for a listing
    import numpy as np

LOOKBACK = 3
WIDTH = 5  # candidate keys per person
_INT = re.compile(r"[+-]?[0-9]{1,19}")
_BATCH = re.compile(r"batch[-_ ]?(\d+)", re.IGNORECASE)
Who = tuple[str | None, str]  # (profile_id, author)


class Facts:
    """What the data check says of each person, as an import needs it: (the data shows a
    fall, the check's text), learnt once per person. A mention with a ``profile_id`` is
    checked by that id alone, one without by its author alone, so they are kept apart
    by that key (no (profile_id, author) pair to build per row)."""

    def __init__(self) -> None:
        self.by_profile: dict[str, tuple[bool, str]] = {}
        self.by_author: dict[str, tuple[bool, str]] = {}

    def learn(self, snapshots: list[Snapshot], pids: Sequence[str | None],
              authors: Sequence[str]) -> None:
        """Check the people of these rows not checked before."""
        profiles = set(pids).difference(self.by_profile)
        profiles.discard(None)
        handles = set(compress(authors, map(is_, pids, repeat(None)))).difference(
            self.by_author)
        if not profiles and not handles:
            return
        who: list[Who] = [(p, "") for p in profiles] + [(None, a) for a in handles]
        for (pid, author), check in check_against(snapshots, who).items():
            fact = (check.fell, check.text())
            if pid is None:
                self.by_author[author] = fact
            else:
                self.by_profile[pid] = fact

    def add(self, checks: dict[Who, ScoreCheck]) -> None:
        for (pid, author), check in checks.items():
            into, key = ((self.by_author, author) if pid is None
                         else (self.by_profile, pid))
            into[key] = (check.fell, check.text())

    def of(self, pids: Sequence[str | None], authors: Sequence[str]
           ) -> list[tuple[bool, str]]:
        facts = list(map(self.by_author.get, authors))  # right for a row without an id
        by_profile = self.by_profile
        for i in compress(range(len(pids)), map(is_not, pids, repeat(None))):
            facts[i] = by_profile[pids[i]]  # type: ignore[index]
        return facts  # type: ignore[return-value]


def batch_label(row_id: int, source: str) -> str:
    found = _BATCH.search(source or "")
    return f"batch {found.group(1)}" if found else f"snapshot {row_id}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    id: int
    path: str
    label: str


def recent_snapshots(uow: UnitOfWork, folder: Path) -> list[Snapshot]:
    """The last ``LOOKBACK`` snapshots with stored rows, oldest first; their paths
    resolved against the snapshot folder ``folder`` (ingest/snapshot_paths.py)."""
    from commandcenter.ingest.snapshot_paths import resolve

    rows = uow.session.execute(
        select(SnapshotRow.id, SnapshotRow.path, SnapshotRow.source)
        .where(SnapshotRow.path.is_not(None))
        .order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc()).limit(LOOKBACK)).all()
    found = [(r, resolve(r.path, folder) or "") for r in reversed(rows)]
    return [Snapshot(r.id, path, batch_label(r.id, r.source))
            for r, path in found if Path(path).exists()]


def score_checks(uow: UnitOfWork, who: Iterable[Who], folder: Path
                 ) -> dict[Who, ScoreCheck]:
    """The check for each (profile_id, author); NOT_FOUND where no snapshot knows them."""
    return check_against(recent_snapshots(uow, folder), who)


def check_against(snapshots: list[Snapshot], who: Iterable[Who]) -> dict[Who, ScoreCheck]:
    """The data check of each (profile_id, author) against ``snapshots`` (oldest first).

    Vectorised over the people: one lookup per snapshot for all their keys, then
    a pass over the (few) snapshots that keeps, per person, the largest fall
    from one snapshot holding them to the next.
    """
    who = list(dict.fromkeys(who))
    if not who or not snapshots:
        return dict.fromkeys(who, NOT_FOUND)
    import numpy as np

    from commandcenter.ingest.snapshot_lookup import lookup_scores

    keys, plans = _candidate_keys(who)
    wanted, inverse = np.unique(keys.ravel(), return_inverse=True)
    table = np.full((len(snapshots), wanted.size), np.nan)
    for i, snap in enumerate(snapshots):
        try:
            found, scores = lookup_scores(snap.path, wanted)
        except (OSError, ValueError):
            continue  # a lost or damaged snapshot: checked against the others
        table[i, found] = scores[found]
    per_key = table[:, inverse].reshape(len(snapshots), len(who), WIDTH)
    known = np.isfinite(per_key).any(axis=0)  # (who, candidate)
    pick = np.argmax(known, axis=1)
    has = known[np.arange(len(who)), pick]
    series = per_key[:, np.arange(len(who)), pick]  # (snapshot, who)
    return _falls(who, plans, series, has, [s.label for s in snapshots])


def _candidate_keys(who: list[Who]) -> tuple[np.ndarray, list[str]]:
    """keys[w, c]: the c-th candidate key of person w (``WIDTH`` of them, repeats allowed),
    and how each is matched. Each distinct text is hashed once."""
    import numpy as np

    from commandcenter.ingest.snapshot_files import hash_ids

    texts: list[str] = []
    how: list[str] = []
    ints = np.zeros((len(who), WIDTH), dtype=np.int64)
    is_int = np.zeros((len(who), WIDTH), dtype=bool)
    for w, (profile_id, author) in enumerate(who):
        if profile_id is not None:
            how.append("profile_id")
            texts.extend((profile_id,) * WIDTH)
            if _INT.fullmatch(profile_id) and -(2**63) <= int(profile_id) < 2**63:
                ints[w, 0] = int(profile_id)
                is_int[w, 0] = True
        else:
            how.append("handle")
            bare = author.lstrip("@") or author
            low = bare.lower()
            texts.extend((author, bare, f"@{bare}", low, f"@{low}"))
    unique = list(dict.fromkeys(texts))
    hashed = dict(zip(unique, hash_ids(unique).tolist(), strict=True))
    keys = np.fromiter((hashed[t] for t in texts), dtype=np.int64,
                       count=len(texts)).reshape(len(who), WIDTH)
    keys[is_int] = ints[is_int]
    return keys, how


def _falls(who: list[Who], plans: list[str], series: np.ndarray,
           has: np.ndarray, labels: list[str]) -> dict[Who, ScoreCheck]:
    import numpy as np

    n = len(who)
    last = np.full(n, np.nan)
    last_at = np.full(n, -1)
    first = np.full(n, np.nan)
    first_at = np.full(n, -1)
    worst = np.zeros(n)
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    at = np.full(n, -1)
    for i in range(series.shape[0]):
        value = series[i]
        ok = np.isfinite(value)
        step = np.where(ok & np.isfinite(last), value - last, 0.0)
        fell = step < worst
        worst = np.where(fell, step, worst)
        before = np.where(fell, last, before)
        after = np.where(fell, value, after)
        at = np.where(fell, i, at)
        first_at = np.where(ok & (first_at < 0), i, first_at)
        first = np.where(ok & np.isnan(first), value, first)
        last = np.where(ok, value, last)
        last_at = np.where(ok, i, last_at)
    out: dict[Who, ScoreCheck] = {}
    for w in range(n):
        if not has[w]:
            out[who[w]] = NOT_FOUND
        elif at[w] >= 0:
            out[who[w]] = ScoreCheck(True, float(before[w]), float(after[w]), labels[at[w]],
                                     plans[w])
        else:
            out[who[w]] = ScoreCheck(True, float(first[w]), float(last[w]),
                                     labels[last_at[w]], plans[w])
    return out
