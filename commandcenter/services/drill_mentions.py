"""The one place a drill stores an injected inbound mention.

Until the listening work (issue 9, ``services/mentions.py: MentionService.record``)
lands, a mention is a timeline entry on the drill's incident with every
mention field kept in its data, so nothing is lost when it switches. At merge
this function's body becomes ``MentionService(ctx).record(...)``; its callers
(the drill runner) and its return value (an id the runner keeps to match
replies with) stay as they are.
"""

from __future__ import annotations

from datetime import datetime

from commandcenter.domain.timeline import EntryKind

from .context import ServiceContext
from .incidents import load_incident
from .timeline import append

MENTION_ACTOR = "inbound mention"


def deliver_mention(ctx: ServiceContext, incident_id: int, *, channel: str, author: str,
                    reach: int, text: str, at: datetime, link: str | None = None,
                    profile_id: str | None = None) -> int:
    """Store one inbound mention of the drill's incident; returns its id (the entry's)."""
    with ctx.uow() as uow:
        inc = load_incident(uow, incident_id, for_update=True)
        fields = {"channel": channel, "author": author, "reach": reach, "text": text,
                  "at": at.isoformat(), "link": link, "profile_id": profile_id}
        row = append(uow, inc, EntryKind.NOTE, MENTION_ACTOR,
                     f"Mention on {channel} by {author} (reach {reach:,}): {text}",
                     occurred_at=at, recorded_at=ctx.clock.now(),
                     data={"mention": fields, "drill_inject": "mention"})
        uow.commit()
        return row.id
