"""The hash-chained audit log: each record's hash covers its content and the previous hash.

Records are keyed: the hash is an HMAC-SHA256 under the audit key, which
lives outside the database (a file on each workstation), so someone who can
write the database but not read the key cannot recompute the chain.

Databases made before the key existed hold unkeyed (plain SHA-256) records.
They still verify: the first record written with the key is a *switch
record* (action ``audit.keyed``), keyed itself and chained to the last
unkeyed one, so the unkeyed prefix cannot be rewritten, and the switch point
cannot be moved or removed, without the key. A log with no switch record
must be keyed from record 1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
SWITCH_ACTION = "audit.keyed"
HEAD_LABEL = "commandcenter.audit.head"


# One encoder, made once: json.dumps builds a new one per call with these options.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


def canonical(payload: Any) -> str:
    return _CANONICAL.encode(payload)


@dataclass(frozen=True, slots=True)
class AuditKey:
    """The HMAC key of the chain; ``id`` names it without revealing it."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError("an audit key needs at least 32 bytes")

    @property
    def id(self) -> str:
        return hashlib.sha256(b"commandcenter audit key id\0" + self.secret).hexdigest()[:16]

    def mac(self, material: str) -> str:
        return hmac.digest(self.secret, material.encode("utf-8"), "sha256").hex()


def _material(prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
              entity_id: str, payload: str) -> str:
    return canonical([prev_hash, seq, at.isoformat(), actor, action, entity, entity_id,
                      payload])


def record_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, entity: str,
    entity_id: str, payload: str, key: AuditKey | None = None,
) -> str:
    """HMAC-SHA256 under ``key``; plain SHA-256 (the records of older databases) without."""
    material = _material(prev_hash, seq, at, actor, action, entity, entity_id, payload)
    if key is not None:
        return key.mac(material)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


CHECKPOINT_LABEL = "commandcenter.audit.verified"


def checkpoint_signature(key: AuditKey, seq: int, record_hash_: str) -> str:
    """The MAC of "the whole log up to record ``seq`` verified": only the key can set it."""
    return key.mac(canonical([CHECKPOINT_LABEL, seq, record_hash_]))


def verify_tail(records: Iterable[AuditRecord], *, after_seq: int, after_hash: str,
                key: AuditKey, head: Head | None) -> VerifyResult:
    """Verify only the records after a verified checkpoint: each keyed, in sequence,
    chained to the one before, ending at a correctly signed head. Everything up to the
    checkpoint was proven by a whole-log verification (``verify_chain``)."""
    problems: list[str] = []
    prev, expected, last, count = after_hash, after_seq + 1, after_hash, after_seq
    for r in records:
        count = r.seq
        if r.seq != expected:
            problems.append(f"record {r.seq}: expected record {expected} (deleted or reordered)")
        if r.prev_hash != prev:
            problems.append(f"record {r.seq}: does not follow the record before it")
        args = (r.prev_hash, r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.payload)
        if r.action == SWITCH_ACTION or not hmac.compare_digest(
                record_hash(*args, key=key), r.hash):
            problems.append(f"record {r.seq}: content does not match its keyed hash "
                            "(edited, or written with another audit key)")
        prev = last = r.hash
        expected = r.seq + 1
    if head is None:
        problems.append("the head record is missing: a cut-off tail could not be seen")
    else:
        if head.seq != count:
            problems.append(f"log ends at record {count} but {head.seq} were written "
                            "(tail removed)")
        if head.hash != last:
            problems.append("the last record is not the recorded head")
        if head.key_id is not None and head.key_id != key.id:
            problems.append(f"the log is keyed with audit key {head.key_id}, not with this "
                            f"workstation's key {key.id}")
        elif head.signature is None or not hmac.compare_digest(
                head.signature, head_signature(key, head.seq, head.hash)):
            problems.append("the head record's signature does not match (the head was set "
                            "by hand)")
    return VerifyResult(not problems, count, last, tuple(problems), None)


def head_signature(key: AuditKey, seq: int, head_hash: str) -> str:
    """The head's own MAC: a head row cannot be set to a cut-off tail without the key."""
    return key.mac(canonical([HEAD_LABEL, seq, head_hash]))


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
class Head:
    """What the database says the last record is."""

    seq: int
    hash: str
    key_id: str | None = None
    signature: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    head_hash: str
    problems: tuple[str, ...]
    keyed_from: int | None = None  # the switch record, or 1; None: no keyed record


# How each record verified: 0 neither (edited), 1 plain SHA-256, 2 keyed, 3 both (never).
_BAD, _PLAIN, _KEYED = 0, 1, 2


