"""The read-only services a listing command can run on without SQLAlchemy.

:func:`open_read_only` gives the part of :class:`commandcenter.app.Services`
that a read-only command uses, on persistence/lite_read.py, or None where the
full services must run instead (not a plain SQLite file, a migration due, the
outbox or the audit log to attend to, anything unusual). A method that meets
a value it cannot read exactly as the ORM would raises ``Unsuitable``; the
caller then runs the command again on the full services. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from commandcenter.config import Settings
from commandcenter.domain.clock import Clock, SystemClock
from commandcenter.domain.commitments import Commitment, CommitmentState
from commandcenter.domain.incidents import IncidentView
from commandcenter.persistence.lite_read import LiteReader, Unsuitable, open_reader

if TYPE_CHECKING:
    from commandcenter.domain.messages import MessageView

__all__ = ["ReadOnlyServices", "Unsuitable", "open_read_only"]


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
