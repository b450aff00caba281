"""The hash chain itself: edits, deletions, reordering and a cut tail are all found."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from commandcenter.domain.audit import GENESIS, AuditRecord, canonical, record_hash, verify_chain


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
