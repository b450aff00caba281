"""The window's first-screen reads on sqlite3: the lite path of the start-up reader.

The start-up reader (ui/prefetch.py) is a forked child that reads what the first
screen shows while the window is built. On the full services that child spends
most of its time importing SQLAlchemy and compiling statements; on an up-to-date
SQLite database it reads through :class:`ScreenReader` instead (by way of
services/read_only.py, which builds the services' views from these rows and the
domain's functions). It extends persistence/lite_read.py's :class:`LiteReader`:
the same checks before it opens (a plain SQLite file in WAL mode at the
migrations' head, the audit log keyed, nothing waiting for the outbox), the same
single read transaction, the same :class:`Unsuitable` for a value the ORM would
not have written. Every statement here mirrors the service's own (its WHERE and
ORDER BY, and its columns where a tie's order depends on the plan), so the rows
come back in the same order.

What this returns is rows and domain objects; the views of the services layer
(AlertView, ContactStatus, ...) are built above it. The columns read are named
in :data:`READS`, which tests/persistence/test_lite_read.py checks against the
ORM's tables.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from commandcenter.domain.chains import Delegation
from commandcenter.domain.commitments import commitment_figures
from commandcenter.domain.errors import NotFound
from commandcenter.domain.incidents import IncidentView
from commandcenter.domain.messages import MessageState
from commandcenter.domain.operators import OperatorView, Role
from commandcenter.domain.roster import AvailabilityStatus, AvailabilityWindow, Contact
from commandcenter.domain.timeline import EntryKind, TimelineEntry

from .lite_read import (
    _INCIDENTS,
    _MESSAGES,
    LiteReader,
    Unsuitable,
    _bool,
    _incident,
    _int,
    _maybe_int,
    _maybe_str,
    _maybe_time,
    _message,
    _stored,
    _str,
    _time,
    open_reader,
)
from .outbox import Outbox

CONTACT_COLUMNS = ("id", "name", "title", "email", "phone", "handle", "timezone")
TIMELINE_COLUMNS = ("id", "incident_id", "seq", "occurred_at", "recorded_at", "kind", "actor",
                    "text", "data", "corrects_id", "pinned")
ALERT_COLUMNS = ("id", "detector", "level", "state", "onset_at", "resolved_at", "peak_score",
                 "acknowledged_by", "acknowledged_at", "incident_id", "evidence", "version")
# Every column of availability_windows, as the ORM selects them: the plan (an index or
# the table) and so the order of a contact's windows is the one the service meets.
WINDOW_COLUMNS = ("id", "contact_id", "status", "starts_at", "ends_at", "reachable", "note",
                  "set_by", "set_at")
READS: dict[str, tuple[str, ...]] = {
    "contacts": CONTACT_COLUMNS,
    "operators": ("id", "contact_id", "role"),
    "availability_windows": WINDOW_COLUMNS,
    "chains": ("id", "name"),
    "chain_members": ("chain_id", "contact_id", "position"),
    "delegations": ("id", "chain_id", "delegate_id", "starts_at", "expires_at", "granted_by",
                    "reason"),
    "timeline_entries": TIMELINE_COLUMNS,
    "message_revisions": ("message_id", "revision", "title", "body"),
    "messages": ("id", "incident_id", "state", "updated_at"),
    "incidents": ("id", "drill"),
    "metric_series": ("id", "name", "unit", "source", "sensitivity"),
    "metric_points": ("series_id", "ts", "value"),
    "metric_rollups": ("series_id", "resolution", "bucket", "min", "max", "mean", "count"),
    "alerts": (*ALERT_COLUMNS, "series_id"),
    "snapshots": ("id", "taken_at", "healthy", "path"),
    "scoring_changes": ("id", "title", "effective_at", "announced_at", "released_at",
                        "explanation_message_id"),
    "publications": ("message_id", "destination", "file_name"),
    "audit_head": ("id", "seq", "hash"),
}

if TYPE_CHECKING:
    from commandcenter.domain.messages import MessageView

COUNT_CAP = 10_000  # services/incidents.py: a page's total is counted up to this many

_INCIDENT = _INCIDENTS.format(where="WHERE i.id = ? ")
_TIMELINE = f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM timeline_entries"
_TIMELINE_COUNT = ("SELECT count(*) FROM (SELECT id FROM timeline_entries"
                   " WHERE incident_id = ? LIMIT ?)")
_REVIEW_QUEUE = ("SELECT m.id, i.drill FROM messages AS m JOIN incidents AS i"
                 " ON i.id = m.incident_id WHERE m.state IN (?, ?) ORDER BY m.updated_at, m.id")
_MESSAGE = _MESSAGES + " WHERE m.id = ?"
_REVISIONS = ("SELECT revision, title, body FROM message_revisions WHERE message_id = ?"
              " ORDER BY revision")
_CONTACT = ", ".join(f"c.{c}" for c in CONTACT_COLUMNS)
_CONTACTS = f"SELECT {_CONTACT} FROM contacts AS c"
_ROLES = "SELECT contact_id, role FROM operators"
_WINDOWS = f"SELECT {', '.join(WINDOW_COLUMNS)} FROM availability_windows"
_OPERATORS = ("SELECT o.id, c.id, c.name, o.role FROM operators AS o JOIN contacts AS c"
              " ON c.id = o.contact_id ORDER BY c.name")
_CHAIN_NAMES = "SELECT name FROM chains ORDER BY name"
_CHAIN = "SELECT id, name FROM chains WHERE name = ?"
_MEMBERS = (f"SELECT {_CONTACT} FROM contacts AS c JOIN chain_members AS m"
            " ON m.contact_id = c.id WHERE m.chain_id = ? ORDER BY m.position")
_DELEGATIONS = ("SELECT id, delegate_id, starts_at, expires_at, granted_by, reason"
                " FROM delegations WHERE chain_id = ?")
_SERIES = "SELECT id, name, unit, source, sensitivity FROM metric_series"
_LAST_POINT = ("SELECT ts, value FROM metric_points WHERE series_id = ?"
               " ORDER BY ts DESC LIMIT 1")
_POINTS = ("SELECT ts, value FROM metric_points WHERE series_id = ? AND ts >= ? AND ts < ?"
           " ORDER BY ts LIMIT ?")
_OLDEST = "SELECT min(ts) FROM metric_points WHERE series_id = ?"
_ROLLUP_WHERE = (" FROM metric_rollups WHERE series_id = ? AND resolution = ? AND bucket >= ?"
                 " AND bucket < ?")
_ANY_ROLLUP = "SELECT 1" + _ROLLUP_WHERE + " LIMIT 1"
_ROLLUP = "SELECT bucket, min, max, mean, count" + _ROLLUP_WHERE + " ORDER BY bucket"
_ALERT = ", ".join(f"a.{c}" for c in ALERT_COLUMNS)
_SERIES_FIRING = (f"SELECT {_ALERT} FROM alerts AS a WHERE a.series_id = ?"
                  " AND a.state = 'firing' ORDER BY a.onset_at")
_ALERTS = (f"SELECT {_ALERT}, s.name FROM alerts AS a LEFT OUTER JOIN metric_series AS s"
           " ON s.id = a.series_id WHERE a.state {op} 'firing'"
           " ORDER BY a.onset_at DESC, a.id DESC")
_NEWEST_SNAPSHOT = ("SELECT id, taken_at, healthy, path FROM snapshots"
                    " ORDER BY taken_at DESC, id DESC LIMIT 1")
_HEALTHY_SNAPSHOT = "SELECT id, taken_at, path FROM snapshots WHERE healthy IS 1 AND taken_at < ?"
_CHANGES = ("SELECT id, title, effective_at, announced_at, released_at, explanation_message_id"
            " FROM scoring_changes ORDER BY effective_at, id")
_PUBLICATION_FILE = "SELECT destination, file_name FROM publications WHERE message_id = ?"
_AUDIT_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"


@dataclass(frozen=True, slots=True)
class ChainRows:
    """What ``owner_at`` needs for one chain (services/ownership.py ChainSnapshot's)."""

    name: str
    members: list[Contact]
    delegations: list[Delegation]
    contacts: dict[int, Contact]
    windows: dict[int, list[AvailabilityWindow]]


@dataclass(frozen=True, slots=True)
class SeriesRow:
    id: int
    name: str
    unit: str
    source: str
    sensitivity: str | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert's stored values in AlertView's order, its series' name (if any) apart."""

    values: tuple[object, ...]
    series_name: str | None


@dataclass(frozen=True, slots=True)
class Columns:
    """Float64 columns as machine bytes (``array("d")``): no NumPy on this path."""

    n: int
    columns: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    id: int
    taken_at: datetime
    healthy: bool
    path: str | None


class ScreenReader(LiteReader):
    """LiteReader's reads and the first screen's, on one read transaction."""

    # -- incidents ---------------------------------------------------------------
    def incident(self, incident_id: int) -> IncidentView:
        """As IncidentService.get: the view and its commitments' figures."""
        with self._rows(_INCIDENT, (incident_id,)) as rows:
            if not rows:
                raise NotFound(f"incident: no incident {incident_id}")
            view = _incident(rows[0])
        figures = commitment_figures(self.commitments(incident_id, overdue_at=None,
                                                      state=None))
        return replace(view, commitments=figures)

    def timeline(self, incident_id: int, *, offset: int, limit: int,
                 kinds: frozenset[EntryKind] | None) -> tuple[tuple[TimelineEntry, ...], int]:
        """As IncidentService.timeline without a text filter: (entries, the total counted
        up to COUNT_CAP + 1)."""
        with self._rows("SELECT drill FROM incidents WHERE id = ?", (incident_id,)) as found:
            if not found:
                raise NotFound(f"incident: no incident {incident_id}")
            drill = _bool(found[0][0])
        order = " ORDER BY occurred_at, id LIMIT ? OFFSET ?"
        if kinds:
            values = [k.value for k in kinds]
            marks = ", ".join("?" * len(values))
            with self._rows(f"SELECT id FROM timeline_entries WHERE incident_id = ?"
                            f" AND kind IN ({marks}) LIMIT ?",
                            (incident_id, *values, COUNT_CAP + 1)) as rows:
                ids = list(dict.fromkeys(_int(r[0]) for r in rows))
            total = COUNT_CAP + 1 if len(rows) > COUNT_CAP else len(ids)
            if total == 0:
                return (), 0
            if total <= COUNT_CAP:
                sql = f"{_TIMELINE} WHERE id IN ({', '.join('?' * len(ids))}){order}"
                params: tuple[object, ...] = (*ids, limit, offset)
            else:
                sql = f"{_TIMELINE} WHERE incident_id = ? AND kind IN ({marks}){order}"
                params = (incident_id, *values, limit, offset)
        else:
            with self._rows(_TIMELINE_COUNT, (incident_id, COUNT_CAP + 1)) as rows:
                total = _int(rows[0][0])
            if total == 0:
                return (), 0
            sql, params = f"{_TIMELINE} WHERE incident_id = ?{order}", (incident_id, limit,
                                                                       offset)
        with self._rows(sql, params) as rows:
            return tuple(_entry(r, drill) for r in rows), total

    # -- messages ------------------------------------------------------------------
    def review_queue(self, outbox_dir: Path) -> list[MessageView]:
        """As MessageService.review_queue: in review or approved, oldest change first, ties
        by id."""
        outbox = Outbox(outbox_dir)
        waiting = (MessageState.IN_REVIEW.value, MessageState.APPROVED.value)
        with self._rows(_REVIEW_QUEUE, waiting) as rows:
            queue = [(_int(i), _bool(d)) for i, d in rows]
        out = []
        for message_id, drill in queue:
            with self._rows(_MESSAGE, (message_id,)) as rows:
                out.append(_message(rows[0], drill, outbox))
        return out

    def revisions(self, message_id: int) -> list[tuple[int, str | None, str]]:
        with self._rows(_REVISIONS, (message_id,)) as rows:
            return [(_int(r), _maybe_str(t), _str(b)) for r, t, b in rows]

    # -- roster --------------------------------------------------------------------
    def contacts(self) -> list[Contact]:
        with self._rows(_CONTACTS + " ORDER BY c.name") as rows:
            return [_contact(r) for r in rows]

    def roles(self) -> dict[int, Role]:
        with self._rows(_ROLES) as rows:
            return {_int(c): Role(_str(r)) for c, r in rows}

    def windows(self, contact_ids: set[int] | None = None
                ) -> dict[int, list[AvailabilityWindow]]:
        """Every contact's availability windows (or those of ``contact_ids``)."""
        sql, params = _WINDOWS, ()
        if contact_ids is not None:
            if not contact_ids:
                return {}
            ids = sorted(contact_ids)
            sql, params = f"{_WINDOWS} WHERE contact_id IN ({', '.join('?' * len(ids))})", ids
        out: dict[int, list[AvailabilityWindow]] = {}
        with self._rows(sql, tuple(params)) as rows:
            for r in rows:
                w = AvailabilityWindow(_int(r[0]), _int(r[1]), AvailabilityStatus(_str(r[2])),
                                       _time(r[3]), _time(r[4]), _bool(r[5]), _str(r[6]))
                out.setdefault(w.contact_id, []).append(w)
        return out

    def operators(self) -> list[OperatorView]:
        with self._rows(_OPERATORS) as rows:
            return [OperatorView(_int(o), _int(c), _str(n), Role(_str(r)))
                    for o, c, n, r in rows]

    def chain_names(self) -> list[str]:
        with self._rows(_CHAIN_NAMES) as rows:
            return [_str(r[0]) for r in rows]

    def chain(self, name: str) -> ChainRows:
        """As ChainSnapshot: the chain's members, delegations, their contacts and windows."""
        with self._rows(_CHAIN, (name.strip().lower(),)) as rows:
            if not rows:
                raise NotFound(f"chain: no chain called {name!r}")
            chain_id, chain_name = _int(rows[0][0]), _str(rows[0][1])
        with self._rows(_MEMBERS, (chain_id,)) as rows:
            members = [_contact(r) for r in rows]
        with self._rows(_DELEGATIONS, (chain_id,)) as rows:
            delegations = [Delegation(_int(i), chain_name, _int(d), _time(s), _time(e), _str(g),
                                      _str(r)) for i, d, s, e, g, r in rows]
        ids = {c.id for c in members} | {d.delegate_id for d in delegations}
        contacts = {c.id: c for c in members}
        if ids:
            marks = ", ".join("?" * len(ids))
            with self._rows(f"{_CONTACTS} WHERE c.id IN ({marks})", tuple(sorted(ids))) as rows:
                for r in rows:
                    c = _contact(r)
                    contacts[c.id] = c
        return ChainRows(chain_name, members, delegations, contacts, self.windows(ids))

    # -- score health -------------------------------------------------------------
    def series(self, names: list[str] | None = None) -> list[SeriesRow]:
        sql, params = _SERIES, ()
        if names is not None:
            wanted = list(dict.fromkeys(names))
            sql = f"{_SERIES} WHERE name IN ({', '.join('?' * len(wanted))})"
            params = tuple(wanted)
        with self._rows(sql + " ORDER BY name", params) as rows:
            found = [SeriesRow(_int(i), _str(n), _str(u), _str(s), _maybe_str(v))
                     for i, n, u, s, v in rows]
        if names is not None:
            missing = set(names) - {r.name for r in found}
            if missing:
                raise NotFound(f"series: no series called {sorted(missing)[0]!r}")
        return found

    def last_point(self, series_id: int) -> tuple[float, float] | None:
        with self._rows(_LAST_POINT, (series_id,)) as rows:
            return None if not rows else (_float(rows[0][0]), _float(rows[0][1]))

    def series_firing(self, series_id: int) -> list[tuple[object, ...]]:
        """A series' firing alerts, oldest onset first, in AlertView's order (less series)."""
        with self._rows(_SERIES_FIRING, (series_id,)) as rows:
            return [_alert(r) for r in rows]

    def alerts(self, *, firing: bool, limit: int | None = None) -> list[AlertRow]:
        """Firing (or not firing) alerts, newest onset first, with their series' name."""
        sql = _ALERTS.format(op="=" if firing else "!=")
        params: tuple[object, ...] = ()
        if limit is not None:
            sql, params = sql + " LIMIT ?", (limit,)
        with self._rows(sql, params) as rows:
            return [AlertRow(_alert(r[:-1]), _maybe_str(r[-1])) for r in rows]

    def points(self, series_id: int, start: float, end: float, limit: int) -> Columns:
        """Raw (ts, value) with start <= ts < end, oldest first."""
        with self._rows(_POINTS, (series_id, start, end, limit)) as rows:
            return _packed(rows, 2)

    def oldest_point(self, series_id: int) -> float | None:
        with self._rows(_OLDEST, (series_id,)) as rows:
            v = rows[0][0]
            return None if v is None else _float(v)

    def any_rollup(self, series_id: int, resolution: int, start: float, end: float) -> bool:
        with self._rows(_ANY_ROLLUP, (series_id, resolution, _bucket(start, resolution),
                                      end)) as rows:
            return bool(rows)

    def rollup(self, series_id: int, resolution: int, start: float, end: float
               ) -> tuple[Columns, bytes]:
        """(bucket, mean, min, max) as float64 columns, and the counts as int64 bytes."""
        with self._rows(_ROLLUP, (series_id, resolution, _bucket(start, resolution),
                                  end)) as rows:
            cols = _packed([(b, mean, lo, hi) for b, lo, hi, mean, _c in rows], 4)
            counts = array("q", [_int(r[4]) for r in rows]).tobytes()
            return cols, counts

    def newest_snapshot(self) -> SnapshotRow | None:
        with self._rows(_NEWEST_SNAPSHOT) as rows:
            if not rows:
                return None
            i, t, h, p = rows[0]
            return SnapshotRow(_int(i), _time(t), _bool(h), _maybe_str(p))

    def reference_snapshot(self, at: datetime, age: timedelta
                           ) -> tuple[int, datetime, str | None] | None:
        """As health_snapshots.reference_for: the last healthy snapshot at least ``age``
        old, else the oldest healthy one."""
        found = None
        if at - datetime.min.replace(tzinfo=at.tzinfo) > age:
            with self._rows(_HEALTHY_SNAPSHOT + " AND taken_at <= ?"
                            " ORDER BY taken_at DESC, id DESC LIMIT 1",
                            (_stored(at), _stored(at - age))) as rows:
                found = rows[0] if rows else None
        if found is None:
            with self._rows(_HEALTHY_SNAPSHOT + " ORDER BY taken_at, id LIMIT 1",
                            (_stored(at),)) as rows:
                found = rows[0] if rows else None
        if found is None:
            return None
        return _int(found[0]), _time(found[1]), _maybe_str(found[2])

    # -- change calendar, audit ------------------------------------------------------
    def changes(self) -> list[tuple[int, str, datetime, datetime | None, datetime | None,
                                    int | None]]:
        """(id, title, effective_at, announced_at, released_at, explanation_message_id)."""
        with self._rows(_CHANGES) as rows:
            return [(_int(i), _str(t), _time(e), _maybe_time(a), _maybe_time(r),
                     _maybe_int(m)) for i, t, e, a, r, m in rows]

    def publication_file(self, message_id: int) -> tuple[str, str] | None:
        with self._rows(_PUBLICATION_FILE, (message_id,)) as rows:
            return None if not rows else (_str(rows[0][0]), _str(rows[0][1]))

    def audit_head(self) -> tuple[int, str] | None:
        with self._rows(_AUDIT_HEAD) as rows:
            return None if not rows else (_int(rows[0][0]), _str(rows[0][1]))


def open_screen_reader(database_url: str, audit_key_path: Path) -> ScreenReader | None:
    """A first-screen reader, or None where the full path must run (lite_read.py's rules)."""
    reader = open_reader(database_url, audit_key_path, ScreenReader)
    assert reader is None or isinstance(reader, ScreenReader)
    return reader


def _contact(r: tuple[object, ...]) -> Contact:
    return Contact(_int(r[0]), _str(r[1]), _str(r[2]), _str(r[3]), _str(r[4]), _str(r[5]),
                   _str(r[6]))


def _entry(r: tuple[object, ...], drill: bool) -> TimelineEntry:
    id_, incident_id, seq, occurred, recorded, kind, actor, text, data, corrects, pinned = r
    loaded = None if data is None else json.loads(_str(data))
    if loaded is not None and not isinstance(loaded, dict):
        raise ValueError(f"not an object: {data!r}")
    return TimelineEntry(_int(id_), _int(incident_id), _int(seq), _time(occurred),
                         _time(recorded), EntryKind(_str(kind)), _str(actor), _str(text),
                         dict(loaded or {}), _maybe_int(corrects), _bool(pinned), drill)


def _alert(r: tuple[object, ...]) -> tuple[object, ...]:
    (id_, detector, level, state, onset, resolved, peak, ack_by, ack_at, incident, evidence,
     version) = r
    return (_int(id_), _str(detector), _str(level), _str(state), _time(onset),
            _maybe_time(resolved), _number(peak), _maybe_str(ack_by), _maybe_time(ack_at),
            _maybe_int(incident), _str(evidence), _int(version))


def _packed(rows: list[tuple[object, ...]], width: int) -> Columns:
    cols = [array("d") for _ in range(width)]
    for r in rows:
        for col, v in zip(cols, r, strict=True):
            col.append(_float(v))
    return Columns(len(rows), tuple(c.tobytes() for c in cols))


def _bucket(start: float, resolution: int) -> float:
    """metrics_store.read_rollup's first bucket: ``np.floor(start / r) * r``, exactly."""
    return float(math.floor(start / resolution)) * resolution


def _float(v: object) -> float:
    if type(v) is not float:
        raise ValueError(f"not a float: {v!r}")
    return v


def _number(v: object) -> float:
    if type(v) not in (float, int):
        raise ValueError(f"not a number: {v!r}")
    return v  # type: ignore[return-value]


__all__ = ["READS", "AlertRow", "ChainRows", "Columns", "ScreenReader", "SeriesRow",
           "SnapshotRow", "Unsuitable", "open_screen_reader"]
