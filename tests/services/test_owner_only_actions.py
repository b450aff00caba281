"""Only the chain's owner rejects, and an operator's passphrase is not reset behind their back."""

from __future__ import annotations

import pytest

from commandcenter.app import Services
from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.messages import MessageState
from commandcenter.domain.operators import Role
from tests.services.support import ALICE, BOB, CAROL, PASS, in_review, open_incident, signed


def test_only_the_owner_of_the_communications_chain_can_reject(people: Services) -> None:
    mid = in_review(people, open_incident(people))
    with pytest.raises(PolicyRefused, match=f"{CAROL} owns it now"):
        people.messages.reject(mid, "tone is wrong", ALICE)  # Alice is second in the chain
    assert people.messages.get(mid).state is MessageState.IN_REVIEW
    rejected = people.messages.reject(mid, "tone is wrong", CAROL)
    assert rejected.state is MessageState.REJECTED
    assert rejected.rejected_reason == "tone is wrong"


def test_an_operator_cannot_be_changed_without_a_commander(people: Services) -> None:
    with pytest.raises(PolicyRefused, match="must sign in"):
        people.roster.set_role(CAROL, Role.OBSERVER, by=None)  # type: ignore[arg-type]
    with pytest.raises(PolicyRefused, match="may not edit the roster"):
        people.roster.set_role(CAROL, Role.OBSERVER, by=signed(BOB))
    with pytest.raises(PolicyRefused, match="wrong passphrase"):
        people.roster.set_role(CAROL, Role.OBSERVER, by=signed(ALICE, "not her passphrase"))
    assert people.roster.sign_in(CAROL, PASS).role is Role.SPOKESPERSON
    changed = people.roster.set_role(CAROL, Role.OBSERVER, by=signed(ALICE))
    assert changed.role is Role.OBSERVER
    assert people.roster.sign_in(CAROL, PASS).role is Role.OBSERVER


def test_adding_an_existing_operator_never_changes_them(people: Services) -> None:
    """Wave 1: `operator add` on an existing operator, as a commander, reset the passphrase."""
    with pytest.raises(PolicyRefused, match="already an operator"):
        people.roster.add_operator(CAROL, Role.SPOKESPERSON, "attacker passphrase",
                                   by=signed(ALICE))
    assert people.roster.sign_in(CAROL, PASS).name == CAROL
    with pytest.raises(PolicyRefused):
        people.roster.sign_in(CAROL, "attacker passphrase")
