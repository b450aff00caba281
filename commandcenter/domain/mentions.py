"""Inbound mentions: the priority that ranks them, the reasons behind it, their states.

Priority, in points (README, "Listening"):

    reach      40 * min(1, log10(1 + reach) / 6)     1,000,000 followers = 40, 1,000 = 20
    negativity 20 * negativity(text)                 domain/negativity.py, 0..1
    own score  10 if the author talks about their own score
    data       30 if our snapshots show the author's score fell and the mention complains
    recency    -1 per hour since it was posted

Because recency costs every mention the same per hour, the order never
changes as time passes: ``rank = base + hours since the epoch`` is stored at
import and indexed, and the priority shown at instant ``now`` is
``rank - hours(now)``. A confirmed complaint gets 30 points, more than the
negativity and own-score points together can give an unconfirmed one (30),
so of two mentions with equal reach posted at the same time the confirmed
complaint always comes first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from .errors import InvalidInput, PolicyRefused, parse_choice
from .negativity import (
    about_own_score,
    explain_negativity,
    negativity_column,
    negativity_lower,
    own_score_lower,
)

REACH_POINTS = 40.0
REACH_FULL = 6.0  # log10 of the reach that earns all reach points (1,000,000)
NEGATIVITY_POINTS = 20.0
OWN_SCORE_POINTS = 10.0
DATA_POINTS = 30.0
RECENCY_PER_HOUR = 1.0
# A fall the data confirms: at least this share of the score, and at least one point.
CONFIRMING_DROP = 0.10


class MentionState(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    SET_ASIDE = "set_aside"

    @classmethod
    def parse(cls, text: str) -> MentionState:
        return parse_choice(cls, text, "state", {"setaside": "set_aside", "aside": "set_aside"})

    @property
    def is_open(self) -> bool:
        return self in (MentionState.NEW, MentionState.ASSIGNED)


OPEN_STATES = (MentionState.NEW, MentionState.ASSIGNED)


def check_can_assign(state: MentionState) -> None:
    if not state.is_open:
        raise PolicyRefused(f"mention: an {state.value} mention cannot be assigned"
                            if state is MentionState.ANSWERED
                            else "mention: a mention set aside cannot be assigned")


def check_can_reply(state: MentionState) -> None:
    if not state.is_open:
        raise PolicyRefused(f"mention: it is {state.value.replace('_', ' ')}; "
                            "it cannot be replied to again")


def check_can_set_aside(state: MentionState, reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason: must not be empty")
    if len(reason) > 500:
        raise InvalidInput("reason: at most 500 characters")
    if not state.is_open:
        raise PolicyRefused(f"mention: it is already {state.value.replace('_', ' ')}")
    return reason


@dataclass(frozen=True, slots=True)
class ScoreCheck:
    """What our own snapshots say about a mention's author.

    ``found`` False: no snapshot holds the profile. Otherwise ``before`` and
    ``after`` are the scores across the step with the largest fall among the
    last snapshots (or the first and last when none fell), ``batch`` names
    the snapshot after that step.
    """

    found: bool
    before: float = 0.0
    after: float = 0.0
    batch: str = ""
    matched_by: str = ""  # "profile_id" or "handle"

    @property
    def change(self) -> float:
        return (self.after - self.before) / self.before if self.before > 0 else 0.0

    @property
    def fell(self) -> bool:
        return (self.found and self.before - self.after >= 1.0
                and -self.change >= CONFIRMING_DROP)

    def text(self) -> str:
        if not self.found:
            return ""
        pct = round(100 * self.change)
        if self.fell:
            return f"score {_score(self.before)} -> {_score(self.after)}, {pct}% in {self.batch}"
        return (f"score {_score(self.before)} -> {_score(self.after)} in {self.batch}, "
                "no fall")


NOT_FOUND = ScoreCheck(False)


def _score(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class Ranking:
    """The rank inputs of one mention, computed once, when it is stored."""

    negativity: float
    own_score: bool
    confirmed: bool
    base: float  # every point but recency
    rank: float  # base + hours since the epoch: the stored sort key


def reach_points(reach: int) -> float:
    return REACH_POINTS * min(1.0, math.log10(1.0 + max(reach, 0)) / REACH_FULL)


def hours(at: datetime | float) -> float:
    ts = at if isinstance(at, float | int) else at.timestamp()
    return float(ts) / 3600.0


def reach_term(reach: int) -> float:
    """The reach points as the rank adds them (``reach`` not negative)."""
    return REACH_POINTS * min(1.0, math.log10(1.0 + reach) / REACH_FULL)


def rank_inputs(reach: int, text: str, at_ts: float, fell: bool,
                reach_pts: float | None = None) -> tuple[float, bool, bool, float]:
    """(negativity, own score, confirmed, rank): the import's inner loop, kept lean.
    ``reach_pts``: :func:`reach_term` of ``reach`` when the caller has it already."""
    low = text.lower()
    neg = negativity_lower(text, low)
    own = own_score_lower(low)
    confirmed = fell and (neg > 0.0 or own)
    rank = ((reach_term(reach) if reach_pts is None else reach_pts)
            + NEGATIVITY_POINTS * neg + (OWN_SCORE_POINTS if own else 0.0)
            + (DATA_POINTS if confirmed else 0.0) + RECENCY_PER_HOUR * at_ts / 3600.0)
    return neg, own, confirmed, rank


def rank_columns(reaches: Sequence[int], texts: Sequence[str], at_ts: Sequence[float],
                 fells: Sequence[bool]) -> tuple[list[float], list[bool], list[bool],
                                                 list[float]]:
    """:func:`rank_inputs` of a batch, column by column: (negativity, own score,
    confirmed, rank) lists. The rank is the same sum in the same order in float64
    (NumPy adds and multiplies as Python does), so it is the very same number; the
    reach points are :func:`reach_term` of each distinct reach."""
    import numpy as np  # here: every message command imports this module, few rank

    lows = list(map(str.lower, texts))
    negs = negativity_column(texts, lows)
    owns = list(map(own_score_lower, lows))
    confirmed = [f and (n > 0.0 or o) for f, n, o in zip(fells, negs, owns, strict=True)]
    distinct, where = np.unique(np.asarray(reaches, dtype=np.int64), return_inverse=True)
    points = np.array([reach_term(r) for r in distinct.tolist()], dtype=np.float64)[where]
    rank = (points + NEGATIVITY_POINTS * np.asarray(negs, dtype=np.float64)
            + np.where(np.asarray(owns, dtype=bool), OWN_SCORE_POINTS, 0.0)
            + np.where(np.asarray(confirmed, dtype=bool), DATA_POINTS, 0.0)
            + RECENCY_PER_HOUR * np.asarray(at_ts, dtype=np.float64) / 3600.0)
    return negs, owns, confirmed, rank.tolist()


def rank_mention(reach: int, text: str, at_ts: float, check: ScoreCheck) -> Ranking:
    neg, own, confirmed, rank = rank_inputs(reach, text, at_ts, check.fell)
    return Ranking(neg, own, confirmed, rank - RECENCY_PER_HOUR * at_ts / 3600.0, rank)


def priority_at(rank: float, now: datetime) -> float:
    """The priority shown at ``now``: the stored rank less the hours since the epoch."""
    return rank - RECENCY_PER_HOUR * hours(now)


def reasons(reach: int, text: str, at: datetime, now: datetime, check_text: str,
            confirmed: bool) -> tuple[str, ...]:
    """Why a mention sits where it does, one phrase per term of the priority."""
    out = [f"reach {_count(reach)} (+{reach_points(reach):.0f})"]
    neg = explain_negativity(text)
    if neg.score > 0:
        words = ", ".join(neg.words[:3])
        out.append(f"negative {neg.score:.2f}{f' ({words})' if words else ''} "
                   f"(+{NEGATIVITY_POINTS * neg.score:.0f})")
    if about_own_score(text):
        verb = "asks about" if "?" in text else "talks about"
        out.append(f"{verb} own score (+{OWN_SCORE_POINTS:.0f})")
    if confirmed:
        out.append(f"data confirms: {check_text} (+{DATA_POINTS:.0f})")
    elif check_text:
        out.append(f"data: {check_text}")
    age_h = max(0.0, (now - at).total_seconds() / 3600.0)
    cost = RECENCY_PER_HOUR * age_h
    out.append(f"posted {_age(age_h)} ago (-{cost:.1f})" if cost < 10
               else f"posted {_age(age_h)} ago (-{cost:.0f})")
    return tuple(out)


def _count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    if n >= 1000:
        return f"{n / 1000:.1f}k".replace(".0k", "k")
    return str(n)


def _age(age_h: float) -> str:
    if age_h < 1:
        return f"{max(0, round(age_h * 60))} min"
    if age_h < 48:
        return f"{age_h:.0f} h"
    return f"{age_h / 24:.0f} d"


@dataclass(frozen=True, slots=True)
class MentionView:
    id: int
    incident_id: int
    channel: str
    author: str
    reach: int
    text: str
    at: datetime
    link: str | None
    profile_id: str | None
    state: MentionState
    assigned_to: str | None
    set_aside_reason: str | None
    reply_message_id: int | None
    answered_at: datetime | None
    negativity: float
    own_score: bool
    confirmed: bool
    data_check: str  # "score 62 -> 31, -50% in batch 2291", or "" when no profile matched
    priority: float  # at the moment it was read
    reasons: tuple[str, ...]
    drill: bool = False
    version: int = 1


@dataclass(frozen=True, slots=True)
class TopVoice:
    """An author with mentions still open and none answered."""

    author: str
    channel: str  # of their highest-reach mention
    reach: int
    mentions: int
    open_mentions: int
    confirmed: bool


@dataclass(frozen=True, slots=True)
class ImportReport:
    incident_id: int
    rows: int  # valid rows read
    stored: int
    duplicates: int  # recognised (in the file or already stored) and not stored again
    confirmed: int  # rows of the file the data confirms (duplicates included)
    source: str


def epoch_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
