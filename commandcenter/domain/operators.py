"""Operators: contacts who can sign in, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .errors import PolicyRefused, parse_choice


class Role(StrEnum):
    COMMANDER = "commander"
    SPOKESPERSON = "spokesperson"
    OBSERVER = "observer"
    FACILITATOR = "facilitator"

    @classmethod
    def parse(cls, text: str) -> Role:
        return parse_choice(cls, text, "role")


class Action(StrEnum):
    RUN_INCIDENT = "run incidents"
    EDIT_ROSTER = "edit the roster and chains"
    WRITE_TIMELINE = "write to the timeline"
    DRAFT = "draft messages"
    APPROVE = "approve messages"
    PUBLISH = "publish messages"
    RUN_DRILL = "run drills"
    ACK_ALERT = "acknowledge alerts"


# The right to approve also needs ownership of the communications chain at
# that moment; the role only says who may try.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.COMMANDER: frozenset(
        {Action.RUN_INCIDENT, Action.EDIT_ROSTER, Action.WRITE_TIMELINE, Action.DRAFT,
         Action.APPROVE, Action.PUBLISH, Action.ACK_ALERT}
    ),
    Role.SPOKESPERSON: frozenset(
        {Action.WRITE_TIMELINE, Action.DRAFT, Action.APPROVE, Action.PUBLISH}
    ),
    Role.FACILITATOR: frozenset(
        {Action.RUN_DRILL, Action.WRITE_TIMELINE, Action.DRAFT, Action.APPROVE, Action.PUBLISH}
    ),
    Role.OBSERVER: frozenset(),
}


@dataclass(frozen=True, slots=True)
class OperatorView:
    id: int
    contact_id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Credentials:
    """An operator's name and passphrase, for the service that acts on them to check."""

    name: str
    passphrase: str = field(repr=False)


def require(operator: OperatorView, action: Action) -> None:
    if action not in PERMISSIONS[operator.role]:
        raise PolicyRefused(f"permission: a {operator.role.value} may not {action.value}")


def may(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]
