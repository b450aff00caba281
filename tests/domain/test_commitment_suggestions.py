"""Commitment suggestions from message text, resolved against the message's time."""

from datetime import UTC, datetime

import pytest

from commandcenter.domain import commitments
from commandcenter.domain.commitments import (
    Commitment,
    CommitmentState,
    commitment_figures,
    falls_due,
    suggest,
)
from commandcenter.domain.errors import InvalidInput

# Wednesday 2 December 2026, 10:15 UTC (winter: PT = UTC-8, CET = UTC+1).
AT = datetime(2026, 12, 2, 10, 15, tzinfo=UTC)
# Wednesday 1 July 2026, 10:15 UTC (summer: PT = UTC-7, CET = UTC+2).
SUMMER = datetime(2026, 7, 1, 10, 15, tzinfo=UTC)


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


@pytest.mark.parametrize(("text", "at", "due"), [
    ("We'll post an update by 12:00.", AT, utc(2026, 12, 2, 12, 0)),
    ("Next update by 12:00 UTC.", AT, utc(2026, 12, 2, 12, 0)),
    ("Next update by 09:00 UTC.", AT, utc(2026, 12, 3, 9, 0)),  # 09:00 passed: tomorrow
    ("We will have a fix within 2 hours.", AT, utc(2026, 12, 2, 12, 15)),
    ("A full report within 24 hours.", AT, utc(2026, 12, 3, 10, 15)),
    ("Expect news in 30 minutes.", AT, utc(2026, 12, 2, 10, 45)),
    ("More in an hour.", AT, utc(2026, 12, 2, 11, 15)),
    ("Next update within the hour.", AT, utc(2026, 12, 2, 11, 15)),
    ("We will reply within the next 3 days.", AT, utc(2026, 12, 5, 10, 15)),
    ("We'll explain tomorrow morning PT.", AT, utc(2026, 12, 3, 17, 0)),  # 09:00 PST
    ("We'll explain tomorrow morning PT.", SUMMER, utc(2026, 7, 2, 16, 0)),  # 09:00 PDT
    ("A statement by 5pm CET.", AT, utc(2026, 12, 2, 16, 0)),
    ("A statement by 5pm CET.", SUMMER, utc(2026, 7, 1, 15, 0)),
    ("Answers by end of day Pacific.", AT, utc(2026, 12, 3, 1, 0)),  # 17:00 PST
    ("An update at 3:30 pm ET today.", AT, utc(2026, 12, 2, 20, 30)),
    ("Details by Friday.", AT, utc(2026, 12, 4, 17, 0)),
    ("We will reply by noon Eastern.", AT, utc(2026, 12, 2, 17, 0)),
    ("Our next post comes tomorrow.", AT, utc(2026, 12, 3, 17, 0)),
    ("An update by 14:00 Europe/London.", SUMMER, utc(2026, 7, 1, 13, 0)),
])
def test_each_phrasing_resolves_against_the_message_time(text: str, at: datetime,
                                                         due: datetime) -> None:
    found = suggest(text, at)
    assert [s.due_at for s in found] == [due], [s.describe() for s in found]
    assert found[0].text == text.rstrip(".")


def test_a_time_without_a_zone_is_read_in_the_authors_zone() -> None:
    (s,) = suggest("Next update by 12:00.", AT, default_zone="America/New_York")
    assert s.due_at == utc(2026, 12, 2, 17, 0)
    assert s.zone == "America/New_York"


def test_several_promises_in_one_message_each_become_a_suggestion() -> None:
    found = suggest("We are on it. Next update by 12:00 UTC. A full explanation within "
                    "24 hours.", AT)
    assert [s.phrase for s in found] == ["by 12:00 UTC", "within 24 hours"]
    assert found[1].text == "A full explanation within 24 hours"


@pytest.mark.parametrize("text", [
    "Scores fell for 3 people by 3 points.",
    "We are sorry. We are investigating.",
    "It happened at 5 locations.",
    "We are restoring it within hours.",  # too vague to hold anyone to
])
def test_text_without_a_time_promise_suggests_nothing(text: str) -> None:
    assert suggest(text, AT) == []


def _c(state: CommitmentState, due: datetime, kept: datetime | None = None) -> Commitment:
    return Commitment(1, 1, "t", "x", "Ana", due, state, AT, None, kept, None, None)


def test_overdue_and_figures() -> None:
    due = utc(2026, 12, 2, 12, 0)
    assert not _c(CommitmentState.OPEN, due).overdue_at(utc(2026, 12, 2, 11, 59))
    assert _c(CommitmentState.OPEN, due).overdue_at(due)
    assert falls_due(due, utc(2026, 12, 2, 11, 0), due)
    assert not falls_due(due, due, utc(2026, 12, 2, 13, 0))  # already seen
    figures = commitment_figures([
        _c(CommitmentState.OPEN, due), _c(CommitmentState.BROKEN, due),
        _c(CommitmentState.KEPT, due, utc(2026, 12, 2, 11, 0)),
        _c(CommitmentState.KEPT, due, utc(2026, 12, 2, 13, 0))])
    assert (figures.made, figures.open, figures.broken, figures.kept_on_time,
            figures.kept_late) == (4, 1, 1, 1, 1)


def test_new_commitment_is_checked() -> None:
    with pytest.raises(InvalidInput, match="text"):
        commitments.check_new("  ", AT, AT)
    with pytest.raises(InvalidInput, match="due"):
        commitments.check_new("x", AT, AT)  # due now is already too late to promise
