"""The hash-chained audit log: each record's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def record_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
    entity_id: str, payload: str,
) -> str:
    material = canonical([prev_hash, seq, at.isoformat(), actor, action, entity, entity_id,
                          payload])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    head_hash: str
    problems: tuple[str, ...]


def verify_chain(
    records: Iterable[AuditRecord], head_seq: int | None = None, head_hash: str | None = None
) -> VerifyResult:
    """Find edited, deleted or reordered records; ``head_*`` catch a cut-off tail."""
    problems: list[str] = []
    prev = GENESIS
    expected_seq = 1
    count = 0
    last_hash = GENESIS
    for r in records:
        count += 1
        if r.seq != expected_seq:
            problems.append(
                f"record {r.seq}: expected record {expected_seq} (deleted or reordered)")
        if r.prev_hash != prev:
            problems.append(f"record {r.seq}: does not follow the record before it")
        computed = record_hash(r.prev_hash, r.seq, r.at, r.actor, r.action, r.entity,
                               r.entity_id, r.payload)
        if computed != r.hash:
            problems.append(f"record {r.seq}: content does not match its hash (edited)")
        prev = r.hash
        last_hash = r.hash
        expected_seq = r.seq + 1
    if head_seq is not None and head_seq != count:
        problems.append(f"log ends at record {count} but {head_seq} were written (tail removed)")
    if head_hash is not None and head_hash != last_hash:
        problems.append("the last record is not the recorded head")
    return VerifyResult(not problems, count, last_hash, tuple(problems))
