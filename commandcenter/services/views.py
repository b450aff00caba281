"""What the incident, roster, audit and change-calendar use cases return to the window (beside
``domain.incidents.IncidentView``): frozen dataclasses
with no SQLAlchemy behind them, so the start-up reader's answers (ui/prefetch.py)
unpickle in the window without importing the database layer. Their services
(incidents.py, roster.py, audit.py, changes.py) re-export them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commandcenter.domain.operators import Role
from commandcenter.domain.roster import Availability, Contact
from commandcenter.domain.timeline import TimelineEntry


@dataclass(frozen=True, slots=True)
class TimelinePage:
    entries: tuple[TimelineEntry, ...]
    total: int
    # False when a text filter matched more than COUNT_CAP entries: then ``total``
    # is a lower bound ("more than"), raised as pages are read.
    total_exact: bool = True


@dataclass(frozen=True, slots=True)
class ContactStatus:
    contact: Contact
    availability: Availability
    next_change: datetime | None
    role: Role | None


@dataclass(frozen=True, slots=True)
class SignedHead:
    """The audit log's head as reports print it: record count, hash, and its signature
    (HMAC-SHA256 under the audit key, see README "Security"), with the key's id."""

    seq: int
    hash: str
    signature: str
    key_id: str

    def line(self) -> str:
        return (f"audit head: record {self.seq}, {self.hash} "
                f"(signed {self.signature[:16]}..., audit key {self.key_id})")


@dataclass(frozen=True, slots=True)
class ChartMark:
    """What a score chart draws for a change: a labelled vertical line."""

    change_id: int
    at: datetime
    label: str
    announced: bool
    explanation_message_id: int | None
    explanation_link: str | None  # the published explanation's file in the outbox, if any


def chart_mark(change_id: int, title: str, effective_at: datetime, announced: bool,
               released_at: datetime | None, explanation_message_id: int | None,
               link: str | None) -> ChartMark:
    """A change's mark: at its release if released, else at its effective time."""
    state = ("announced" if announced else "released without notice"
             if released_at else "NOT ANNOUNCED")
    return ChartMark(change_id, released_at or effective_at, f"#{change_id} {title} · {state}",
                     announced, explanation_message_id, link)
