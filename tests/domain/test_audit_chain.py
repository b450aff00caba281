"""The hash chain itself: edits, deletions, reordering and a cut tail are all found."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from commandcenter.domain.audit import (
    GENESIS,
    SWITCH_ACTION,
    AuditKey,
    AuditRecord,
    Head,
    anchor_document,
    anchor_problems,
    canonical,
    head_signature,
    record_hash,
    verify_chain,
)


def chain(n: int) -> list[AuditRecord]:
    out: list[AuditRecord] = []
    prev = GENESIS
    t0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    for seq in range(1, n + 1):
        at = t0 + timedelta(minutes=seq)
        payload = canonical({"n": seq, "text": f"entry {seq}"})
        h = record_hash(prev, seq, at, "Alice", "timeline.note", "incident", "1", payload)
        out.append(AuditRecord(seq, at, "Alice", "timeline.note", "incident", "1", payload,
                               prev, h))
        prev = h
    return out


def test_an_intact_chain_verifies() -> None:
    records = chain(5)
    r = verify_chain(records, 5, records[-1].hash)
    assert r.ok
    assert r.records == 5
    assert r.head_hash == records[-1].hash
    assert r.problems == ()


def test_an_empty_log_verifies() -> None:
    r = verify_chain([], 0, GENESIS)
    assert r.ok
    assert r.head_hash == GENESIS


def test_an_edited_record_is_found() -> None:
    records = chain(5)
    records[2] = dataclasses.replace(records[2], payload=canonical({"n": 3, "text": "nothing"}))
    r = verify_chain(records, 5, records[-1].hash)
    assert not r.ok
    assert any("record 3" in p and "edited" in p for p in r.problems)


def test_an_edited_record_with_a_recomputed_hash_breaks_the_next_link() -> None:
    records = chain(5)
    forged = dataclasses.replace(records[2], actor="Mallory")
    forged = dataclasses.replace(forged, hash=record_hash(
        forged.prev_hash, forged.seq, forged.at, forged.actor, forged.action, forged.entity,
        forged.entity_id, forged.payload))
    records[2] = forged
    r = verify_chain(records, 5, records[-1].hash)
    assert not r.ok
    assert any("record 4" in p for p in r.problems)


def test_a_deleted_record_is_found() -> None:
    records = chain(5)
    del records[1]
    r = verify_chain(records, 5, records[-1].hash)
    assert not r.ok


def test_reordered_records_are_found() -> None:
    records = chain(5)
    records[1], records[2] = records[2], records[1]
    assert not verify_chain(records, 5, records[-1].hash).ok


def test_a_cut_tail_is_found_only_through_the_head() -> None:
    records = chain(5)
    cut = records[:-1]
    assert verify_chain(cut).ok  # the rest of the chain is self-consistent...
    r = verify_chain(cut, 5, records[-1].hash)  # ...but the head says 5 were written
    assert not r.ok
    assert any("tail" in p for p in r.problems)


# --- the keyed chain ------------------------------------------------------------

KEY = AuditKey(b"k" * 32)
OTHER_KEY = AuditKey(b"o" * 32)


def keyed_chain(n: int, *, unkeyed: int = 0, key: AuditKey = KEY,
                switch: bool = True) -> list[AuditRecord]:
    """``unkeyed`` plain records (an older database), then the switch record, then keyed."""
    out: list[AuditRecord] = []
    prev = GENESIS
    t0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    for seq in range(1, n + 1):
        at = t0 + timedelta(minutes=seq)
        action, payload = "timeline.note", canonical({"n": seq})
        is_switch = switch and unkeyed and seq == unkeyed + 1
        if is_switch:
            action, payload = SWITCH_ACTION, canonical({"key_id": key.id})
        k = key if seq > unkeyed else None
        h = record_hash(prev, seq, at, "Alice", action, "incident", "1", payload, k)
        out.append(AuditRecord(seq, at, "Alice", action, "incident", "1", payload, prev, h))
        prev = h
    return out


def head_of(records: list[AuditRecord], key: AuditKey = KEY) -> Head:
    last = records[-1]
    return Head(last.seq, last.hash, key.id, head_signature(key, last.seq, last.hash))


def test_a_keyed_chain_verifies_with_its_key_only() -> None:
    records = keyed_chain(6)
    r = verify_chain(records, key=KEY, head=head_of(records))
    assert r.ok, r.problems
    assert r.keyed_from == 1
    wrong = verify_chain(records, key=OTHER_KEY, head=head_of(records, OTHER_KEY))
    assert not wrong.ok


def test_records_recomputed_without_the_key_are_found() -> None:
    """Someone who can write the database but not read the key re-chains it with SHA-256."""
    forged = chain(6)  # the same history, hashed the old, unkeyed way
    r = verify_chain(forged, key=KEY, head=Head(6, forged[-1].hash))
    assert not r.ok
    assert any("no switch record" in p for p in r.problems)


def test_an_older_database_keeps_verifying_across_the_switch() -> None:
    records = keyed_chain(8, unkeyed=3)
    r = verify_chain(records, key=KEY, head=head_of(records))
    assert r.ok, r.problems
    assert r.keyed_from == 4


def test_rewriting_the_unkeyed_part_breaks_the_switch_record() -> None:
    records = keyed_chain(8, unkeyed=3)
    # Re-chain records 1-3 with new content; the attacker can recompute SHA-256.
    prev, rebuilt = GENESIS, []
    for r0 in records[:3]:
        payload = canonical({"n": r0.seq, "text": "nothing happened"})
        h = record_hash(prev, r0.seq, r0.at, r0.actor, r0.action, r0.entity, r0.entity_id,
                        payload)
        rebuilt.append(dataclasses.replace(r0, payload=payload, prev_hash=prev, hash=h))
        prev = h
    r = verify_chain(rebuilt + records[3:], key=KEY, head=head_of(records))
    assert not r.ok
    assert any("record 4" in p for p in r.problems)


def test_removing_or_moving_the_switch_is_found() -> None:
    records = keyed_chain(8, unkeyed=3)
    # Moved later: make record 4 look like an ordinary unkeyed record and claim record 6
    # is the switch; neither can be made to verify without the key.
    moved = list(records)
    moved[3] = dataclasses.replace(records[3], action="timeline.note")
    moved[5] = dataclasses.replace(records[5], action=SWITCH_ACTION)
    assert not verify_chain(moved, key=KEY, head=head_of(records)).ok
    # Removed: without a switch record, every record must be keyed.
    without = keyed_chain(8, unkeyed=3, switch=False)
    r = verify_chain(without, key=KEY, head=head_of(without))
    assert not r.ok
    assert any("record 1" in p and "no switch record" in p for p in r.problems)


def test_a_forged_switch_record_is_found() -> None:
    records = chain(5)
    forged = dataclasses.replace(records[2], action=SWITCH_ACTION)
    records[2] = dataclasses.replace(forged, hash=record_hash(
        forged.prev_hash, 3, forged.at, forged.actor, SWITCH_ACTION, forged.entity,
        forged.entity_id, forged.payload))
    r = verify_chain(records, key=KEY, head=Head(5, records[-1].hash))
    assert not r.ok
    assert any("forged switch" in p for p in r.problems)


def test_a_head_set_by_hand_to_a_cut_tail_is_found() -> None:
    records = keyed_chain(6)
    cut = records[:-2]
    # The attacker copies record 4's hash into the head; its signature needs the key.
    r = verify_chain(cut, key=KEY, head=Head(4, cut[-1].hash, KEY.id, "0" * 64))
    assert not r.ok
    assert any("signature" in p for p in r.problems)


def test_a_missing_head_is_a_finding() -> None:
    records = keyed_chain(3)
    r = verify_chain(records, key=KEY, head=None, head_required=True)
    assert not r.ok
    assert any("head record is missing" in p for p in r.problems)


def test_an_anchor_is_signed_and_names_its_key() -> None:
    doc = anchor_document(KEY, 5, "ab" * 32, datetime(2026, 3, 2, tzinfo=UTC), "sqlite:///x")
    assert anchor_problems(KEY, doc) == []
    assert anchor_problems(OTHER_KEY, doc)[0].startswith("anchor: signed with audit key")
    edited = {**doc, "seq": 4}
    assert "edited" in anchor_problems(KEY, edited)[0]
    assert anchor_problems(KEY, {"seq": 5})[0].startswith("anchor: not an audit anchor")
