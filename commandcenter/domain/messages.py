"""Public messages: channels, states, length limits and the content hash."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import InvalidInput, PolicyRefused, parse_choice
from .limits import check_text


class Channel(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    BLOG = "blog"
    STATUS_PAGE = "status_page"
    EMAIL = "email"
    DIRECT_REPLY = "direct_reply"
    INTERNAL = "internal"

    @classmethod
    def parse(cls, text: str) -> Channel:
        return parse_choice(cls, text, "channel", {"twitter": "x"})

    @property
    def is_public(self) -> bool:
        return self is not Channel.INTERNAL


class MessageState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Purpose(StrEnum):
    """What a message is for; the response figures read it."""

    HOLDING = "holding"
    ACKNOWLEDGEMENT = "acknowledgement"
    UPDATE = "update"
    EXPLANATION = "explanation"
    RESOLUTION = "resolution"
    ADVANCE_NOTICE = "advance_notice"
    REPLY = "reply"
    OTHER = "other"

    @classmethod
    def parse(cls, text: str) -> Purpose:
        return parse_choice(cls, text, "purpose")


EDITABLE = frozenset({MessageState.DRAFT, MessageState.IN_REVIEW, MessageState.APPROVED,
                      MessageState.REJECTED})
WITHDRAWABLE = EDITABLE

EXERCISE_PREFIX = "EXERCISE"

# Characters per channel; X is counted in weighted characters, see x_length.
LIMITS: dict[Channel, int] = {
    Channel.X: 280,
    Channel.FACEBOOK: 63_206,
    Channel.BLOG: 100_000,
    Channel.STATUS_PAGE: 5_000,
    Channel.EMAIL: 50_000,
    Channel.DIRECT_REPLY: 10_000,
    Channel.INTERNAL: 50_000,
}

# Links as X counts them: with a scheme or www., or a bare domain on a common
# top-level domain ("klout.com"), each with any path.
_TLDS = ("com|org|net|io|co|ly|me|app|dev|ai|info|biz|edu|gov|us|uk|de|fr|es|it|nl|jp|ca"
         "|au|eu|tv|gl|to|in|br")
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+"
    rf"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s]*)?"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s]*"
)
# twitter-text v3: these code point ranges weigh 1, everything else 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
URL_WEIGHT = 23


def _weight(ch: str) -> int:
    cp = ord(ch)
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES) else 2


def x_length(text: str) -> int:
    """X's weighted length: NFC text, links count 23, CJK and emoji count 2."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for m in _URL.finditer(text):
        total += sum(_weight(c) for c in text[pos : m.start()]) + URL_WEIGHT
        pos = m.end()
    total += sum(_weight(c) for c in text[pos:])
    return total


def measured_length(channel: Channel, body: str) -> int:
    return x_length(body) if channel is Channel.X else len(body)


def check_body(channel: Channel, body: str, title: str | None = None) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput("body: must not be empty")
    length = measured_length(channel, body)
    limit = LIMITS[channel]
    if length > limit:
        unit = "weighted characters" if channel is Channel.X else "characters"
        raise InvalidInput(f"body: {length} {unit}, over the {channel.value} limit of {limit}")
    if title is not None and len(title) > 300:
        raise InvalidInput("title: longer than 300 characters")
    if title is not None:
        check_text(title, "title", 300)
    return check_text(body, "body", len(body))


def exercise_body(body: str) -> str:
    """Drill messages always start with EXERCISE."""
    stripped = body.lstrip()
    if stripped.upper().startswith(EXERCISE_PREFIX):
        return stripped
    return f"{EXERCISE_PREFIX}: {stripped}"


def content_hash(channel: Channel, title: str | None, body: str) -> str:
    """SHA-256 of exactly what would go out: channel, title and body."""
    canonical = json.dumps(
        {"channel": channel.value, "title": title or "", "body": body},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_edit_allowed(state: MessageState) -> None:
    if state not in EDITABLE:
        raise PolicyRefused(f"message: a {state.value} message cannot be edited")


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    incident_id: int
    channel: Channel
    title: str | None
    body: str
    purpose: Purpose
    state: MessageState
    revision: int
    author: str
    content_hash: str
    created_at: datetime
    updated_at: datetime
    drill: bool
    version: int
    approved_by: str | None = None
    approved_at: datetime | None = None
    rejected_reason: str | None = None
    published_at: datetime | None = None
    publication_path: str | None = None

    @property
    def length(self) -> int:
        return measured_length(self.channel, self.body)

    @property
    def limit(self) -> int:
        return LIMITS[self.channel]
