"""The approval rule, as pure functions the services call inside their transaction.

Nothing is published unless it was approved by the owner of the
communications chain at the moment of approval, the approver is not the
author, and the approved text is exactly the text being published.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from .chains import COMMUNICATIONS, Ownership
from .clock import format_utc
from .errors import PolicyRefused
from .messages import EXERCISE_PREFIX, MessageState


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    approver_contact_id: int
    approver: str
    revision: int
    content_hash: str
    approved_at: datetime
    voided: bool = False


def check_can_approve(
    *,
    state: MessageState,
    author_contact_ids: Collection[int],
    approver_contact_id: int,
    approver_name: str,
    ownership: Ownership,
) -> None:
    """``author_contact_ids``: whoever drafted or edited any revision of the text."""
    if state is not MessageState.IN_REVIEW:
        raise PolicyRefused(f"approve: the message is {state.value}, not in review")
    if approver_contact_id in author_contact_ids:
        raise PolicyRefused(f"approve: {approver_name} is an author of this message (wrote "
                            "a revision of it); nobody approves their own words")
    owner = ownership.owner
    if owner is None:
        raise PolicyRefused(
            f"approve: nobody owns the {COMMUNICATIONS} chain at {format_utc(ownership.at)}"
        )
    if owner.id != approver_contact_id:
        raise PolicyRefused(
            f"approve: {approver_name} does not own the {COMMUNICATIONS} chain at "
            f"{format_utc(ownership.at)}; {owner.name} does"
        )


def check_can_publish(
    *,
    state: MessageState,
    current_hash: str,
    approval: ApprovalRecord | None,
    drill: bool,
    body: str,
    destination_is_drill: bool,
) -> None:
    if drill and not destination_is_drill:
        raise PolicyRefused("publish: a drill message can never go to a live channel")
    if not drill and destination_is_drill:
        raise PolicyRefused("publish: a live message cannot go to the drill outbox")
    if drill and not body.lstrip().upper().startswith(EXERCISE_PREFIX):
        raise PolicyRefused("publish: a drill message must start with EXERCISE")
    if not drill and body.lstrip().upper().startswith(EXERCISE_PREFIX):
        raise PolicyRefused("publish: a live message must not start with EXERCISE (the "
                            "public would read it as a drill, or a drill text as live)")
    if state is not MessageState.APPROVED:
        raise PolicyRefused(f"publish: the message is {state.value}, not approved")
    if approval is None or approval.voided:
        raise PolicyRefused("publish: there is no valid approval for this message")
    if approval.content_hash != current_hash:
        raise PolicyRefused("publish: the text differs from the text that was approved")
