"""Delivering committed publications to the outbox, trusting nothing in the row.

Each pending publication is claimed with a lock (``FOR UPDATE SKIP LOCKED``
on PostgreSQL; on SQLite every unit of work holds the write lock), checked,
written and marked delivered in one transaction, so two workstations
starting together never both deliver it. Before writing, delivery rebuilds
everything it needs: the destination from the incident's drill flag, the
file name from the checked publication, the body from the *approved*
revision (whatever the message row holds now), and it checks the approval's
signature against the approver's registered key, the text's hash, and the
incident's drill flag against the (keyed) audit record it was opened with; after
writing, it reads the file back and checks its hash again.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from commandcenter.domain.audit import SWITCH_ACTION, AuditKey, record_hash
from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.messages import EXERCISE_PREFIX, Channel, content_hash
from commandcenter.domain.signing import publication_file_name
from commandcenter.persistence.models import (
    ApprovalRow,
    AuditRow,
    ContactRow,
    IncidentRow,
    MessageRevisionRow,
    MessageRow,
    PublicationRow,
)
from commandcenter.persistence.outbox import DRILL, LIVE, Outbox
from commandcenter.persistence.signing_models import OperatorKeyRow
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext
from .signing import approval_problem

Deliver = Callable[[str, str, dict], Path]
log = logging.getLogger(__name__)


class Delivery:
    def __init__(self, ctx: ServiceContext, outbox: Outbox, deliver: Deliver | None = None
                 ) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self._deliver: Deliver = deliver or outbox.deliver
        # Publications this process refused to deliver, and why; they stay pending.
        self.refused: dict[int, str] = {}

    def deliver_pending(self) -> int:
        delivered = 0
        skip: set[int] = set()
        while True:
            with self.ctx.uow() as uow:
                stmt = select(PublicationRow).where(PublicationRow.delivered_at.is_(None))
                if skip:
                    stmt = stmt.where(PublicationRow.id.not_in(skip))
                pub = uow.session.execute(
                    stmt.order_by(PublicationRow.id).limit(1)
                    .with_for_update(skip_locked=True)).scalar_one_or_none()
                if pub is None:
                    return delivered
                skip.add(pub.id)
                try:
                    destination, name, document = self._document(uow, pub)
                except PolicyRefused as exc:
                    self.refused[pub.id] = str(exc)
                    log.error("publication %s not delivered: %s", pub.id, exc)
                    continue
                self._deliver(destination, name, document)
                problem = self._check_written(destination, name, document["content_hash"])
                if problem is not None:
                    self.refused[pub.id] = problem
                    log.error("publication %s not delivered: %s", pub.id, problem)
                    continue
                pub.delivered_at = self.ctx.clock.now()
                uow.commit()
                self.refused.pop(pub.id, None)
                delivered += 1

    def _document(self, uow: UnitOfWork, pub: PublicationRow
                  ) -> tuple[str, str, dict[str, Any]]:
        s = uow.session
        m = s.get(MessageRow, pub.message_id)
        approval = s.get(ApprovalRow, pub.approval_id)
        if m is None or approval is None or approval.message_id != m.id:
            raise PolicyRefused(f"delivery: publication {pub.id} does not point at an "
                                "approval of its message")
        inc = s.get(IncidentRow, m.incident_id)
        assert inc is not None
        revision = s.execute(select(MessageRevisionRow).where(
            MessageRevisionRow.message_id == m.id,
            MessageRevisionRow.revision == approval.revision)).scalar_one_or_none()
        if revision is None:
            raise PolicyRefused(f"delivery: the approved revision {approval.revision} of "
                                f"message {m.id} is missing")
        channel = Channel(m.channel)
        digest = content_hash(channel, revision.title, revision.body)
        if not digest == approval.content_hash == pub.content_hash:
            raise PolicyRefused(f"delivery: message {m.id}'s approved text does not match "
                                "the hash that was approved and published")
        if self._logged_drill(uow, inc.id) is not inc.drill:
            raise PolicyRefused(f"delivery: incident {inc.id}'s drill flag is not the one it "
                                "was opened with (audit log)")
        destination = DRILL if inc.drill else LIVE
        if pub.destination != destination:
            raise PolicyRefused(f"delivery: publication {pub.id} is recorded for the "
                                f"{pub.destination} outbox but its incident is "
                                f"{'a drill' if inc.drill else 'live'}")
        if inc.drill and not revision.body.lstrip().upper().startswith(EXERCISE_PREFIX):
            raise PolicyRefused(f"delivery: drill message {m.id} does not start with "
                                "EXERCISE")
        problem = approval_problem(uow, approval, m, pub.published_at)
        if problem is not None:
            raise PolicyRefused(f"delivery: {problem}")
        key = s.get(OperatorKeyRow, approval.key_id)
        approver = s.get(ContactRow, approval.approver_id)
        publisher = s.get(ContactRow, pub.published_by_id)
        document = {
            "message_id": m.id, "incident_id": inc.id, "drill": inc.drill,
            "channel": channel.value, "title": revision.title, "body": revision.body,
            "content_hash": digest, "revision": approval.revision,
            "approved_by": approver.name if approver else "?",
            "approved_at": approval.approved_at.isoformat(),
            "published_by": publisher.name if publisher else "?",
            "published_at": pub.published_at.isoformat(),
            "approval": {"statement": approval.statement, "signature": approval.signature,
                         "public_key": key.public_key if key else None},
        }
        return destination, publication_file_name(pub.published_at, m.id, digest), document

    def _logged_drill(self, uow: UnitOfWork, incident_id: int) -> bool | None:
        """The drill flag the incident was opened with, from its (keyed) audit record."""
        r = uow.session.execute(select(AuditRow).where(
            AuditRow.action == "incident.open", AuditRow.entity_id == str(incident_id))
            .order_by(AuditRow.seq).limit(1)).scalar_one_or_none()
        if r is None or not self._genuine(uow, r):
            return None
        try:
            return bool(json.loads(r.payload)["drill"])
        except (ValueError, KeyError, TypeError):
            return None

    def _genuine(self, uow: UnitOfWork, r: AuditRow) -> bool:
        """Keyed and intact; or unkeyed, intact and before a genuine switch record."""
        key = self.ctx.audit_key

        def intact(row: AuditRow, k: AuditKey | None) -> bool:
            return hmac.compare_digest(record_hash(
                row.prev_hash, row.seq, row.at, row.actor, row.action, row.entity,
                row.entity_id, row.payload, k), row.hash)

        if key is None or intact(r, key):
            return key is not None or intact(r, None)
        if not intact(r, None):
            return False
        switch = uow.session.execute(select(AuditRow).where(
            AuditRow.action == SWITCH_ACTION, AuditRow.seq > r.seq)
            .order_by(AuditRow.seq).limit(1)).scalar_one_or_none()
        return switch is not None and intact(switch, key)

    def _check_written(self, destination: str, name: str, digest: str) -> str | None:
        path = self.outbox.path_for(destination, name)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            written = content_hash(Channel(doc["channel"]), doc["title"], doc["body"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return f"delivery: {path.name} could not be read back ({exc})"
        if written != digest:
            return f"delivery: {path.name} in the outbox does not hold the approved text"
        return None
