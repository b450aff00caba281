"""What other features check before, and record after, a publication, in its transaction.

``MessageService.publish`` is the one path to a channel. Features that care
about publications add one call here instead of a path of their own: drills
refuse a channel during a simulated outage; listening marks a mention
answered when its reply goes out, keeps commitments and announces changes.
"""

from __future__ import annotations

from datetime import datetime

from commandcenter.persistence.models import IncidentRow, MessageRow, PublicationRow
from commandcenter.persistence.uow import UnitOfWork


def before_publish(uow: UnitOfWork, message: MessageRow, incident: IncidentRow,
                   destination: str, now: datetime) -> None:
    """Raise ``PolicyRefused`` to refuse the publication; nothing is written then."""
    if incident.drill:
        refuse_during_drill_outage(uow, message, incident, now)


def after_publish(uow: UnitOfWork, message: MessageRow, incident: IncidentRow,
                  publication: PublicationRow, now: datetime) -> None:
    """Record what this publication settles, in the same transaction as the publication."""
    # Imported here, as the features below are: a command that never publishes (every
    # message command but publish) loads neither the mentions nor the changes.
    from .mention_replies import answer_replied_mention

    answer_replied_mention(uow, message, incident, publication, now)
    from .changes import record_publication

    record_publication(uow, message, incident, publication, now)  # announces / explains changes


def refuse_during_drill_outage(uow: UnitOfWork, message: MessageRow, incident: IncidentRow,
                               now: datetime) -> None:
    """A drill's injected channel outage: the channel takes nothing until it ends."""
    from sqlalchemy import select

    from commandcenter.domain.clock import format_utc
    from commandcenter.domain.errors import PolicyRefused
    from commandcenter.persistence.drill_models import DrillOutageRow, DrillRunRow

    outage = uow.session.execute(
        select(DrillOutageRow).join(DrillRunRow, DrillRunRow.id == DrillOutageRow.run_id)
        .where(DrillRunRow.incident_id == incident.id, DrillOutageRow.channel == message.channel,
               DrillOutageRow.starts_at <= now, DrillOutageRow.ends_at > now)
    ).scalars().first()
    if outage is not None:
        raise PolicyRefused(f"publish: {message.channel} is unavailable (exercise outage) until "
                            f"{format_utc(outage.ends_at)}")
