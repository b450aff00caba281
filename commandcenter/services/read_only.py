"""The read-only services a listing command can run on without SQLAlchemy.

:func:`open_read_only` gives the part of :class:`commandcenter.app.Services`
that a read-only command uses, on persistence/lite_read.py, or None where the
full services must run instead (not a plain SQLite file, a migration due, the
outbox or the audit log to attend to, anything unusual). A method that meets
a value it cannot read exactly as the ORM would raises ``Unsuitable``; the
caller then runs the command again on the full services. Nothing here writes.
"""

from __future__ import annotations

from commandcenter.config import Settings
from commandcenter.domain.incidents import IncidentView
from commandcenter.persistence.lite_read import LiteReader, Unsuitable, open_reader

__all__ = ["ReadOnlyServices", "Unsuitable", "open_read_only"]


class ReadOnlyIncidents:
    """IncidentService's reads that the lite path can answer."""

    def __init__(self, reader: LiteReader) -> None:
        self._reader = reader

    def list(self, *, include_closed: bool = True) -> list[IncidentView]:
        return self._reader.incidents(include_closed=include_closed)


class ReadOnlyServices:
    def __init__(self, reader: LiteReader) -> None:
        self._reader = reader
        self.incidents = ReadOnlyIncidents(reader)

    def close(self) -> None:
        self._reader.close()


def open_read_only(settings: Settings) -> ReadOnlyServices | None:
    reader = open_reader(settings.database_url, settings.audit_key_path)
    return None if reader is None else ReadOnlyServices(reader)
