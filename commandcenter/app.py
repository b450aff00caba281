"""Composition root: settings -> engine -> unit of work -> services."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, text

from commandcenter.config import Settings, load_settings
from commandcenter.domain.clock import Clock, SystemClock
from commandcenter.persistence.audit_key import load_or_create
from commandcenter.persistence.engine import describe_url, make_engine, make_session_factory
from commandcenter.persistence.light import script_head
from commandcenter.persistence.uow import UnitOfWork
from commandcenter.services.context import Passphrases, ServiceContext

if TYPE_CHECKING:  # each imported when first used: a CLI call loads only what it runs
    from commandcenter.services.audit import AuditService
    from commandcenter.services.changes import ChangeService
    from commandcenter.services.commitments import CommitmentService
    from commandcenter.services.first_hour import FirstHourService
    from commandcenter.services.health import HealthService
    from commandcenter.services.incidents import IncidentService
    from commandcenter.services.mentions import MentionService
    from commandcenter.services.messages import MessageService
    from commandcenter.services.paging import PagingService
    from commandcenter.services.roster import RosterService

def _database_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except Exception:  # no table yet, or anything odd: let Alembic decide
        return None
    return rows[0][0] if len(rows) == 1 else None


def migrate_if_needed(engine: Engine, backup_dir: Path | None,
                      data_dir: Path | None = None) -> Path | None:
    """Bring the schema to head; when it already is, without loading Alembic at all.
    ``data_dir``: the data folder whose files the migrations may rewrite rows for."""
    head = script_head()
    if head is not None and _database_revision(engine) == head:
        return None
    from commandcenter.persistence.migrate import upgrade

    return upgrade(engine, backup_dir=backup_dir, data_dir=data_dir)


T = TypeVar("T")


def _once(make: Callable[[Any], T]) -> property:
    """A property built on first use, under the instance's lock, then kept."""
    name = f"_{make.__name__}"

    @wraps(make)
    def get(self: Any) -> T:
        found = self.__dict__.get(name)
        if found is None:
            with self._lock:
                found = self.__dict__.get(name)
                if found is None:
                    found = self.__dict__[name] = make(self)
        return found

    return property(get)


@dataclass(eq=False)
class Services:
    """The use cases over one database; each service is built (and imported) on first use.

    ``health`` alone costs NumPy and the metrics layer, about a third of a
    command's start-up, which ``incident list`` never needs.
    """

    settings: Settings
    engine: Engine
    ctx: ServiceContext
    backup: Path | None = None
    # The window's GUI and worker threads may both ask first: one instance each.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @_once
    def roster(self) -> RosterService:
        from commandcenter.services.roster import RosterService

        return RosterService(self.ctx)

    @_once
    def incidents(self) -> IncidentService:
        from commandcenter.services.incidents import IncidentService

        return IncidentService(self.ctx)

    @_once
    def messages(self) -> MessageService:
        from commandcenter.services.messages import MessageService

        return MessageService(self.ctx, after_submit=lambda mid: self.paging.request_review(mid))

    @_once
    def first_hour(self) -> FirstHourService:
        from commandcenter.services.first_hour import FirstHourService

        return FirstHourService(self.ctx)

    @_once
    def paging(self) -> PagingService:
        from commandcenter.services.paging import PagingService, smtp_from_env

        return PagingService(self.ctx, smtp_from_env())

    @_once
    def audit(self) -> AuditService:
        from commandcenter.services.audit import AuditService

        return AuditService(self.ctx)

    @_once
    def health(self) -> HealthService:
        from commandcenter.services.health import HealthService

        return HealthService(self.ctx)

    @_once
    def commitments(self) -> CommitmentService:
        from commandcenter.services.commitments import CommitmentService

        return CommitmentService(self.ctx)

    @_once
    def changes(self) -> ChangeService:
        from commandcenter.services.changes import ChangeService

        return ChangeService(self.ctx)

    @_once
    def mentions(self) -> MentionService:
        from commandcenter.services.mentions import MentionService

        return MentionService(self.ctx)

    def close(self) -> None:
        self.engine.dispose()


def build(
    settings: Settings | None = None, *, clock: Clock | None = None,
    passphrases: Passphrases | None = None, migrate: bool = True,
) -> Services:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    backup = (migrate_if_needed(engine, settings.backup_dir, settings.data_dir)
              if migrate else None)
    factory = make_session_factory(engine)
    audit_key = load_or_create(settings.audit_key_path)
    ctx = ServiceContext(lambda: UnitOfWork(factory, audit_key), clock or SystemClock(),
                         passphrases or Passphrases(), settings.outbox_dir, audit_key,
                         describe_url(settings.database_url))
    services = Services(settings, engine, ctx, backup)
    with ctx.uow() as uow:
        undelivered = uow.has_undelivered()
        if uow.ensure_keyed(ctx.clock.now()):
            uow.commit()
    if undelivered:  # the message service (and what it imports) only when there is work
        services.messages.deliver_pending()
    return services


class NotReadyForReading(Exception):
    """:func:`build_reader` cannot open the database as it stands (a migration is due,
    no audit key yet): the caller builds the usual way instead."""


def build_reader(settings: Settings) -> Services:
    """Services for reads only (the window's start-up reader, ``ui/prefetch.py``): no
    migration, no audit key made, no keying or delivery written; a database not at
    the newest migration raises :class:`NotReadyForReading`."""
    engine = make_engine(settings.database_url)
    head = script_head()
    if head is None or _database_revision(engine) != head:
        engine.dispose()
        raise NotReadyForReading("the database needs a migration (or has none yet)")
    if not settings.audit_key_path.exists():
        engine.dispose()
        raise NotReadyForReading("no audit key yet")
    audit_key = load_or_create(settings.audit_key_path)
    factory = make_session_factory(engine)
    ctx = ServiceContext(lambda: UnitOfWork(factory, audit_key), SystemClock(),
                         Passphrases(), settings.outbox_dir, audit_key,
                         describe_url(settings.database_url))
    return Services(settings, engine, ctx, None)


def build_drill(folder: Path, clock: Clock, *, passphrases: Passphrases | None = None
                ) -> Services:
    """A drill's own database in ``folder`` (its outbox beside it), on a simulated clock.

    A drill never writes to the live database: its records, messages and audit log
    live here, so a finished drill can be reopened, re-reported and replayed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    return build(Settings(database_url=f"sqlite:///{folder / 'drill.sqlite'}",
                          data_dir=folder), clock=clock,
                 passphrases=passphrases or exercise_passphrases())


def exercise_passphrases() -> Passphrases:
    """argon2id, the same algorithm and signing path, with light parameters: a drill's
    passphrase is printed in its scenario file, so a costly hash would protect nothing
    and cost the run about 0.3 s for every operator added and every approval."""
    from argon2 import PasswordHasher

    from commandcenter.services.keys import KeyDerivation

    return Passphrases(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                       KeyDerivation(time_cost=1, memory_cost=1024, parallelism=1))