def verify_chain(
    records: Iterable[AuditRecord], head_seq: int | None = None, head_hash: str | None = None,
    *, key: AuditKey | None = None, head: Head | None = None, head_required: bool = False,
) -> VerifyResult:
    """Find edited, deleted, reordered, unkeyed or cut-off records.

    Without ``key`` every record must be plain SHA-256 (an older database).
    ``head`` (or ``head_seq``/``head_hash``) catch a cut-off tail; with
    ``head_required`` a missing head is itself a finding.
    """
    if head is not None:
        head_seq, head_hash = head.seq, head.hash
    problems: list[str] = []
    prev, expected_seq, count, last_hash = GENESIS, 1, 0, GENESIS
    kinds = bytearray()
    switches: list[int] = []  # indexes of records that claim to be the switch
    seqs: list[int] = []
    for r in records:
        count += 1
        if r.seq != expected_seq:
            problems.append(
                f"record {r.seq}: expected record {expected_seq} (deleted or reordered)")
        if r.prev_hash != prev:
            problems.append(f"record {r.seq}: does not follow the record before it")
        args = (r.prev_hash, r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.payload)
        if key is not None and hmac.compare_digest(record_hash(*args, key=key), r.hash):
            kind = _KEYED
        else:
            kind = _PLAIN if record_hash(*args) == r.hash else _BAD
        kinds.append(kind)
        seqs.append(r.seq)
        if r.action == SWITCH_ACTION:
            switches.append(count - 1)
        prev = last_hash = r.hash
        expected_seq = r.seq + 1
    keyed_from = _check_kinds(kinds, seqs, switches, key, problems)
    if head_seq is None and head_required:
        problems.append("the head record is missing: a cut-off tail could not be seen")
    if head_seq is not None and head_seq != count:
        problems.append(f"log ends at record {count} but {head_seq} were written (tail removed)")
    if head_hash is not None and head_hash != last_hash:
        problems.append("the last record is not the recorded head")
    if key is not None and head is not None and keyed_from is not None:
        if head.key_id is not None and head.key_id != key.id:
            problems.append(f"the log is keyed with audit key {head.key_id}, not with this "
                            f"workstation's key {key.id}")
        elif head.signature is None or not hmac.compare_digest(
                head.signature, head_signature(key, head.seq, head.hash)):
            problems.append("the head record's signature does not match (the head was set "
                            "by hand)")
    return VerifyResult(not problems, count, last_hash, tuple(problems), keyed_from)


def _check_kinds(kinds: bytearray, seqs: list[int], switches: list[int],
                 key: AuditKey | None, problems: list[str]) -> int | None:
    """Apply the switch rule; returns the seq from which records are keyed."""
    if key is None:
        for i, kind in enumerate(kinds):
            if kind != _PLAIN:
                problems.append(f"record {seqs[i]}: content does not match its hash (edited)")
        return None
    valid = [i for i in switches if kinds[i] == _KEYED]
    for i in switches:
        if kinds[i] != _KEYED:
            problems.append(f"record {seqs[i]}: claims to switch the log to keyed records "
                            "but is not keyed (forged switch record)")
    for i in valid[1:]:
        problems.append(f"record {seqs[i]}: a second switch to keyed records (only one "
                        "is ever written)")
    if not kinds:
        return None
    switch = valid[0] if valid else 0
    for i, kind in enumerate(kinds):
        if i < switch and kind != _PLAIN:
            what = "is keyed but comes before the switch record" if kind == _KEYED \
                else "content does not match its hash (edited)"
            problems.append(f"record {seqs[i]}: {what}")
        elif i >= switch and kind != _KEYED:
            if kind == _PLAIN and not valid:
                problems.append(f"record {seqs[i]}: not keyed, and the log has no switch "
                                "record (the switch to keyed records was removed or moved)")
            elif kind == _PLAIN:
                problems.append(f"record {seqs[i]}: not keyed, after the switch to keyed "
                                "records (rewritten without the audit key)")
            else:
                problems.append(f"record {seqs[i]}: content does not match its keyed hash "
                                "(edited, or written with another audit key)")
    return seqs[switch]


# --- anchors: the signed head, kept outside the database -------------------------

ANCHOR_FORMAT = "commandcenter-audit-anchor"
ANCHOR_VERSION = 1


def anchor_document(key: AuditKey, seq: int, head_hash: str, written_at: datetime,
                    database: str) -> dict[str, Any]:
    body = {"format": ANCHOR_FORMAT, "version": ANCHOR_VERSION, "seq": seq,
            "head_hash": head_hash, "written_at": written_at.isoformat(),
            "database": database, "key_id": key.id}
    return {**body, "signature": key.mac(canonical(body))}


def anchor_problems(key: AuditKey, doc: Any) -> list[str]:
    """What is wrong with an anchor file's content itself (before comparing it to a log)."""
    if not isinstance(doc, dict) or doc.get("format") != ANCHOR_FORMAT:
        return [f"anchor: not an audit anchor (no \"format\": \"{ANCHOR_FORMAT}\")"]
    if doc.get("version") != ANCHOR_VERSION:
        return [f"anchor: version {doc.get('version')!r} is not {ANCHOR_VERSION}"]
    missing = [k for k in ("seq", "head_hash", "written_at", "database", "key_id",
                           "signature") if k not in doc]
    if missing:
        return [f"anchor: missing {', '.join(missing)}"]
    if not isinstance(doc["seq"], int) or isinstance(doc["seq"], bool) or doc["seq"] < 0:
        return ["anchor: seq must be a whole number"]
    if doc["key_id"] != key.id:
        return [f"anchor: signed with audit key {doc['key_id']}, not this workstation's "
                f"key {key.id}"]
    body = {k: v for k, v in doc.items() if k != "signature"}
    if not isinstance(doc["signature"], str) or not hmac.compare_digest(
            doc["signature"], key.mac(canonical(body))):
        return ["anchor: its signature does not match (the file was edited)"]
    return []
