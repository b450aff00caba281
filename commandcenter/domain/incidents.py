"""Incidents: severity, the status lifecycle, key times and response figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .commitments import CommitmentFigures
from .errors import PolicyRefused, parse_choice


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @classmethod
    def parse(cls, text: str) -> Severity:
        return parse_choice(cls, text, "severity")


class IncidentStatus(StrEnum):
    DETECTED = "detected"
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @classmethod
    def parse(cls, text: str) -> IncidentStatus:
        return parse_choice(cls, text, "status")


# Forward along the lifecycle, with three deliberate ways back: a detection
# dismissed as a false alarm closes at once, a failed mitigation returns to
# acknowledged, and a resolved incident can be re-declared if it recurs.
ALLOWED_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.DETECTED: frozenset({IncidentStatus.DECLARED, IncidentStatus.CLOSED}),
    IncidentStatus.DECLARED: frozenset(
        {IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED, IncidentStatus.RESOLVED}
    ),
    IncidentStatus.ACKNOWLEDGED: frozenset({IncidentStatus.MITIGATED, IncidentStatus.RESOLVED}),
    IncidentStatus.MITIGATED: frozenset({IncidentStatus.RESOLVED, IncidentStatus.ACKNOWLEDGED}),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.CLOSED, IncidentStatus.DECLARED}),
    IncidentStatus.CLOSED: frozenset(),
}


def allowed_next(status: IncidentStatus) -> frozenset[IncidentStatus]:
    return ALLOWED_TRANSITIONS[status]


def check_transition(current: IncidentStatus, target: IncidentStatus) -> None:
    """Raise PolicyRefused unless ``current -> target`` is an allowed step."""
    if target not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_TRANSITIONS[current])) or "none"
        raise PolicyRefused(
            f"status: cannot go from {current.value} to {target.value} (allowed: {allowed})"
        )


def is_open(status: IncidentStatus) -> bool:
    return status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


@dataclass(frozen=True, slots=True)
class KeyTimes:
    detected_at: datetime
    declared_at: datetime | None = None
    first_public_ack_at: datetime | None = None
    explained_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    """Durations from detection; None while the milestone has not happened."""

    time_to_declare: timedelta | None
    time_to_first_public_ack: timedelta | None
    time_to_explanation: timedelta | None
    time_to_resolve: timedelta | None

    def as_seconds(self) -> dict[str, float | None]:
        return {
            name: (None if value is None else value.total_seconds())
            for name, value in (
                ("time_to_declare", self.time_to_declare),
                ("time_to_first_public_ack", self.time_to_first_public_ack),
                ("time_to_explanation", self.time_to_explanation),
                ("time_to_resolve", self.time_to_resolve),
            )
        }


def response_figures(times: KeyTimes) -> ResponseFigures:
    def since_detection(t: datetime | None) -> timedelta | None:
        return None if t is None else t - times.detected_at

    return ResponseFigures(
        time_to_declare=since_detection(times.declared_at),
        time_to_first_public_ack=since_detection(times.first_public_ack_at),
        time_to_explanation=since_detection(times.explained_at),
        time_to_resolve=since_detection(times.resolved_at),
    )


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    return f"{sign}{hours}h{rest // 60:02d}m"


NO_COMMITMENTS = CommitmentFigures()


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident as the services hand it out (and the command line prints it)."""

    id: int
    title: str
    kind: str
    severity: Severity
    status: IncidentStatus
    drill: bool
    commander: str | None
    detected_at: datetime
    declared_at: datetime | None
    first_public_ack_at: datetime | None
    explained_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    figures: ResponseFigures
    allowed_next: tuple[IncidentStatus, ...]
    version: int
    # Made, open, kept on time, kept late, broken (services/commitments.py); filled by get().
    commitments: CommitmentFigures = NO_COMMITMENTS


def incident_view(
    id: int, title: str, kind: str, severity: str, status: str, drill: bool,
    commander: str | None, detected_at: datetime, declared_at: datetime | None,
    first_public_ack_at: datetime | None, explained_at: datetime | None,
    resolved_at: datetime | None, closed_at: datetime | None, version: int,
) -> IncidentView:
    """The view of one stored incident, from its stored values (the ORM row's, or the
    read-only path's, persistence/lite_read.py): its figures and next steps derived."""
    times = KeyTimes(detected_at, declared_at, first_public_ack_at, explained_at, resolved_at)
    state = IncidentStatus(status)
    order = list(IncidentStatus)
    return IncidentView(
        id, title, kind, Severity(severity), state, drill, commander, detected_at,
        declared_at, first_public_ack_at, explained_at, resolved_at, closed_at,
        response_figures(times), tuple(sorted(allowed_next(state), key=order.index)), version,
    )
