"""Scoring a drill: each objective met or missed with its measured simulated time,
approvals by the right owner, and the response figures beside the seed benchmark.

Pure functions over facts the runner gathers from the drill's database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from commandcenter.domain.names import name_key

from .durations import format_offset
from .scenario import Objective, Scenario


@dataclass(frozen=True, slots=True)
class Publication:
    message_id: int
    channel: str
    purpose: str
    author: str
    body: str
    published_at: datetime
    approved_by: str
    approved_at: datetime | None
    owner_at_approval: str | None  # the communications chain's owner at that instant

    @property
    def public(self) -> bool:
        return self.channel != "internal"


@dataclass(frozen=True, slots=True)
class MentionFact:
    id: int
    author: str
    channel: str
    reach: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Facts:
    start: datetime
    detected_at: datetime
    declared_at: datetime | None
    resolved_at: datetime | None
    publications: tuple[Publication, ...]
    mentions: tuple[MentionFact, ...]
    replies: dict[int, int]  # message id -> mention id it answers


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    id: str
    description: str
    measure: str
    target: timedelta
    met: bool
    measured: timedelta | None  # from the drill's start; None: never happened
    detail: str

    def as_json(self, start: datetime) -> dict[str, object]:
        at = start + self.measured if self.measured is not None else None
        return {"id": self.id, "description": self.description, "measure": self.measure,
                "target": format_offset(self.target), "target_seconds":
                self.target.total_seconds(), "met": self.met,
                "measured": format_offset(self.measured) if self.measured is not None else None,
                "measured_seconds": None if self.measured is None
                else self.measured.total_seconds(),
                "measured_at": at.isoformat() if at else None, "detail": self.detail}


def _matches(o: Objective, p: Publication) -> bool:
    if o.purpose is not None and p.purpose != o.purpose.value:
        return False
    if o.channel is not None and p.channel != o.channel.value:
        return False
    if o.author and name_key(p.author) != name_key(o.author):
        return False
    body = p.body.lower()
    return all(phrase.lower() in body for phrase in o.contains)


def _measure(o: Objective, f: Facts) -> tuple[datetime | None, str]:
    pubs = sorted(f.publications, key=lambda p: p.published_at)
    if o.measure == "declared":
        return f.declared_at, "incident declared" if f.declared_at else "never declared"
    if o.measure == "resolved":
        return f.resolved_at, "incident resolved" if f.resolved_at else "never resolved"
    if o.measure == "first_public_message":
        first = next((p for p in pubs if p.public), None)
        return (first.published_at, f"message {first.message_id} on {first.channel}") if first \
            else (None, "nothing was published")
    if o.measure == "published":
        hit = next((p for p in pubs if _matches(o, p)), None)
        return (hit.published_at, f"message {hit.message_id} on {hit.channel}") if hit \
            else (None, "no published message matches")
    # replies: the ``count`` biggest voices (by reach), each answered by a published reply
    top = sorted(f.mentions, key=lambda m: (-m.reach, m.at))[: o.count]
    answered: dict[int, datetime] = {}
    for p in pubs:
        mention = f.replies.get(p.message_id)
        if mention is not None and mention not in answered:
            answered[mention] = p.published_at
    missing = [m.author for m in top if m.id not in answered]
    if missing:
        return None, f"not answered: {', '.join(missing)}"
    return max(answered[m.id] for m in top), ", ".join(m.author for m in top)


def score_objectives(scenario: Scenario, facts: Facts) -> list[ObjectiveResult]:
    out = []
    for o in scenario.objectives:
        at, detail = _measure(o, facts)
        measured = at - scenario.start if at is not None else None
        met = measured is not None and measured <= o.within
        out.append(ObjectiveResult(o.id, o.description, o.measure, o.within, met, measured,
                                   detail))
    return out


@dataclass(frozen=True, slots=True)
class ApprovalCheck:
    message_id: int
    approver: str
    approved_at: datetime
    owner: str | None
    right_owner: bool


def check_approvals(facts: Facts) -> list[ApprovalCheck]:
    return [ApprovalCheck(p.message_id, p.approved_by, p.approved_at, p.owner_at_approval,
                          p.owner_at_approval is not None
                          and name_key(p.owner_at_approval) == name_key(p.approved_by))
            for p in facts.publications if p.approved_at is not None]


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    label: str
    measured: timedelta | None
    benchmark: timedelta | None

    @property
    def beat_benchmark(self) -> bool | None:
        if self.measured is None or self.benchmark is None:
            return None
        return self.measured <= self.benchmark


FIGURE_LABELS = {"declared": "time to declare", "first_public_message":
                 "time to first public acknowledgement", "explanation":
                 "time to explanation", "resolved": "time to resolve"}


def response_figures(scenario: Scenario, facts: Facts) -> list[Figure]:
    """From detection (the drill's start), as the incident's figures count them."""
    pubs = sorted(facts.publications, key=lambda p: p.published_at)
    first = next((p.published_at for p in pubs if p.public), None)
    expl = next((p.published_at for p in pubs if p.purpose == "explanation"), None)
    times = {"declared": facts.declared_at, "first_public_message": first,
             "explanation": expl, "resolved": facts.resolved_at}
    return [Figure(k, FIGURE_LABELS[k], None if t is None else t - facts.detected_at,
                   scenario.benchmark.get(k)) for k, t in times.items()]
