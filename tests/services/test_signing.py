"""Approvals are Ed25519 signatures by the approver's own key, sealed under their passphrase.

Each attack here publishes, on today's main, words the owner never signed:
an approval row written straight into the table, one signed with someone
else's key, a statement edited after signing, or a key the commanders could
open after resetting the owner's passphrase.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from commandcenter.app import Services
from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus as St
from commandcenter.domain.roster import ContactFields
from commandcenter.persistence.models import ApprovalRow, AuditRow
from commandcenter.persistence.signing_models import OperatorKeyRow
from commandcenter.services.context import Passphrases
from commandcenter.services.keys import KeyDerivation, signature_valid, unseal

from .support import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    PASS,
    approvals,
    assert_nothing_published,
    in_review,
    open_incident,
    rows,
    signed,
)


def keys_of(svc: Services, name: str) -> list[OperatorKeyRow]:
    with svc.ctx.uow() as uow:
        op_id = uow.session.execute(text(
            "SELECT o.id FROM operators o JOIN contacts c ON c.id = o.contact_id "
            "WHERE c.name = :n"), {"n": name}).scalar_one()
        found = uow.session.execute(select(OperatorKeyRow).where(
            OperatorKeyRow.operator_id == op_id).order_by(OperatorKeyRow.id)).scalars().all()
        uow.session.expunge_all()
        return list(found)


def operator_id(svc: Services, name: str) -> int:
    return keys_of(svc, name)[0].operator_id


def test_tests_derive_keys_cheaply_with_argon2id() -> None:
    fast = Passphrases.fast_for_tests().kdf
    assert fast == KeyDerivation.fast_for_tests()
    assert (fast.time_cost, fast.memory_cost, fast.parallelism) == (1, 8, 1)
    assert KeyDerivation().memory_cost == 64 * 1024


def test_every_operator_has_a_registered_key_sealed_under_their_passphrase(
    people: Services,
) -> None:
    [key] = keys_of(people, CAROL)
    sealed = json.loads(key.sealed_private)
    assert (sealed["kdf"], sealed["aead"]) == ("argon2id", "aes-256-gcm")
    assert PASS.encode().hex() not in key.sealed_private
    kdf = people.ctx.passphrases.kdf
    private = unseal(kdf, PASS, key.sealed_private, key.operator_id, key.public_key)
    assert private.public_key().public_bytes_raw().hex() == key.public_key
    with pytest.raises(PolicyRefused, match="does not open"):
        unseal(kdf, "not carol's passphrase", key.sealed_private, key.operator_id,
               key.public_key)
    # A sealed key cannot be moved to another operator (associated data).
    with pytest.raises(PolicyRefused):
        unseal(kdf, PASS, key.sealed_private, operator_id(people, ALICE), key.public_key)
    registered = rows(people, AuditRow, AuditRow.action == "key.register")
    assert any(json.loads(r.payload)["public_key"] == key.public_key for r in registered)


def test_an_approval_is_a_signature_over_the_message_and_the_evidence(
    people: Services,
) -> None:
    mid = in_review(people, open_incident(people), "We know scores dropped.")
    people.messages.approve(mid, CAROL, PASS)
    [a] = approvals(people, mid)
    [key] = keys_of(people, CAROL)
    statement = json.loads(a.statement)
    assert statement["message_id"] == mid and statement["revision"] == 1
    assert statement["channel"] == "x" and statement["content_hash"] == a.content_hash
    assert statement["approved_at"] == a.approved_at.isoformat()
    assert statement["approver"]["name"] == CAROL
    assert statement["evidence"]["owner"] == CAROL
    assert statement["evidence"]["chain_version"] >= 1
    assert a.key_id == key.id
    assert signature_valid(key.public_key, a.statement, a.signature)
    published = people.messages.publish(mid, BOB)
    sent = json.loads(Path(published.publication_path).read_text())
    assert sent["approval"] == {"statement": a.statement, "signature": a.signature,
                                "public_key": key.public_key}


def forge_approval(svc: Services, mid: int, **columns: object) -> None:
    """Write an approval row by hand, as someone with access to the database would."""
    with svc.ctx.uow() as uow:
        m = uow.session.execute(text("SELECT revision, content_hash FROM messages WHERE id=:m"),
                                {"m": mid}).one()
        carol = uow.session.execute(text("SELECT id FROM contacts WHERE name = :n"),
                                    {"n": CAROL}).scalar_one()
        row = ApprovalRow(message_id=mid, revision=m.revision, content_hash=m.content_hash,
                          approver_id=carol, approved_at=svc.ctx.clock.now(),
                          owner_evidence="forged")
        for k, v in columns.items():
            setattr(row, k, v)
        uow.session.add(row)
        uow.session.execute(text("UPDATE messages SET state = 'approved' WHERE id = :m"),
                            {"m": mid})
        uow.session.commit()


def test_an_approval_written_into_the_table_is_not_a_signature(people: Services) -> None:
    mid = in_review(people, open_incident(people))
    forge_approval(people, mid)
    with pytest.raises(PolicyRefused, match="not signed"):
        people.messages.publish(mid, BOB)
    assert_nothing_published(people, mid)


def test_an_approval_signed_with_someone_elses_key_is_refused(people: Services) -> None:
    """Alice signs a statement naming Carol, with Alice's own key."""
    mid = in_review(people, open_incident(people), "Words Carol never saw.")
    other = in_review(people, open_incident(people, title="Other"), "Something else.")
    people.messages.approve(other, CAROL, PASS)
    [genuine] = approvals(people, other)
    [alice_key] = keys_of(people, ALICE)
    private = unseal(people.ctx.passphrases.kdf, PASS, alice_key.sealed_private,
                     alice_key.operator_id, alice_key.public_key)
    statement = genuine.statement.replace(f'"message_id":{other}', f'"message_id":{mid}')
    forge_approval(people, mid, key_id=alice_key.id, statement=statement,
                   signature=private.sign(statement.encode()).hex())
    with pytest.raises(PolicyRefused, match="not the approver's"):
        people.messages.publish(mid, BOB)
    assert people.messages.get(mid).state.value == "approved"


