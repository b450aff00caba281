"""The read-only services a listing command can run on without SQLAlchemy.

:func:`open_read_only` gives the part of :class:`commandcenter.app.Services`
that a read-only command uses, on persistence/lite_read.py, or None where the
full services must run instead (not a plain SQLite file, a migration due, the
outbox or the audit log to attend to, anything unusual). A method that meets
a value it cannot read exactly as the ORM would raises ``Unsuitable``; the
caller then runs the command again on the full services. Nothing here writes.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from commandcenter.config import Settings
from commandcenter.domain.clock import Clock, SystemClock, as_utc
from commandcenter.domain.commitments import Commitment, CommitmentState
from commandcenter.domain.incidents import IncidentView
from commandcenter.domain.timeline import EntryKind
from commandcenter.ingest.snapshot_paths import resolve, snapshot_dir
from commandcenter.persistence.lite_read import LiteReader, Unsuitable, open_reader
from commandcenter.persistence.lite_screen import COUNT_CAP

if TYPE_CHECKING:
    from commandcenter.domain.audit import AuditKey
    from commandcenter.domain.chains import Ownership
    from commandcenter.domain.messages import MessageView
    from commandcenter.domain.operators import OperatorView
    from commandcenter.persistence.lite_screen import ScreenReader

    from .health_views import AlertView, SeriesData, SeriesStatus
    from .views import ChartMark, ContactStatus, SignedHead, TimelinePage

__all__ = ["FirstScreenServices", "ReadOnlyServices", "Unsuitable", "open_first_screen",
           "open_read_only"]


class ReadOnlyIncidents:
    """IncidentService's reads that the lite path can answer."""

    def __init__(self, reader: LiteReader) -> None:
        self._reader = reader

    def list(self, *, include_closed: bool = True) -> list[IncidentView]:
        return self._reader.incidents(include_closed=include_closed)


class ReadOnlyCommitments:
    """CommitmentService's reads; its sweep only where it would find nothing to do."""

    def __init__(self, reader: LiteReader, clock: Clock) -> None:
        self._reader, self._clock = reader, clock

    def sweep(self) -> list[Commitment]:
        """Nothing fell due unkept, so nothing to break; else the full services must."""
        if self._reader.commitments_due_unkept(self._clock.now()):
            raise Unsuitable("a commitment fell due unkept: the full sweep must run")
        return []

    def list(self, incident_id: int | None = None, *, overdue: bool = False,
             state: CommitmentState | None = None) -> list[Commitment]:
        return self._reader.commitments(
            incident_id, overdue_at=self._clock.now() if overdue else None, state=state)


class ReadOnlyMessages:
    """MessageService's listing."""

    def __init__(self, reader: LiteReader, outbox_dir: Path) -> None:
        self._reader, self._outbox_dir = reader, outbox_dir

    def list(self, incident_id: int) -> list[MessageView]:
        from commandcenter.persistence.outbox import Outbox

        return self._reader.messages(incident_id, Outbox(self._outbox_dir))


@dataclass(frozen=True)
class ReadOnlyContext:
    clock: Clock


class ReadOnlyServices:
    def __init__(self, reader: LiteReader, settings: Settings, clock: Clock | None = None
                 ) -> None:
        self._reader = reader
        self.ctx = ReadOnlyContext(clock or SystemClock())
        self.incidents = ReadOnlyIncidents(reader)
        self.commitments = ReadOnlyCommitments(reader, self.ctx.clock)
        self.messages = ReadOnlyMessages(reader, settings.outbox_dir)

    def close(self) -> None:
        self._reader.close()


def open_read_only(settings: Settings) -> ReadOnlyServices | None:
    reader = open_reader(settings.database_url, settings.audit_key_path)
    return None if reader is None else ReadOnlyServices(reader, settings)


# --- the window's first screen (the start-up reader's lite path, ui/prefetch.py) -------
class _Packed:
    """An array as machine bytes: pickled as :func:`health_views.array_from`'s call, so it
    unpickles (in the window, which has NumPy) as the array the service returns."""

    __slots__ = ("data", "dtype")

    def __init__(self, data: bytes, dtype: str) -> None:
        self.data, self.dtype = data, dtype

    def __reduce__(self) -> tuple[object, tuple[bytes, str]]:
        from .health_views import array_from

        return array_from, (self.data, self.dtype)


class _Later:
    """A value made where it is unpickled: ``fn(*args)`` (the snapshot scores, read from
    their files with NumPy in the window rather than in the reader)."""

    __slots__ = ("args", "fn")

    def __init__(self, fn: Callable[..., object], args: tuple[object, ...]) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        return self.fn, self.args


