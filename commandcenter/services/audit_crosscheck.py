"""The live tables against the audit log: a row the log does not vouch for is a finding.

The log is replayed (only the records that describe the tables checked here)
into what each message, approval, publication, chain, operator, signing key,
availability window, delegation and incident's drill flag must be now, and
that is compared with the rows. Rewriting a message body together with its
hashes, slipping in an approval, a key, a delegation or a window, or flipping
a drill flag is found even though the chain itself is intact.

Rows from before the log was keyed (``rows_before`` in the switch record) are
checked only as far as older versions logged them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from commandcenter.domain.audit import SWITCH_ACTION
from commandcenter.domain.messages import Channel, content_hash
from commandcenter.persistence.models import (
    ApprovalRow,
    AuditRow,
    AvailabilityRow,
    ChainMemberRow,
    ChainRow,
    ContactRow,
    DelegationRow,
    IncidentRow,
    MessageRevisionRow,
    MessageRow,
    OperatorRow,
    PublicationRow,
)
from commandcenter.persistence.signing_models import OperatorKeyRow
from commandcenter.persistence.uow import UnitOfWork

STATES = {"timeline.message_drafted": "draft", "timeline.message_edited": "draft",
          "timeline.message_submitted": "in_review", "timeline.message_approved": "approved",
          "timeline.message_rejected": "rejected", "timeline.message_withdrawn": "withdrawn",
          "timeline.message_published": "published"}
OPERATOR_ACTIONS = ("operator.add", "operator.set", "operator.role", "operator.reset",
                    "operator.passphrase")
KEY_ACTIONS = ("key.register", "key.revoke")
OTHER = ("approval.sign", "publication.record", "chain.set", "chain.delegate",
         "availability.set", "availability.import", "availability.remove", "incident.open",
         SWITCH_ACTION)
ACTIONS = (*STATES, *OPERATOR_ACTIONS, *KEY_ACTIONS, *OTHER)


@dataclass
class Expected:
    """What the log says the tables hold."""

    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    approved: dict[tuple[int, int, str], int] = field(default_factory=lambda: defaultdict(int))
    signed: dict[int, dict[str, Any]] = field(default_factory=dict)
    voided_after: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    published: dict[int, dict[str, Any]] = field(default_factory=dict)
    publications: dict[int, dict[str, Any]] = field(default_factory=dict)
    chains: dict[str, dict[str, Any]] = field(default_factory=dict)
    operators: dict[int, dict[str, Any]] = field(default_factory=dict)
    keys: dict[int, dict[str, Any]] = field(default_factory=dict)
    windows: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    removed_windows: set[int] = field(default_factory=set)
    delegations: dict[int, dict[str, Any]] = field(default_factory=dict)
    drill: dict[int, bool] = field(default_factory=dict)
    rows_before: dict[str, int] = field(default_factory=dict)

    def legacy(self, table: str, row_id: int) -> bool:
        return row_id <= self.rows_before.get(table, 0)


def _replay(uow: UnitOfWork) -> Expected:
    e = Expected()
    stmt = select(AuditRow.seq, AuditRow.action, AuditRow.entity_id, AuditRow.payload).where(
        AuditRow.action.in_(ACTIONS)).order_by(AuditRow.seq).execution_options(yield_per=2000)
    for seq, action, entity_id, payload in uow.session.execute(stmt):
        try:
            p = json.loads(payload)
            _apply(e, seq, action, entity_id, p)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # an edited record, missing its fields: the chain check reports it
    return e


def _apply(e: Expected, seq: int, action: str, entity_id: str, p: dict[str, Any]) -> None:
    data = p.get("data") or {}
    if action in STATES and "message" in data:
        mid = int(data["message"])
        m = e.messages.setdefault(mid, {"hashes": {}, "incident": int(entity_id)})
        m["state"] = STATES[action]
        if action == "timeline.message_drafted":
            m["revision"], m["hash"] = 1, data.get("hash")
            m["hashes"][1] = data.get("hash")
        elif action == "timeline.message_edited":
            m["revision"], m["hash"] = int(data["revision"]), data.get("hash")
            m["hashes"][int(data["revision"])] = data.get("hash")
        if action in ("timeline.message_edited", "timeline.message_withdrawn"):
            e.voided_after[mid].append(seq)
        if action == "timeline.message_approved":
            e.approved[(mid, int(data["revision"]), data.get("hash"))] += 1
        if action == "timeline.message_published":
            e.published[mid] = {"hash": data.get("hash"), "destination": data.get("destination")}
    elif action == "approval.sign":
        e.signed[int(p["approval"])] = {**p, "message": int(entity_id), "seq": seq}
    elif action == "publication.record":
        e.publications[int(p["publication"])] = {**p, "message": int(entity_id)}
    elif action == "chain.set":
        e.chains[p["chain"]] = {"members": p.get("members"), "version": p.get("version")}
    elif action in OPERATOR_ACTIONS:
        o = e.operators.setdefault(int(entity_id), {})
        if "role" in p:
            o["role"] = p["role"]
        if "name" in p:
            o["name"] = p["name"]
        if "passphrase" in p:
            o["passphrase"] = p["passphrase"]
        if action == "operator.reset":
            o["must_set"] = True
        elif action == "operator.passphrase":
            o["must_set"] = False
    elif action == "key.register":
        e.keys[int(p["key"])] = {"operator": int(entity_id), "public_key": p["public_key"],
                                 "revoked": False}
    elif action == "key.revoke" and int(p["key"]) in e.keys:
        e.keys[int(p["key"])]["revoked"] = True
    elif action == "availability.set" and "window" in p:
        e.windows[int(p["window"])] = p
    elif action == "availability.import":
        for w in p.get("windows", []):
            e.windows[int(w)] = None  # imported: its fields are in the .ics, not the log
    elif action == "availability.remove":
        e.removed_windows.add(int(p["window"]))
    elif action == "chain.delegate" and "delegation" in p:
        e.delegations[int(p["delegation"])] = p
    elif action == "incident.open":
        e.drill[int(entity_id)] = bool(p.get("drill"))
    elif action == SWITCH_ACTION:
        e.rows_before = {k: int(v) for k, v in (p.get("rows_before") or {}).items()}


def cross_check(uow: UnitOfWork) -> list[str]:
    """Every disagreement between the tables and the log, one line each."""
    e = _replay(uow)
    problems: list[str] = []
    for check in (_messages, _approvals, _publications, _chains, _operators, _keys,
                  _availability, _delegations, _incidents):
        problems.extend(check(uow, e))
    return problems


def _messages(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    s = uow.session
    seen = set()
    for m in s.execute(select(MessageRow)).scalars():
        seen.add(m.id)
        want = e.messages.get(m.id)
        if want is None or "hash" not in want:
            out.append(f"message {m.id}: not in the audit log (added behind the app's back)")
            continue
        if content_hash(Channel(m.channel), m.title, m.body) != m.content_hash:
            out.append(f"message {m.id}: its text does not match its own hash")
        if m.revision != want["revision"] or m.content_hash != want["hash"]:
            out.append(f"message {m.id}: revision {m.revision} with hash "
                       f"{m.content_hash[:12]}, but the log has revision {want['revision']} "
                       f"with hash {str(want['hash'])[:12]} (rewritten)")
        if m.state != want.get("state"):
            out.append(f"message {m.id}: state {m.state}, but the log says {want.get('state')}")
    for r in s.execute(select(MessageRevisionRow)).scalars():
        m = s.get(MessageRow, r.message_id)
        want = e.messages.get(r.message_id, {}).get("hashes", {}).get(r.revision)
        if m is not None and (want is None or r.content_hash != want or content_hash(
                Channel(m.channel), r.title, r.body) != want):
            out.append(f"message {r.message_id} revision {r.revision}: text or hash differs "
                       "from the log (rewritten)")
    out.extend(f"message {mid}: in the audit log but not in the database (deleted)"
               for mid in e.messages.keys() - seen)
    return out


def _approvals(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    counts: dict[tuple[int, int, str], int] = defaultdict(int)
    seen = set()
    for a in uow.session.execute(select(ApprovalRow).order_by(ApprovalRow.id)).scalars():
        seen.add(a.id)
        k = (a.message_id, a.revision, a.content_hash)
        counts[k] += 1
        if counts[k] > e.approved.get(k, 0):
            out.append(f"approval {a.id}: of message {a.message_id} revision {a.revision}, "
                       "not in the audit log (added behind the app's back)")
        if a.signature is None and not e.legacy("approvals", a.id):
            out.append(f"approval {a.id}: not signed")
        if a.signature is None:
            continue
        want = e.signed.get(a.id)
        if want is None or (want["message"], want["revision"], want["hash"], want["key"],
                            want["signature"]) != (a.message_id, a.revision, a.content_hash,
                                                   a.key_id, a.signature):
            out.append(f"approval {a.id}: its signature or key differs from the log")
            continue
        voided = any(seq > want["seq"] for seq in e.voided_after.get(a.message_id, []))
        if voided != (a.voided_at is not None):
            out.append(f"approval {a.id}: {'not ' if voided else ''}void in the database, "
                       f"but {'' if voided else 'not '}void by the log")
    out.extend(f"approval {aid}: in the audit log but not in the database (deleted)"
               for aid in e.signed.keys() - seen)
    return out


def _publications(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    seen = set()
    for p in uow.session.execute(select(PublicationRow)).scalars():
        seen.add(p.id)
        want = e.published.get(p.message_id)
        if want is None or (want["hash"], want["destination"]) != (p.content_hash,
                                                                  p.destination):
            out.append(f"publication {p.id}: of message {p.message_id} to {p.destination}, "
                       "does not match the log")
            continue
        record = e.publications.get(p.id)
        if record is None and not e.legacy("publications", p.id):
            out.append(f"publication {p.id}: not in the audit log")
        elif record is not None and record["approval"] != p.approval_id:
            out.append(f"publication {p.id}: points at approval {p.approval_id}, the log "
                       f"at approval {record['approval']}")
    out.extend(f"publication {pid}: in the audit log but not in the database (deleted)"
               for pid in e.publications.keys() - seen)
    return out


def _chains(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    s = uow.session
    for chain in s.execute(select(ChainRow)).scalars():
        names = list(s.execute(
            select(ContactRow.name).join(ChainMemberRow, ChainMemberRow.contact_id == ContactRow.id)
            .where(ChainMemberRow.chain_id == chain.id).order_by(ChainMemberRow.position))
            .scalars())
        want = e.chains.get(chain.name)
        if want is None:
            out.append(f"chain {chain.name}: not in the audit log")
        elif want["members"] != names:
            out.append(f"chain {chain.name}: members {' > '.join(names)}, but the log says "
                       f"{' > '.join(want['members'] or [])}")
        elif want["version"] is not None and want["version"] != chain.version:
            out.append(f"chain {chain.name}: version {chain.version}, the log says "
                       f"{want['version']}")
    return out


def _operators(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    seen = set()
    for op in uow.session.execute(select(OperatorRow)).scalars():
        seen.add(op.id)
        want = e.operators.get(op.id)
        if want is None or "role" not in want:
            out.append(f"operator {op.id}: not in the audit log (added behind the app's back)")
            continue
        name = want.get("name", op.id)
        if want["role"] != op.role:
            out.append(f"operator {name}: role {op.role}, the log says {want['role']}")
        fingerprint = hashlib.sha256(op.passphrase_hash.encode("utf-8")).hexdigest()
        if "passphrase" in want and want["passphrase"] != fingerprint:
            out.append(f"operator {name}: the stored passphrase is not the one the log "
                       "recorded (replaced)")
        if "must_set" in want and want["must_set"] != bool(op.must_set_passphrase):
            out.append(f"operator {name}: 'must set own passphrase' differs from the log")
    out.extend(f"operator {oid}: in the audit log but not in the database (deleted)"
               for oid in e.operators.keys() - seen)
    return out


def _keys(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    seen = set()
    for k in uow.session.execute(select(OperatorKeyRow)).scalars():
        seen.add(k.id)
        want = e.keys.get(k.id)
        if want is None or (want["operator"], want["public_key"]) != (k.operator_id,
                                                                     k.public_key):
            out.append(f"signing key {k.id}: not the key registered in the audit log")
        elif want["revoked"] and k.revoked_at is None:
            out.append(f"signing key {k.id}: revoked in the log, not in the database")
    out.extend(f"signing key {kid}: registered in the audit log but not in the database"
               for kid in e.keys.keys() - seen)
    return out


def _availability(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    for w in uow.session.execute(select(AvailabilityRow)).scalars():
        if w.id not in e.windows:
            if not e.legacy("availability_windows", w.id):
                out.append(f"availability window {w.id}: not in the audit log")
            continue
        if w.id in e.removed_windows:
            out.append(f"availability window {w.id}: removed in the log, still in the database")
        want = e.windows[w.id]
        if want is not None and (want["status"], want["from"], want["until"],
                                 want["reachable"]) != (w.status, w.starts_at.isoformat(),
                                                        w.ends_at.isoformat(), w.reachable):
            out.append(f"availability window {w.id}: differs from the log")
    return out


def _delegations(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    s = uow.session
    for d in s.execute(select(DelegationRow)).scalars():
        want = e.delegations.get(d.id)
        if want is None:
            if not e.legacy("delegations", d.id):
                out.append(f"delegation {d.id}: not in the audit log")
            continue
        delegate = s.get(ContactRow, d.delegate_id)
        if (want["delegate"], want["from"], want["until"]) != (
                delegate.name if delegate else None, d.starts_at.isoformat(),
                d.expires_at.isoformat()):
            out.append(f"delegation {d.id}: differs from the log")
    return out


def _incidents(uow: UnitOfWork, e: Expected) -> list[str]:
    out = []
    for inc in uow.session.execute(select(IncidentRow)).scalars():
        if inc.id in e.drill and e.drill[inc.id] != inc.drill:
            out.append(f"incident {inc.id}: {'a drill' if inc.drill else 'live'} in the "
                       f"database, {'a drill' if e.drill[inc.id] else 'live'} in the log")
    return out
