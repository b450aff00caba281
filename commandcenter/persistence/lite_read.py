"""A read-only path on the standard library's sqlite3, for listings people script.

Importing SQLAlchemy costs a command line call more CPU than the rest of it
together, so ``incident list``, ``commitment list`` and ``message list`` on an
up-to-date SQLite database read through this module instead (by way of
services/read_only.py) and build the same domain objects the services return.
It answers only when the full path would do nothing but the same read:
:func:`open_reader` returns None (take the full path) unless the URL is a
plain SQLite file that exists, is in WAL mode, is at the migrations' head,
has its audit log keyed and no publication waiting for the outbox, and the
audit key file is there and readable. Each of those the full path would act
on (create, migrate, key, deliver) or report; here they are only looked at.
A value that is not what SQLAlchemy would have written raises
:class:`Unsuitable`, and the caller takes the full path too.

The SQL lives here alone; the columns it reads are named in :data:`READS`,
which tests/persistence/test_lite_read.py checks against the ORM's tables.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from commandcenter.domain.commitments import Commitment, CommitmentState
from commandcenter.domain.errors import InvalidInput, NotFound
from commandcenter.domain.incidents import IncidentView, incident_view

from .audit_key import read_existing
from .light import BUSY_TIMEOUT_MS, script_head

if TYPE_CHECKING:  # message list's own: imported when it runs, not for incident list
    from commandcenter.domain.messages import MessageView

    from .outbox import Outbox

# The stored columns of an incident's view, in incident_view's order (commander: a join).
INCIDENT_COLUMNS = ("id", "title", "kind", "severity", "status", "drill", "detected_at",
                    "declared_at", "first_public_ack_at", "explained_at", "resolved_at",
                    "closed_at", "version")
# A Commitment's fields, in its order, as (table, column): c, the commitment; i, its incident.
COMMITMENT_COLUMNS = (
    ("c", "id"), ("c", "incident_id"), ("i", "title"), ("c", "text"), ("c", "owner"),
    ("c", "due_at"), ("c", "state"), ("c", "made_at"), ("c", "message_id"), ("c", "kept_at"),
    ("c", "kept_message_id"), ("c", "kept_by"), ("i", "drill"))
# Every table and column this module reads: kept in step with the ORM by a test.
READS: dict[str, tuple[str, ...]] = {
    "incidents": (*INCIDENT_COLUMNS, "commander_id"),
    "commitments": tuple(c for t, c in COMMITMENT_COLUMNS if t == "c"),
    "messages": ("id", "incident_id", "channel", "title", "body", "purpose", "state",
                 "revision", "author_id", "content_hash", "created_at", "updated_at",
                 "version", "rejected_reason"),
    "approvals": ("id", "message_id", "revision", "voided_at", "approver_id", "approved_at"),
    "contacts": ("id", "name"),
    "audit_head": ("id", "key_id"),
    "publications": ("message_id", "destination", "published_at", "content_hash",
                     "delivered_at"),
}

_INCIDENTS = (
    "SELECT " + ", ".join(f"i.{c}" for c in INCIDENT_COLUMNS[:6]) + ", c.name, "
    + ", ".join(f"i.{c}" for c in INCIDENT_COLUMNS[6:])
    + " FROM incidents AS i LEFT OUTER JOIN contacts AS c ON c.id = i.commander_id"
    " {where}ORDER BY i.detected_at DESC, i.id DESC")
_OPEN_ONLY = "WHERE i.status != 'closed' "
_COMMITMENTS = (
    "SELECT " + ", ".join(f"{t}.{c}" for t, c in COMMITMENT_COLUMNS)
    + " FROM commitments AS c JOIN incidents AS i ON i.id = c.incident_id"
    " WHERE {where} ORDER BY c.due_at, c.id")
_INCIDENT_EXISTS = "SELECT 1 FROM incidents WHERE id = ?"
_INCIDENT_DRILL = "SELECT drill FROM incidents WHERE id = ?"
# As MessageService._view: the author, the newest approval of this revision not voided
# (and its approver), the publication if any.
_MESSAGES = (
    "SELECT m.id, m.incident_id, m.channel, m.title, m.body, m.purpose, m.state, m.revision,"
    " a.name, m.content_hash, m.created_at, m.updated_at, m.version, m.rejected_reason,"
    " ac.name, ap.approved_at, p.destination, p.published_at, p.content_hash"
    " FROM messages AS m"
    " LEFT OUTER JOIN contacts AS a ON a.id = m.author_id"
    " LEFT OUTER JOIN approvals AS ap ON ap.id = (SELECT max(x.id) FROM approvals AS x"
    "  WHERE x.message_id = m.id AND x.revision = m.revision AND x.voided_at IS NULL)"
    " LEFT OUTER JOIN contacts AS ac ON ac.id = ap.approver_id"
    " LEFT OUTER JOIN publications AS p ON p.message_id = m.id")
_INCIDENT_MESSAGES = _MESSAGES + " WHERE m.incident_id = ? ORDER BY m.id"
# What CommitmentService.sweep would break (and write about) if it ran now.
_DUE_UNKEPT = "SELECT 1 FROM commitments WHERE state = ? AND due_at <= ? LIMIT 1"
_REVISION = "SELECT version_num FROM alembic_version"
_UNKEYED = "SELECT 1 FROM audit_head WHERE id = 1 AND key_id IS NULL"
_UNDELIVERED = "SELECT 1 FROM publications WHERE delivered_at IS NULL LIMIT 1"

# SQLAlchemy's SQLite DATETIME storage format (UTC, naive): anything else is unusual.
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
# sqlite:///relative or sqlite:////absolute, no driver options, no URL escapes.
_SQLITE_FILE = re.compile(r"sqlite(?:\+pysqlite)?:///([^?#%]+)")


R = TypeVar("R", bound="LiteReader")


class Unsuitable(Exception):
    """This read cannot be answered here exactly as the full path would: take that."""


def sqlite_file(url: str) -> Path | None:
    """The file of a plain SQLite URL; None for anything else (memory, options, servers)."""
    m = _SQLITE_FILE.fullmatch(url)
    if m is None or m.group(1) == ":memory:":
        return None
    return Path(m.group(1))


def open_reader(database_url: str, audit_key_path: Path,
                kind: type[R] | None = None) -> R | LiteReader | None:
    """A reader on the database, or None where the full path must run (see the module).
    ``kind``: a subclass of LiteReader to open (lite_screen.py's ScreenReader).

    Whatever goes wrong here, the full path meets it again and reports it as it does.
    """
    try:
        return _open(database_url, audit_key_path, kind or LiteReader)
    except (OSError, ValueError, InvalidInput, sqlite3.Error):
        return None


def _open(database_url: str, audit_key_path: Path, kind: type[R]) -> R | None:
    path = sqlite_file(database_url)
    if path is None or not path.is_file() or read_existing(audit_key_path) is None:
        return None
    head = script_head()
    if head is None:
        return None
    # Read-write at the file level (mode=rw: never creates it), read-only by pragma. A
    # mode=ro connection cannot checkpoint, so when it closes last it leaves the -wal and
    # -shm it made; a read-write one that closes last tidies them away, as every other
    # connection does. immutable=1 would make none, but it ignores the WAL (commits not yet
    # checkpointed are missed) and takes no locks, so a checkpoint by another process
    # while it reads could hand it torn pages (SQLite's URI docs: wrong results or
    # SQLITE_CORRUPT on a file that changes).
    conn = sqlite3.connect(path.absolute().as_uri() + "?mode=rw", uri=True,
                           timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    reader = kind(conn)
    try:
        conn.execute("PRAGMA query_only = ON")  # any write fails
        conn.execute("PRAGMA synchronous = FULL")  # as the engine: its closing checkpoint
        # One read transaction: the checks and the reads see the same snapshot.
        conn.execute("BEGIN")
        usable = (conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
                  and conn.execute(_REVISION).fetchall() == [(head,)]
                  and conn.execute(_UNKEYED).fetchone() is None
                  and conn.execute(_UNDELIVERED).fetchone() is None)
    except BaseException:
        reader.close()
        raise
    if not usable:
        reader.close()
        return None
    return reader


class LiteReader:
    """Reads on one connection that cannot write (``query_only``), inside one read
    transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def close(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        finally:
            self._conn.close()

    def incidents(self, *, include_closed: bool = True) -> list[IncidentView]:
        """As IncidentService.list: newest detection first."""
        sql = _INCIDENTS.format(where="" if include_closed else _OPEN_ONLY)
        with self._rows(sql) as rows:
            return [_incident(r) for r in rows]

    def commitments_due_unkept(self, now: datetime) -> bool:
        """Whether an open commitment is due by ``now``: a sweep would have work."""
        with self._rows(_DUE_UNKEPT, (CommitmentState.OPEN.value, _stored(now))) as rows:
            return bool(rows)

    def commitments(self, incident_id: int | None, *, overdue_at: datetime | None,
                    state: CommitmentState | None) -> list[Commitment]:
        """As CommitmentService.list: soonest due first; ``overdue_at``: past due by then
        and not kept."""
        where, params = ["1 = 1"], []
        if incident_id is not None:
            with self._rows(_INCIDENT_EXISTS, (incident_id,)) as found:
                if not found:
                    raise NotFound(f"incident: no incident {incident_id}")
            where.append("c.incident_id = ?")
            params.append(incident_id)
        if overdue_at is not None:
            where.append("c.state != ? AND c.due_at <= ?")
            params += [CommitmentState.KEPT.value, _stored(overdue_at)]
        if state is not None:
            where.append("c.state = ?")
            params.append(state.value)
        sql = _COMMITMENTS.format(where=" AND ".join(where))
        with self._rows(sql, tuple(params)) as rows:
            return [_commitment(r) for r in rows]

    def messages(self, incident_id: int, outbox: Outbox) -> list[MessageView]:
        """As MessageService.list: an incident's messages, oldest first."""
        with self._rows(_INCIDENT_DRILL, (incident_id,)) as found:
            if not found:
                raise NotFound(f"incident: no incident {incident_id}")
            drill = _bool(found[0][0])
        with self._rows(_INCIDENT_MESSAGES, (incident_id,)) as rows:
            return [_message(r, drill, outbox) for r in rows]

    @contextmanager
    def _rows(self, sql: str, params: tuple[object, ...] = ()
              ) -> Iterator[list[tuple[object, ...]]]:
        try:
            rows = self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise Unsuitable(str(exc)) from exc
        try:
            yield rows
        except (TypeError, ValueError) as exc:  # e.g. a severity this version does not know
            raise Unsuitable(str(exc)) from exc


def _incident(r: tuple[object, ...]) -> IncidentView:
    (id_, title, kind, severity, status, drill, commander, detected, declared, ack,
     explained, resolved, closed, version) = r
    return incident_view(
        _int(id_), _str(title), _str(kind), _str(severity), _str(status), _bool(drill),
        None if commander is None else _str(commander), _time(detected),
        _maybe_time(declared), _maybe_time(ack), _maybe_time(explained),
        _maybe_time(resolved), _maybe_time(closed), _int(version))


def _commitment(r: tuple[object, ...]) -> Commitment:
    (id_, incident_id, title, text, owner, due, state, made, message, kept, kept_message,
     kept_by, drill) = r
    return Commitment(
        _int(id_), _int(incident_id), _str(title), _str(text), _str(owner), _time(due),
        CommitmentState(_str(state)), _time(made), _maybe_int(message), _maybe_time(kept),
        _maybe_int(kept_message), None if kept_by is None else _str(kept_by), _bool(drill))


def _message(r: tuple[object, ...], drill: bool, outbox: Outbox) -> MessageView:
    from commandcenter.domain.messages import Channel, MessageState, MessageView, Purpose
    from commandcenter.domain.signing import publication_file_name

    (id_, incident_id, channel, title, body, purpose, state, revision, author, digest,
     created, updated, version, rejected, approver, approved_at, destination, published_at,
     published_digest) = r
    path = None
    if destination is not None:
        path = str(outbox.path_for(_str(destination), publication_file_name(
            _time(published_at), _int(id_), _str(published_digest))))
    return MessageView(
        _int(id_), _int(incident_id), Channel(_str(channel)), _maybe_str(title), _str(body),
        Purpose(_str(purpose)), MessageState(_str(state)), _int(revision),
        "?" if author is None else _str(author), _str(digest), _time(created), _time(updated),
        drill, _int(version), approved_by=_maybe_str(approver),
        approved_at=_maybe_time(approved_at), rejected_reason=_maybe_str(rejected),
        published_at=_maybe_time(published_at), publication_path=path)


def _maybe_str(v: object) -> str | None:
    return None if v is None else _str(v)


def _stored(at: datetime) -> str:
    """An instant as SQLAlchemy binds it to a UTC column on SQLite (naive UTC text)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    u = at.astimezone(UTC)
    return (f"{u.year:04d}-{u.month:02d}-{u.day:02d} {u.hour:02d}:{u.minute:02d}:"
            f"{u.second:02d}.{u.microsecond:06d}")


def _maybe_int(v: object) -> int | None:
    return None if v is None else _int(v)


def _int(v: object) -> int:
    if type(v) is not int:
        raise ValueError(f"not an integer: {v!r}")
    return v


def _str(v: object) -> str:
    if type(v) is not str:
        raise ValueError(f"not text: {v!r}")
    return v


def _bool(v: object) -> bool:
    if type(v) is not int or v not in (0, 1):
        raise ValueError(f"not a boolean: {v!r}")
    return bool(v)


def _time(v: object) -> datetime:
    if type(v) is not str or _STORED_TIME.fullmatch(v) is None:
        raise ValueError(f"not a stored time: {v!r}")
    return datetime.fromisoformat(v).replace(tzinfo=UTC)


def _maybe_time(v: object) -> datetime | None:
    return None if v is None else _time(v)


__all__ = ["COMMITMENT_COLUMNS", "INCIDENT_COLUMNS", "READS", "LiteReader", "Unsuitable",
           "open_reader", "sqlite_file"]
