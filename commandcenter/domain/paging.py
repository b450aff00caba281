"""Paging the approver and escalating a review request nobody decides.

When a draft enters review, the communications chain's owner is paged. If
nobody decides within the policy's time for the incident's severity, the
request escalates to the next member of the chain who can act (available,
an operator who may approve, and no author of the words): a time-limited
delegation. The policy in force when the request was made stays in force for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .clock import format_utc
from .errors import InvalidInput
from .incidents import Severity

DEFAULT_MINUTES: Mapping[Severity, int] = {
    Severity.SEV1: 15, Severity.SEV2: 30, Severity.SEV3: 60, Severity.SEV4: 120,
}
DEFAULT_DELEGATION_MINUTES = 120
LINK_SCHEME = "commandcenter"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """Minutes without a decision before escalating, per severity; and how long the
    escalation's delegation lasts."""

    minutes: Mapping[Severity, int] = field(default_factory=lambda: dict(DEFAULT_MINUTES))
    delegation_minutes: int = DEFAULT_DELEGATION_MINUTES
    version: int = 0  # 0: the built-in default, nobody set one yet

    def __post_init__(self) -> None:
        for sev in Severity:
            value = self.minutes.get(sev)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1440:
                raise InvalidInput(f"{sev.value.lower()}: minutes must be a whole number "
                                   "from 1 to 1440")
        if not 5 <= self.delegation_minutes <= 1440:
            raise InvalidInput("delegation: minutes must be from 5 to 1440")

    def after(self, severity: Severity) -> timedelta:
        return timedelta(minutes=self.minutes[severity])

    def to_json(self) -> dict[str, Any]:
        return {"minutes": {s.value: self.minutes[s] for s in Severity},
                "delegation_minutes": self.delegation_minutes, "version": self.version}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EscalationPolicy:
        return cls({Severity(k): int(v) for k, v in data["minutes"].items()},
                   int(data["delegation_minutes"]), int(data.get("version", 0)))

    def describe(self) -> str:
        parts = ", ".join(f"{s.value} {self.minutes[s]} min" for s in Severity)
        who = f"policy v{self.version}" if self.version else "default policy"
        return f"{who}: escalate after {parts}; delegation lasts {self.delegation_minutes} min"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A chain member as the escalation sees him."""

    contact_id: int
    name: str
    can_act: bool  # available now, or away but reachable
    may_approve: bool  # an operator whose role may approve


def escalation_target(members: Sequence[Candidate], *, owner_id: int | None,
                      excluded: Iterable[int]) -> Candidate | None:
    """The first member in chain order, not the owner, not already paged for this
    request, not an author of the words, who can act and may approve."""
    skip = set(excluded) | ({owner_id} if owner_id is not None else set())
    return next((m for m in members if m.contact_id not in skip and m.can_act
                 and m.may_approve), None)


def link_for(message_id: int) -> str:
    return f"{LINK_SCHEME}://review/{message_id}"


def parse_link(link: str) -> int | None:
    prefix = f"{LINK_SCHEME}://review/"
    if link.startswith(prefix) and link[len(prefix):].isdigit():
        return int(link[len(prefix):])
    return None


def waited(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True, slots=True)
class PageText:
    subject: str
    body: str


def review_page(*, message_id: int, channel: str, purpose: str, author: str, incident: str,
                severity: str, since: datetime, now: datetime, deadline: datetime,
                excerpt: str, escalated_from: str | None = None) -> PageText:
    """What waits, since when, by when it escalates, and the link to it."""
    what = f"Message {message_id} ({channel} {purpose.replace('_', ' ')}) by {author}"
    subject = f"[{severity}] Approval waits: {what}"
    lead = (f"Escalated to you: {escalated_from} did not decide in time.\n"
            if escalated_from else "")
    body = (f"{lead}{what} waits for your approval since {format_utc(since)} "
            f"({waited(since, now)}).\nIncident: {incident}\n"
            f"Without a decision by {format_utc(deadline)} it escalates.\n\n"
            f"{excerpt[:280]}\n\nOpen it: {link_for(message_id)}")
    return PageText(subject, body)


def escalated_away_page(*, message_id: int, to: str, since: datetime, now: datetime,
                        until: datetime) -> PageText:
    return PageText(
        f"Approval of message {message_id} passed to {to}",
        f"Message {message_id} waited {waited(since, now)} for your decision (since "
        f"{format_utc(since)}). The escalation policy delegated the communications chain to "
        f"{to} until {format_utc(until)}.\n\nOpen it: {link_for(message_id)}")


SendMail = Callable[[str, str, str], None]  # (to, subject, body)
