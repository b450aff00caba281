"""Only the chain's owner rejects, and an operator's passphrase is not reset behind their back."""

from __future__ import annotations

import pytest

from commandcenter.app import Services
from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.messages import MessageState
from commandcenter.domain.operators import Role
from tests.services.support import ALICE, BOB, CAROL, PASS, in_review, open_incident


def test_only_the_owner_of_the_communications_chain_can_reject(people: Services) -> None:
    mid = in_review(people, open_incident(people))
    with pytest.raises(PolicyRefused, match=f"{CAROL} owns it now"):
        people.messages.reject(mid, "tone is wrong", ALICE)  # Alice is second in the chain
    assert people.messages.get(mid).state is MessageState.IN_REVIEW
    rejected = people.messages.reject(mid, "tone is wrong", CAROL)
    assert rejected.state is MessageState.REJECTED
    assert rejected.rejected_reason == "tone is wrong"


def test_an_operator_cannot_be_changed_without_a_commander(people: Services) -> None:
    with pytest.raises(PolicyRefused, match="needs a commander"):
        people.roster.add_operator(CAROL, Role.OBSERVER, "attacker passphrase")
    assert people.roster.sign_in(CAROL, PASS).role is Role.SPOKESPERSON
    with pytest.raises(PolicyRefused, match="may not edit the roster"):
        people.roster.add_operator(CAROL, Role.OBSERVER, "attacker passphrase", actor=BOB)
    changed = people.roster.add_operator(CAROL, Role.OBSERVER, "a new passphrase", actor=ALICE)
    assert changed.role is Role.OBSERVER
    assert people.roster.sign_in(CAROL, "a new passphrase").role is Role.OBSERVER
