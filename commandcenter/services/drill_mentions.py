"""The one place a drill stores an injected inbound mention, and answers one.

Injected mentions are real mentions of the drill's incident
(``MentionService.record``: ranked, deduplicated, shown in the listening panel,
answered through the normal approval path), so the players triage them as
they would on the day. Before the listening work landed they were timeline
entries; the drill runner only ever called these two functions.
"""

from __future__ import annotations

from datetime import datetime

from .context import ServiceContext
from .mentions import MentionService


def deliver_mention(ctx: ServiceContext, incident_id: int, *, channel: str, author: str,
                    reach: int, text: str, at: datetime, link: str | None = None,
                    profile_id: str | None = None) -> int:
    """Store one inbound mention of the drill's incident; returns the mention's id."""
    view = MentionService(ctx).record(incident_id, channel=channel, author=author, reach=reach,
                                      text=text, at=at, link=link, profile_id=profile_id,
                                      actor="drill inject")
    return view.id


def reply_to_mention(ctx: ServiceContext, mention_id: int, body: str, actor: str) -> int:
    """A ``direct_reply`` draft linked to the mention (answered once it is published);
    returns the message's id."""
    return MentionService(ctx).reply(mention_id, body, actor).message.id
