"""Composition root: settings -> engine -> unit of work -> services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from commandcenter.config import Settings, load_settings
from commandcenter.domain.clock import Clock, SystemClock
from commandcenter.persistence.engine import make_engine, make_session_factory
from commandcenter.persistence.migrate import upgrade
from commandcenter.persistence.uow import UnitOfWork
from commandcenter.services.audit import AuditService
from commandcenter.services.context import Passphrases, ServiceContext
from commandcenter.services.health import HealthService
from commandcenter.services.incidents import IncidentService
from commandcenter.services.messages import MessageService
from commandcenter.services.roster import RosterService


@dataclass
class Services:
    settings: Settings
    engine: Engine
    ctx: ServiceContext
    roster: RosterService
    incidents: IncidentService
    messages: MessageService
    audit: AuditService
    health: HealthService
    backup: Path | None = None

    def close(self) -> None:
        self.engine.dispose()


def build(
    settings: Settings | None = None, *, clock: Clock | None = None,
    passphrases: Passphrases | None = None, migrate: bool = True,
) -> Services:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    backup = upgrade(engine, backup_dir=settings.backup_dir) if migrate else None
    factory = make_session_factory(engine)
    ctx = ServiceContext(lambda: UnitOfWork(factory), clock or SystemClock(),
                         passphrases or Passphrases(), settings.outbox_dir)
    services = Services(settings, engine, ctx, RosterService(ctx), IncidentService(ctx),
                        MessageService(ctx), AuditService(ctx), HealthService(ctx), backup)
    services.messages.deliver_pending()
    return services
