"""The change calendar: planned scoring changes, their notice period, and release rules.

A change is "not announced" until an approved ``advance_notice`` message
about it is published. From the start of its notice period (effective time
minus the notice) an unannounced change is a warning; releasing it without
an announcement is refused unless a commander overrides with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .clock import as_utc
from .errors import InvalidInput, PolicyRefused

DEFAULT_NOTICE_DAYS = 7
MAX_NOTICE_DAYS = 365
MAX_TITLE = 200
MAX_EFFECT = 1000


class ChangeStatus(StrEnum):
    PLANNED = "planned"  # notice period not started yet
    IN_NOTICE = "in_notice"  # notice period running
    DUE = "due"  # effective time reached, not released
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class ChangeView:
    id: int
    title: str
    effective_at: datetime
    notice_days: int
    effect: str
    created_by: str
    created_at: datetime
    announced_at: datetime | None
    announcement_message_id: int | None
    explanation_message_id: int | None
    released_at: datetime | None
    released_by: str | None
    override_reason: str | None
    # Figures as of the instant the view was read:
    status: ChangeStatus
    warning: str | None  # set while the app should warn
    notice_days_left: float  # days until effective (negative: past it)

    @property
    def announced(self) -> bool:
        return self.announced_at is not None


def notice_starts(effective_at: datetime, notice_days: int) -> datetime:
    return as_utc(effective_at) - timedelta(days=notice_days)


def status_at(effective_at: datetime, notice_days: int, released_at: datetime | None,
              now: datetime) -> ChangeStatus:
    if released_at is not None:
        return ChangeStatus.RELEASED
    if now >= effective_at:
        return ChangeStatus.DUE
    if now >= notice_starts(effective_at, notice_days):
        return ChangeStatus.IN_NOTICE
    return ChangeStatus.PLANNED


def warning_at(title: str, effective_at: datetime, notice_days: int,
               announced_at: datetime | None, released_at: datetime | None,
               now: datetime) -> str | None:
    """What the app says about an unannounced change once its notice period has begun."""
    if announced_at is not None or released_at is not None:
        return None
    starts = notice_starts(effective_at, notice_days)
    if now < starts:
        return None
    left = effective_at - now
    if left.total_seconds() <= 0:
        return (f"change {title!r} was due {effective_at:%Y-%m-%d %H:%M} UTC and was never "
                f"announced")
    return (f"change {title!r} takes effect {effective_at:%Y-%m-%d %H:%M} UTC "
            f"({_days(left)}); no advance notice has been published "
            f"(notice period of {notice_days} days began {starts:%Y-%m-%d %H:%M} UTC)")


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"in {hours:.0f} h" if hours < 48 else f"in {hours / 24:.1f} days"


def check_new(title: str, effective_at: datetime, notice_days: int, effect: str
              ) -> tuple[str, datetime, int, str]:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("title: must not be empty")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"title: longer than {MAX_TITLE} characters")
    if not 0 <= notice_days <= MAX_NOTICE_DAYS:
        raise InvalidInput(f"notice-days: {notice_days} is not between 0 and {MAX_NOTICE_DAYS}")
    effect = effect.strip()
    if len(effect) > MAX_EFFECT:
        raise InvalidInput(f"effect: longer than {MAX_EFFECT} characters")
    return title, as_utc(effective_at), notice_days, effect


def check_release(*, announced: bool, released: bool, override: str | None,
                  commander: bool) -> str | None:
    """The override reason to record (None: none needed); raises when refused."""
    if released:
        raise PolicyRefused("change: already released")
    reason = (override or "").strip() or None
    if announced:
        return None
    if reason is None:
        raise PolicyRefused("change: not announced; publish an approved advance_notice "
                            "message about it first, or a commander overrides with a reason")
    if not commander:
        raise PolicyRefused("override: only a commander may release an unannounced change")
    return reason


_REF = re.compile(r"\bchange\s*#\s*(\d+)\b", re.I)


def mentions_change(text: str, change_id: int, title: str) -> bool:
    """Is a message about this change? It says "change #ID", or quotes its title."""
    if any(int(m.group(1)) == change_id for m in _REF.finditer(text)):
        return True
    # The whole title, as words: "v2" does not announce "Network weighting v2".
    words = r"\s+".join(re.escape(w) for w in title.split())
    return re.search(rf"(?<!\w){words}(?!\w)", text, re.I) is not None