class ScreenIncidents(ReadOnlyIncidents):
    def __init__(self, reader: ScreenReader) -> None:
        super().__init__(reader)
        self._screen = reader

    def get(self, incident_id: int) -> IncidentView:
        return self._screen.incident(incident_id)

    def timeline(self, incident_id: int, *, offset: int = 0, limit: int | None = None,
                 text: str = "", kinds: frozenset[EntryKind] | None = None,
                 pinned_first: bool = False) -> TimelinePage:
        """IncidentService.timeline's pages without a text filter or pinned-first order."""
        from .views import TimelinePage

        if text.strip() or pinned_first or limit is None:
            raise Unsuitable("a timeline read the first screen does not make")
        entries, total = self._screen.timeline(incident_id, offset=offset, limit=limit,
                                               kinds=kinds)
        if total == 0:
            return TimelinePage((), 0)
        if total <= COUNT_CAP:
            return TimelinePage(entries, total)
        if len(entries) < limit:
            return TimelinePage(entries, offset + len(entries))
        return TimelinePage(entries, max(COUNT_CAP + 1, offset + len(entries) + 1),
                            total_exact=False)


class ScreenMessages(ReadOnlyMessages):
    def __init__(self, reader: ScreenReader, outbox_dir: Path) -> None:
        super().__init__(reader, outbox_dir)
        self._screen = reader

    def review_queue(self) -> list[MessageView]:
        return self._screen.review_queue(self._outbox_dir)

    def revisions(self, message_id: int) -> list[tuple[int, str | None, str]]:
        return self._screen.revisions(message_id)


class ScreenRoster:
    """RosterService's reads of the first screen, ownership by the domain's owner_at."""

    def __init__(self, reader: ScreenReader, clock: Clock) -> None:
        self._reader, self._clock = reader, clock

    def contacts(self, at: datetime | None = None) -> list[ContactStatus]:
        from commandcenter.domain.roster import availability_and_next_change

        from .views import ContactStatus

        t = as_utc(at) if at else self._clock.now()
        contacts = self._reader.contacts()
        roles = self._reader.roles()
        windows = self._reader.windows()
        out = []
        for c in contacts:
            now_state, nxt = availability_and_next_change(windows.get(c.id, []), t)
            out.append(ContactStatus(c, now_state, nxt, roles.get(c.id)))
        return out

    def operators(self) -> list[OperatorView]:
        return self._reader.operators()

    def owner(self, chain: str, at: datetime | None = None) -> Ownership:
        t = as_utc(at) if at else self._clock.now()
        return self._owner_at(chain, t)

    def owners(self, at: datetime | None = None) -> list[Ownership]:
        t = as_utc(at) if at else self._clock.now()
        return [self._owner_at(name, t) for name in self._reader.chain_names()]

    def _owner_at(self, chain: str, t: datetime) -> Ownership:
        from commandcenter.domain.chains import owner_at

        c = self._reader.chain(chain)
        return owner_at(c.name, c.members, c.windows, c.delegations, t, c.contacts)


