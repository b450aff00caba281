"""A published reply answers its mention: called from ``publish_hooks.after_publish``,
inside the publication's transaction, so the two are committed together or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commandcenter.domain.mentions import MentionState
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.mention_models import MentionReplyRow, MentionRow
from commandcenter.persistence.models import ContactRow, IncidentRow, MessageRow, PublicationRow
from commandcenter.persistence.uow import UnitOfWork

from .mention_authors import move
from .timeline import append


def answer_replied_mention(uow: UnitOfWork, message: MessageRow, incident: IncidentRow,
                           publication: PublicationRow, now: datetime) -> MentionRow | None:
    link = uow.session.get(MentionReplyRow, message.id)
    if link is None:
        return None
    contact = uow.session.get(ContactRow, publication.published_by_id)
    publisher = contact.name if contact else "?"
    row = uow.session.execute(select(MentionRow).where(MentionRow.id == link.mention_id)
                              .with_for_update()).scalar_one()
    if row.state == MentionState.ANSWERED.value:
        return row
    move(uow, row.incident_id, row.author, MentionState(row.state), MentionState.ANSWERED)
    row.state = MentionState.ANSWERED.value
    row.answered_at = now
    uow.flush()
    append(uow, incident, EntryKind.MENTION_ANSWERED, publisher,
           f"Mention {row.id} from {row.author} on {row.channel} answered (message {message.id})",
           occurred_at=now, recorded_at=now,
           data={"mention": row.id, "message": message.id, "author": row.author,
                 "reach": int(row.reach)})
    return row
