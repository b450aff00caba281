"""The incident timeline: append-only entries; corrections point at what they correct."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .errors import InvalidInput, parse_choice
from .limits import check_text


class EntryKind(StrEnum):
    DETECTION = "detection"
    DECLARATION = "declaration"
    STATUS_CHANGE = "status_change"
    ROLE_CHANGE = "role_change"
    OWNERSHIP_CHANGE = "ownership_change"
    AUTHORITY_CHANGE = "authority_change"
    NOTE = "note"
    DECISION = "decision"
    CORRECTION = "correction"
    MESSAGE_DRAFTED = "message_drafted"
    MESSAGE_EDITED = "message_edited"
    MESSAGE_SUBMITTED = "message_submitted"
    MESSAGE_APPROVED = "message_approved"
    MESSAGE_REJECTED = "message_rejected"
    MESSAGE_PUBLISHED = "message_published"
    MESSAGE_WITHDRAWN = "message_withdrawn"
    MENTION_ANSWERED = "mention_answered"
    COMMITMENT_MADE = "commitment_made"
    COMMITMENT_KEPT = "commitment_kept"
    ALERT = "alert"

    @classmethod
    def parse(cls, text: str) -> EntryKind:
        return parse_choice(cls, text, "kind")


# Kinds an operator may write by hand; the rest are written by the services.
MANUAL_KINDS = frozenset({EntryKind.NOTE, EntryKind.DECISION})

# Key events are pinned so they stay in view however long the timeline grows.
PINNED_KINDS = frozenset(
    {
        EntryKind.DETECTION,
        EntryKind.DECLARATION,
        EntryKind.STATUS_CHANGE,
        EntryKind.ROLE_CHANGE,
        EntryKind.AUTHORITY_CHANGE,
        EntryKind.DECISION,
        EntryKind.MESSAGE_PUBLISHED,
        EntryKind.COMMITMENT_MADE,
    }
)

MAX_TEXT = 10_000


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    id: int
    incident_id: int
    seq: int
    occurred_at: datetime
    recorded_at: datetime
    kind: EntryKind
    actor: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    corrects_id: int | None = None
    pinned: bool = False
    drill: bool = False


def clean_text(text: str, field_name: str = "text") -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"{field_name}: must not be empty")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"{field_name}: longer than {MAX_TEXT} characters")
    return check_text(cleaned, field_name, MAX_TEXT)