def test_an_approval_copied_onto_other_words_is_refused(people: Services) -> None:
    """Carol's genuine signature, moved to a message she did not approve."""
    mid = in_review(people, open_incident(people), "Words Carol never saw.")
    other = in_review(people, open_incident(people, title="Other"), "Something else.")
    people.messages.approve(other, CAROL, PASS)
    [genuine] = approvals(people, other)
    forge_approval(people, mid, key_id=genuine.key_id, statement=genuine.statement,
                   signature=genuine.signature)
    with pytest.raises(PolicyRefused, match="signed statement does not match"):
        people.messages.publish(mid, BOB)
    # Edited to name this message, Carol's signature no longer verifies.
    edited = genuine.statement.replace(f'"message_id":{other}', f'"message_id":{mid}')\
        .replace(genuine.content_hash, people.messages.get(mid).content_hash)
    with people.engine.begin() as conn:
        conn.execute(text("UPDATE approvals SET statement = :s WHERE message_id = :m"),
                     {"s": edited, "m": mid})
    with pytest.raises(PolicyRefused, match="signature does not verify"):
        people.messages.publish(mid, BOB)
    assert people.messages.get(mid).published_at is None


def test_after_a_reset_the_commanders_cannot_sign_as_the_operator(people: Services) -> None:
    people.roster.add_contact(ContactFields("Sam Second"), by=ADMIN)
    people.roster.add_operator("Sam Second", Role.COMMANDER, PASS, by=ADMIN)
    [old] = keys_of(people, CAROL)
    people.roster.reset_passphrase(CAROL, "temporary secret", ADMIN, signed("Sam Second"))
    [revoked] = keys_of(people, CAROL)
    assert revoked.revoked_at is not None and revoked.sealed_private == ""
    mid = in_review(people, open_incident(people))
    # Even with the 'must set' flag cleared behind the app's back, nothing can sign:
    # the old key is erased and no key was ever sealed under the temporary passphrase.
    with people.engine.begin() as conn:
        conn.execute(text("UPDATE operators SET must_set_passphrase = false WHERE id = :o"),
                     {"o": old.operator_id})
    with pytest.raises(PolicyRefused, match="no usable signing key"):
        people.messages.approve(mid, CAROL, "temporary secret")
    with people.engine.begin() as conn:
        conn.execute(text("UPDATE operators SET must_set_passphrase = true WHERE id = :o"),
                     {"o": old.operator_id})
    people.roster.change_passphrase(CAROL, "temporary secret", "only carol knows")
    _, fresh = keys_of(people, CAROL)
    assert fresh.public_key != old.public_key and fresh.revoked_at is None
    approved = people.messages.approve(mid, CAROL, "only carol knows")
    assert approved.approved_by == CAROL
    assert approvals(people, mid)[0].key_id == fresh.id


def test_changing_ones_own_passphrase_reseals_the_same_key(people: Services) -> None:
    [before] = keys_of(people, CAROL)
    people.roster.change_passphrase(CAROL, PASS, "carol's next passphrase")
    [after] = keys_of(people, CAROL)
    assert after.public_key == before.public_key
    assert after.sealed_private != before.sealed_private
    kdf = people.ctx.passphrases.kdf
    unseal(kdf, "carol's next passphrase", after.sealed_private, after.operator_id,
           after.public_key)
    with pytest.raises(PolicyRefused):
        unseal(kdf, PASS, after.sealed_private, after.operator_id, after.public_key)


def test_a_swapped_public_key_breaks_publish(people: Services) -> None:
    """Replacing Carol's registered public key (and her sealed key) with a pair the
    attacker made lets him sign as Carol; audit verify finds the key, and approvals
    Carol really signed stop verifying."""
    mid = in_review(people, open_incident(people))
    people.messages.approve(mid, CAROL, PASS)
    carol = operator_id(people, CAROL)
    with people.engine.begin() as conn:
        conn.execute(text("UPDATE operator_keys SET public_key = :k WHERE operator_id = :o"),
                     {"k": "22" * 32, "o": carol})
    with pytest.raises(PolicyRefused, match="the approval does not verify"):
        people.messages.publish(mid, BOB)
    report = people.audit.verify()
    assert any("not the key registered" in p for p in report.problems)


def test_operators_from_before_signing_get_a_key_when_they_next_approve(
    people: Services,
) -> None:
    """(A database from before this change: its operators have no key yet.)"""
    alice = operator_id(people, ALICE)
    with people.engine.begin() as conn:
        conn.execute(text("DELETE FROM operator_keys WHERE operator_id = :o"), {"o": alice})
    mid = in_review(people, open_incident(people))
    people.roster.set_availability(CAROL, St.VACATION, people.ctx.clock.now(),
                                   people.ctx.clock.now() + timedelta(days=1), by=signed(CAROL))
    people.messages.approve(mid, ALICE, PASS)
    assert people.messages.publish(mid, BOB).approved_by == ALICE
    [key] = keys_of(people, ALICE)
    assert approvals(people, mid)[0].key_id == key.id