class ScreenHealth:
    """HealthService's reads of the first screen; arrays travel as bytes (no NumPy here)."""

    def __init__(self, reader: ScreenReader, clock: Clock, snapshot_dir: Path) -> None:
        self._reader, self._clock, self._snapshot_dir = reader, clock, snapshot_dir

    def status(self) -> list[SeriesStatus]:
        from commandcenter.domain.sensitivity import Sensitivity

        from .health_views import AlertView, SeriesStatus, instant

        now = self._clock.now()
        out = []
        for row in self._reader.series():
            last = self._reader.last_point(row.id)
            firing = tuple(AlertView(a[0], row.name, *a[1:])  # type: ignore[arg-type]
                           for a in self._reader.series_firing(row.id))
            out.append(SeriesStatus(
                row.name, row.unit, row.source, None if last is None else instant(last[0]),
                None if last is None else last[1],
                None if last is None else now.timestamp() - last[0], firing,
                row.sensitivity or Sensitivity.NORMAL.value))
        return out

    def alerts(self, *, firing_only: bool = False,
               resolved_limit: int | None = None) -> list[AlertView]:
        from .health_views import AlertView

        if not (firing_only or resolved_limit is not None):
            raise Unsuitable("every alert: not a read the first screen makes")
        rows = self._reader.alerts(firing=True)
        if resolved_limit:
            rows += self._reader.alerts(firing=False, limit=resolved_limit)
        views = [AlertView(a.values[0], a.series_name or a.values[1],  # type: ignore[arg-type]
                           *a.values[1:]) for a in rows]
        views.sort(key=lambda v: (-v.onset_at.timestamp(), -v.id))
        return views

    def snapshot_scores(self) -> object:
        """The newest snapshot's and its reference's rows; their scores are read from the
        files where this answer is unpickled (health_views.snapshot_scores_view). Their
        paths are resolved against the snapshot folder as the services resolve them
        (ingest/snapshot_paths.py)."""
        from .health_views import REFERENCE_AGE, snapshot_scores_view

        newest = self._reader.newest_snapshot()
        if newest is None or not newest.path:
            return None
        reference = self._reader.reference_snapshot(newest.taken_at, REFERENCE_AGE)
        if reference is not None:
            reference = (reference[0], reference[1], resolve(reference[2], self._snapshot_dir))
        return _Later(snapshot_scores_view, (newest.id, newest.taken_at, newest.healthy,
                                             resolve(newest.path, self._snapshot_dir),
                                             reference))

    def points(self, series: str, start: datetime, end: datetime,
               max_points: int = 4000) -> SeriesData:
        """As HealthService.points: raw points when they serve the range, else roll-ups."""
        import math

        from commandcenter.persistence.light import ROLLUP_RESOLUTIONS

        from .health_views import SeriesData

        s, e = as_utc(start).timestamp(), as_utc(end).timestamp()
        row = self._reader.series([series])[0]
        raw = self._reader.points(row.id, s, e, max_points + 1)
        oldest = self._reader.oldest_point(row.id)
        first = ROLLUP_RESOLUTIONS[0]
        first_bucket = None if oldest is None else float(math.floor(oldest / first)) * first
        raw_covers = (oldest is None or s >= oldest
                      or not self._reader.any_rollup(row.id, first, s, first_bucket))
        if raw.n <= max_points and raw_covers:
            values = _Packed(raw.columns[1], "float64")
            ones = _Packed(array("q", [1]).tobytes() * raw.n, "int64")
            return SeriesData(series, 0, _Packed(raw.columns[0], "float64"),  # type: ignore[arg-type]
                              values, values, values, ones)  # type: ignore[arg-type]
        span = max(e - s, 1.0)
        resolution = next((r for r in ROLLUP_RESOLUTIONS if span / r <= max_points),
                          ROLLUP_RESOLUTIONS[-1])
        cols, counts = self._reader.rollup(row.id, resolution, s, e)
        bucket, mean, lo, hi = (_Packed(c, "float64") for c in cols.columns)
        return SeriesData(series, resolution, bucket, mean, lo, hi,  # type: ignore[arg-type]
                          _Packed(counts, "int64"))  # type: ignore[arg-type]


class ScreenChanges:
    def __init__(self, reader: ScreenReader, outbox_dir: Path) -> None:
        self._reader, self._outbox_dir = reader, outbox_dir

    def chart_marks(self) -> list[ChartMark]:
        from commandcenter.persistence.outbox import Outbox

        from .views import chart_mark

        out = []
        for change_id, title, effective, announced, released, explanation in \
                self._reader.changes():
            link = None
            if explanation is not None:
                pub = self._reader.publication_file(explanation)
                link = str(Outbox(self._outbox_dir).path_for(*pub)) if pub else None
            out.append(chart_mark(change_id, title, effective, announced is not None,
                                  released, explanation, link))
        return out


class ScreenAudit:
    def __init__(self, reader: ScreenReader, key: AuditKey) -> None:
        self._reader, self._key = reader, key

    def signed_head(self) -> SignedHead:
        from commandcenter.domain.audit import head_signature

        from .views import SignedHead

        seq, digest = self._reader.audit_head() or (0, "")
        return SignedHead(seq, digest, head_signature(self._key, seq, digest), self._key.id)


class FirstScreenServices:
    """The services' reads that ui/prefetch.py's first_screen_reads makes, on sqlite3."""

    def __init__(self, reader: ScreenReader, settings: Settings, key: AuditKey,
                 clock: Clock | None = None) -> None:
        self._reader = reader
        self.ctx = ReadOnlyContext(clock or SystemClock())
        self.incidents = ScreenIncidents(reader)
        self.messages = ScreenMessages(reader, settings.outbox_dir)
        self.roster = ScreenRoster(reader, self.ctx.clock)
        self.health = ScreenHealth(reader, self.ctx.clock, snapshot_dir(settings.outbox_dir))
        self.changes = ScreenChanges(reader, settings.outbox_dir)
        self.audit = ScreenAudit(reader, key)

    def close(self) -> None:
        self._reader.close()


def open_first_screen(settings: Settings, clock: Clock | None = None
                      ) -> FirstScreenServices | None:
    """The first screen's reads without SQLAlchemy, or None where they must go to the
    full services (lite_read.py's rules: a migration due, the audit log unkeyed, ...)."""
    from commandcenter.persistence.audit_key import read_existing
    from commandcenter.persistence.lite_screen import open_screen_reader

    try:
        key = read_existing(settings.audit_key_path)
    except (OSError, ValueError):
        return None
    if key is None:
        return None
    reader = open_screen_reader(settings.database_url, settings.audit_key_path)
    return None if reader is None else FirstScreenServices(reader, settings, key, clock)
