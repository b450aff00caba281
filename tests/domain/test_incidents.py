"""The incident lifecycle, checked against an independently written list of allowed steps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.incidents import (
    IncidentStatus,
    KeyTimes,
    Severity,
    allowed_next,
    check_transition,
    format_duration,
    is_open,
    response_figures,
)

S = IncidentStatus

# Written from the lifecycle as the product describes it, not copied from the table:
# forward along detected -> declared -> acknowledged -> mitigated -> resolved -> closed
# (steps may be skipped after declaration), plus three ways back: a false alarm closes
# at once, a failed mitigation returns to acknowledged, a recurrence re-declares.
EXPECTED_ALLOWED = {
    ("detected", "declared"),
    ("detected", "closed"),
    ("declared", "acknowledged"),
    ("declared", "mitigated"),
    ("declared", "resolved"),
    ("acknowledged", "mitigated"),
    ("acknowledged", "resolved"),
    ("mitigated", "resolved"),
    ("mitigated", "acknowledged"),
    ("resolved", "closed"),
    ("resolved", "declared"),
}
STATUS_NAMES = ["detected", "declared", "acknowledged", "mitigated", "resolved", "closed"]
ALL_PAIRS = list(itertools.product(STATUS_NAMES, STATUS_NAMES))
ALLOWED_PAIRS = [p for p in ALL_PAIRS if p in EXPECTED_ALLOWED]
REFUSED_PAIRS = [p for p in ALL_PAIRS if p not in EXPECTED_ALLOWED]


def test_the_status_names_are_the_ones_the_cli_accepts() -> None:
    assert [s.value for s in IncidentStatus] == STATUS_NAMES


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS)
def test_allowed_transition(current: str, target: str) -> None:
    check_transition(S(current), S(target))  # does not raise
    assert S(target) in allowed_next(S(current))


@pytest.mark.parametrize(("current", "target"), REFUSED_PAIRS)
def test_refused_transition(current: str, target: str) -> None:
    with pytest.raises(PolicyRefused) as info:
        check_transition(S(current), S(target))
    assert f"from {current} to {target}" in str(info.value)
    assert S(target) not in allowed_next(S(current))


def test_closed_is_final_and_the_message_says_so() -> None:
    with pytest.raises(PolicyRefused, match="allowed: none"):
        check_transition(S.CLOSED, S.DECLARED)


@pytest.mark.parametrize(("status", "expected"), [
    ("detected", True), ("declared", True), ("acknowledged", True), ("mitigated", True),
    ("resolved", False), ("closed", False),
])
def test_is_open(status: str, expected: bool) -> None:
    assert is_open(S(status)) is expected


@pytest.mark.parametrize("text", ["sev1", " SEV2 ", "Sev4"])
def test_severity_parse_accepts_any_case(text: str) -> None:
    assert Severity.parse(text).value == text.strip().upper()


@pytest.mark.parametrize("text", ["SEV9", "SEV0", "", "high"])
def test_severity_parse_names_the_field(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"^severity: "):
        Severity.parse(text)


def test_status_parse_names_the_field() -> None:
    assert IncidentStatus.parse(" Resolved ") is S.RESOLVED
    with pytest.raises(InvalidInput, match=r"^status: 'fixed'"):
        IncidentStatus.parse("fixed")


def test_response_figures_count_from_detection() -> None:
    t0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    times = KeyTimes(detected_at=t0, declared_at=t0 + timedelta(minutes=12),
                     first_public_ack_at=t0 + timedelta(minutes=45),
                     resolved_at=t0 + timedelta(hours=3, minutes=30))
    f = response_figures(times)
    assert f.time_to_declare == timedelta(minutes=12)
    assert f.time_to_first_public_ack == timedelta(minutes=45)
    assert f.time_to_explanation is None
    assert f.time_to_resolve == timedelta(hours=3, minutes=30)
    assert f.as_seconds()["time_to_resolve"] == 12_600.0
    assert format_duration(f.time_to_resolve) == "3h30m"
    assert format_duration(None) == "-"
