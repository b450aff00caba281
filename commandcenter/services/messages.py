"""Use cases for public messages: draft, edit, submit, approve, reject, publish.

The approval rule is enforced here, inside each transaction, so every path
(GUI, CLI, a script, a second workstation) goes through the same checks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update

from commandcenter.domain.approval import ApprovalRecord, check_can_approve, check_can_publish
from commandcenter.domain.chains import COMMUNICATIONS
from commandcenter.domain.clock import format_utc
from commandcenter.domain.errors import (
    CommandCenterError,
    ConflictError,
    InvalidInput,
    NotFound,
    PolicyRefused,
)
from commandcenter.domain.limits import check_text
from commandcenter.domain.messages import (
    WITHDRAWABLE,
    Channel,
    MessageState,
    MessageView,
    Purpose,
    check_body,
    check_edit_allowed,
    content_hash,
    exercise_body,
)
from commandcenter.domain.operators import Action, require
from commandcenter.domain.signing import publication_file_name
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.models import (
    ApprovalRow,
    ContactRow,
    IncidentRow,
    MessageRevisionRow,
    MessageRow,
    PublicationRow,
)
from commandcenter.persistence.outbox import DRILL, LIVE, Outbox
from commandcenter.persistence.uow import UnitOfWork

from . import publish_hooks
from .audit import refuse_if_audit_broken
from .context import ServiceContext, acting, authenticate, must_set_passphrase
from .delivery import Deliver, Delivery
from .incidents import load_incident
from .ownership import ChainSnapshot, describe_evidence, ownership_evidence
from .signing import approval_problem, sign_approval
from .timeline import append, record_ownership_changes

log = logging.getLogger(__name__)


class MessageService:
    def __init__(self, ctx: ServiceContext, deliver: Deliver | None = None, *,
                 after_submit: Callable[[int], object] | None = None) -> None:
        self.ctx = ctx
        # Pages the approver (services/paging.py); a failure there never undoes the
        # submission: the next paging tick opens the missing request.
        self.after_submit = after_submit
        self.outbox = Outbox(ctx.outbox_dir)
        # Tests swap ``deliver`` to simulate a crash between commit and file.
        self.delivery = Delivery(ctx, self.outbox, deliver)

    # --- reading -----------------------------------------------------------
    def _view(self, uow: UnitOfWork, m: MessageRow, drill: bool) -> MessageView:
        s = uow.session
        author = s.get(ContactRow, m.author_id)
        approval = self._valid_approval(uow, m)
        approver = s.get(ContactRow, approval.approver_id) if approval else None
        pub = s.execute(select(PublicationRow).where(PublicationRow.message_id == m.id))\
            .scalar_one_or_none()
        path = None
        if pub is not None:
            path = str(self.outbox.path_for(pub.destination, publication_file_name(
                pub.published_at, m.id, pub.content_hash)))
        return MessageView(
            m.id, m.incident_id, Channel(m.channel), m.title, m.body, Purpose(m.purpose),
            MessageState(m.state), m.revision, author.name if author else "?", m.content_hash,
            m.created_at, m.updated_at, drill, m.version,
            approved_by=approver.name if approver else None,
            approved_at=approval.approved_at if approval else None,
            rejected_reason=m.rejected_reason,
            published_at=pub.published_at if pub else None, publication_path=path,
        )

    @staticmethod
    def _valid_approval(uow: UnitOfWork, m: MessageRow) -> ApprovalRow | None:
        return uow.session.execute(
            select(ApprovalRow).where(ApprovalRow.message_id == m.id,
                                      ApprovalRow.revision == m.revision,
                                      ApprovalRow.voided_at.is_(None))
            .order_by(ApprovalRow.id.desc())
        ).scalars().first()

    def get(self, message_id: int) -> MessageView:
        with self.ctx.uow() as uow:
            m = self._load(uow, message_id)
            return self._view(uow, m, load_incident(uow, m.incident_id).drill)

    def list(self, incident_id: int) -> list[MessageView]:
        with self.ctx.uow() as uow:
            inc = load_incident(uow, incident_id)
            rows = uow.session.execute(select(MessageRow).where(
                MessageRow.incident_id == incident_id).order_by(MessageRow.id)).scalars()
            return [self._view(uow, m, inc.drill) for m in rows]

    def review_queue(self) -> list[MessageView]:
        """Everything waiting on somebody: in review, or approved and not yet published;
        oldest change first, ties by id (not by the plan)."""
        waiting = [MessageState.IN_REVIEW.value, MessageState.APPROVED.value]
        with self.ctx.uow() as uow:
            rows = uow.session.execute(
                select(MessageRow, IncidentRow.drill)
                .join(IncidentRow, IncidentRow.id == MessageRow.incident_id)
                .where(MessageRow.state.in_(waiting))
                .order_by(MessageRow.updated_at, MessageRow.id)).all()  # ties: by id
            return [self._view(uow, m, drill) for m, drill in rows]

    def revisions(self, message_id: int) -> list[tuple[int, str | None, str]]:
        with self.ctx.uow() as uow:
            rows = uow.session.execute(
                select(MessageRevisionRow).where(MessageRevisionRow.message_id == message_id)
                .order_by(MessageRevisionRow.revision)).scalars()
            return [(r.revision, r.title, r.body) for r in rows]

    @staticmethod
    def _load(uow: UnitOfWork, message_id: int, *, for_update: bool = False) -> MessageRow:
        stmt = select(MessageRow).where(MessageRow.id == message_id)
        if for_update:
            stmt = stmt.with_for_update()
        m = uow.session.execute(stmt).scalar_one_or_none()
        if m is None:
            raise NotFound(f"message: no message {message_id}")
        return m

    @staticmethod
    def _check_version(m: MessageRow, expected: int | None) -> None:
        if expected is not None and m.version != expected:
            raise ConflictError(
                f"conflict: message {m.id} changed since you opened it "
                f"(yours: version {expected}, stored: version {m.version})",
                mine=expected, theirs=m.body)

    # --- writing -----------------------------------------------------------
    def draft(self, incident_id: int, channel: Channel, body: str, actor: str, *,
              title: str | None = None, purpose: Purpose = Purpose.OTHER) -> MessageView:
        with self.ctx.uow() as uow:
            m, inc = self.draft_in(uow, incident_id, channel, body, actor, title=title,
                                   purpose=purpose)
            uow.commit()
            return self._view(uow, m, inc.drill)

    def draft_in(self, uow: UnitOfWork, incident_id: int, channel: Channel, body: str,
                 actor: str, *, title: str | None = None, purpose: Purpose = Purpose.OTHER
                 ) -> tuple[MessageRow, IncidentRow]:
        """:meth:`draft` inside the caller's transaction (a reply drafted from a mention)."""
        now = self.ctx.clock.now()
        op = acting(uow, actor)
        require(op, Action.DRAFT)
        inc = load_incident(uow, incident_id, for_update=True)
        if inc.status == "closed":
            raise PolicyRefused(f"incident: {inc.id} is closed")
        text = exercise_body(body) if inc.drill else body
        text = check_body(channel, text, title)
        title = title.strip() or None if title else None
        digest = content_hash(channel, title, text)
        m = MessageRow(incident_id=inc.id, channel=channel.value, purpose=purpose.value,
                       title=title, body=text, state=MessageState.DRAFT.value, revision=1,
                       content_hash=digest, author_id=op.contact_id, created_at=now,
                       updated_at=now)
        uow.session.add(m)
        uow.flush()
        self._revision(uow, m, op.contact_id, now)
        record_ownership_changes(uow, inc, now)
        append(uow, inc, EntryKind.MESSAGE_DRAFTED, op.name,
               f"{channel.value} {purpose.value} drafted (message {m.id})", occurred_at=now,
               recorded_at=now, data={"message": m.id, "hash": digest})
        return m, inc

    @staticmethod
    def _revision(uow: UnitOfWork, m: MessageRow, by: int, at: datetime) -> None:
        uow.session.add(MessageRevisionRow(message_id=m.id, revision=m.revision, title=m.title,
                                           body=m.body, content_hash=m.content_hash,
                                           edited_by_id=by, edited_at=at))

    def edit(self, message_id: int, body: str, actor: str, *, title: str | None = None,
             expected_version: int | None = None) -> MessageView:
        """A new revision; any approval of an earlier revision is void from now on."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.DRAFT)
            m = self._load(uow, message_id, for_update=True)
            self._check_version(m, expected_version)
            check_edit_allowed(MessageState(m.state))
            inc = load_incident(uow, m.incident_id, for_update=True)
            channel = Channel(m.channel)
            text = check_body(channel, exercise_body(body) if inc.drill else body, title)
            new_title = (title.strip() or None) if title is not None else m.title
            digest = content_hash(channel, new_title, text)
            if digest == m.content_hash:
                return self._view(uow, m, inc.drill)
            voided = uow.session.execute(
                update(ApprovalRow).where(ApprovalRow.message_id == m.id,
                                          ApprovalRow.voided_at.is_(None))
                .values(voided_at=now)).rowcount
            before = m.state
            m.title, m.body, m.content_hash = new_title, text, digest
            m.revision += 1
            m.state = MessageState.DRAFT.value
            m.updated_at = now
            uow.flush()
            self._revision(uow, m, op.contact_id, now)
            note = " (approval voided)" if voided else ""
            append(uow, inc, EntryKind.MESSAGE_EDITED, op.name,
                   f"Message {m.id} edited, revision {m.revision}{note}", occurred_at=now,
                   recorded_at=now, data={"message": m.id, "revision": m.revision,
                                          "was": before, "hash": digest, "voided": voided})
            uow.commit()
            return self._view(uow, m, inc.drill)

    def submit(self, message_id: int, actor: str) -> MessageView:
        view = self._move(message_id, actor, Action.DRAFT,
                          {MessageState.DRAFT, MessageState.REJECTED}, MessageState.IN_REVIEW,
                          EntryKind.MESSAGE_SUBMITTED, "submitted for approval")
        if self.after_submit is not None:
            try:
                self.after_submit(view.id)
            except Exception:
                log.exception("paging the approver of message %s failed", view.id)
        return view

    def withdraw(self, message_id: int, actor: str) -> MessageView:
        return self._move(message_id, actor, Action.DRAFT, set(WITHDRAWABLE),
                          MessageState.WITHDRAWN, EntryKind.MESSAGE_WITHDRAWN, "withdrawn")

    def _move(self, message_id: int, actor: str, action: Action, sources: set[MessageState],
              target: MessageState, kind: EntryKind, verb: str) -> MessageView:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, action)
            m = self._load(uow, message_id, for_update=True)
            if MessageState(m.state) not in sources:
                raise PolicyRefused(f"message: a {m.state} message cannot be {verb}")
            inc = load_incident(uow, m.incident_id, for_update=True)
            if target is MessageState.WITHDRAWN:
                uow.session.execute(update(ApprovalRow).where(
                    ApprovalRow.message_id == m.id, ApprovalRow.voided_at.is_(None))
                    .values(voided_at=now))
            m.state = target.value
            m.rejected_reason = None
            m.updated_at = now
            record_ownership_changes(uow, inc, now)
            append(uow, inc, kind, op.name, f"Message {m.id} {verb}", occurred_at=now,
                   recorded_at=now, data={"message": m.id, "revision": m.revision})
            uow.commit()
            return self._view(uow, m, inc.drill)

    def approve(self, message_id: int, approver: str, passphrase: str, *,
                expected_hash: str | None = None) -> MessageView:
        """Approve exactly the current text, as the communications chain's owner now."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = authenticate(self.ctx, uow, approver, passphrase)
            require(op, Action.APPROVE)
            m = self._load(uow, message_id, for_update=True)
            inc = load_incident(uow, m.incident_id, for_update=True)
            ownership = ChainSnapshot(uow, COMMUNICATIONS).owner_at(now)
            authors = set(uow.session.execute(select(MessageRevisionRow.edited_by_id).where(
                MessageRevisionRow.message_id == m.id)).scalars()) | {m.author_id}
            check_can_approve(state=MessageState(m.state), author_contact_ids=authors,
                              approver_contact_id=op.contact_id, approver_name=op.name,
                              ownership=ownership)
            if must_set_passphrase(uow, op):
                raise PolicyRefused(f"approve: {op.name}'s passphrase was reset by two "
                                    f"commanders; {op.name} must set their own passphrase "
                                    "before approving ('operator passphrase')")
            digest = content_hash(Channel(m.channel), m.title, m.body)
            if digest != m.content_hash or (expected_hash and expected_hash != digest):
                raise PolicyRefused("approve: the text changed since it was shown to you")
            evidence_data = ownership_evidence(uow, ownership)
            evidence = describe_evidence(evidence_data)
            key, statement, signature = sign_approval(self.ctx, uow, op, passphrase, m, digest,
                                                      now, evidence_data)
            approval = ApprovalRow(message_id=m.id, revision=m.revision, content_hash=digest,
                                   approver_id=op.contact_id, approved_at=now,
                                   owner_evidence=evidence, key_id=key.id,
                                   statement=statement, signature=signature)
            uow.session.add(approval)
            uow.flush()
            uow.audit(now, op.name, "approval.sign", "message", m.id,
                      {"approval": approval.id, "revision": m.revision, "hash": digest,
                       "key": key.id, "signature": signature})
            m.state = MessageState.APPROVED.value
            m.updated_at = now
            uow.flush()
            record_ownership_changes(uow, inc, now)
            append(uow, inc, EntryKind.MESSAGE_APPROVED, op.name,
                   f"Message {m.id} approved by {op.name}, owner of the {COMMUNICATIONS} chain",
                   occurred_at=now, recorded_at=now,
                   data={"message": m.id, "revision": m.revision, "hash": digest,
                         "evidence": evidence, "ownership": evidence_data})
            uow.commit()
            return self._view(uow, m, inc.drill)

    def reject(self, message_id: int, reason: str, actor: str) -> MessageView:
        reason = reason.strip()
        if not reason:
            raise InvalidInput("reason: must not be empty")
        check_text(reason, "reason", 1000)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.APPROVE)
            m = self._load(uow, message_id, for_update=True)
            if m.state != MessageState.IN_REVIEW.value:
                raise PolicyRefused(f"reject: the message is {m.state}, not in review")
            owner = ChainSnapshot(uow, COMMUNICATIONS).owner_at(now).owner
            if owner is None or owner.id != op.contact_id:
                who = owner.name if owner else "nobody"
                raise PolicyRefused(f"reject: only the owner of the {COMMUNICATIONS} chain "
                                    f"can reject; {who} owns it now")
            inc = load_incident(uow, m.incident_id, for_update=True)
            m.state = MessageState.REJECTED.value
            m.rejected_reason = reason
            m.updated_at = now
            append(uow, inc, EntryKind.MESSAGE_REJECTED, op.name,
                   f"Message {m.id} rejected: {reason}", occurred_at=now, recorded_at=now,
                   data={"message": m.id, "revision": m.revision, "reason": reason})
            uow.commit()
            return self._view(uow, m, inc.drill)

    def publish(self, message_id: int, actor: str, *, destination: str | None = None
                ) -> MessageView:
        """Record the publication and deliver it; the file is written after the commit.

        If the process dies between the two, :meth:`deliver_pending` (run at
        start-up) writes the file under the same name: nothing lost, nothing twice.
        """
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.PUBLISH)
            m = self._load(uow, message_id, for_update=True)
            inc = load_incident(uow, m.incident_id, for_update=True)
            dest = destination or (DRILL if inc.drill else LIVE)
            if dest not in (LIVE, DRILL):
                raise InvalidInput(f"destination: {dest!r} is not live or drill")
            approval = self._valid_approval(uow, m)
            record = None
            if approval is not None:
                record = ApprovalRecord(approval.approver_id, "", approval.revision,
                                        approval.content_hash, approval.approved_at,
                                        approval.voided_at is not None)
            current = content_hash(Channel(m.channel), m.title, m.body)
            if current != m.content_hash:
                raise PolicyRefused("publish: the stored text does not match its hash")
            check_can_publish(state=MessageState(m.state), current_hash=current,
                              approval=record, drill=inc.drill, body=m.body,
                              destination_is_drill=dest == DRILL)
            assert approval is not None
            problem = approval_problem(uow, approval, m, now)
            if problem is not None:
                raise PolicyRefused(f"publish: the approval does not verify: {problem}")
            refuse_if_audit_broken(self.ctx, uow, "publish")
            publish_hooks.before_publish(uow, m, inc, dest, now)
            file_name = publication_file_name(now, m.id, current)
            publication = PublicationRow(
                message_id=m.id, approval_id=approval.id, content_hash=current,
                destination=dest, published_at=now, published_by_id=op.contact_id,
                file_name=file_name)
            uow.session.add(publication)
            m.state = MessageState.PUBLISHED.value
            m.updated_at = now
            channel = Channel(m.channel)
            if channel.is_public and inc.first_public_ack_at is None:
                inc.first_public_ack_at = now
            if m.purpose == Purpose.EXPLANATION.value and inc.explained_at is None:
                inc.explained_at = now
            record_ownership_changes(uow, inc, now)
            append(uow, inc, EntryKind.MESSAGE_PUBLISHED, op.name,
                   f"Published on {channel.value}: {m.body[:200]}", occurred_at=now,
                   recorded_at=now, data={"message": m.id, "hash": current,
                                          "destination": dest, "file": file_name})
            uow.flush()
            uow.audit(now, op.name, "publication.record", "message", m.id,
                      {"publication": publication.id, "approval": approval.id,
                       "hash": current, "destination": dest})
            publish_hooks.after_publish(uow, m, inc, publication, now)
            uow.commit()
            message_id, publication_id = m.id, publication.id
        try:
            self.deliver_pending()
        except OSError as exc:
            raise CommandCenterError(
                f"publish: recorded, but the outbox could not be written ({exc}); "
                "it is retried at the next start") from exc
        refused = self.delivery.refused.get(publication_id)
        if refused is not None:
            raise PolicyRefused(f"publish: recorded, but its delivery was refused: {refused}")
        return self.get(message_id)

    def deliver_pending(self) -> int:
        """Write every committed but undelivered publication to the outbox (checked first)."""
        return self.delivery.deliver_pending()

    def owner_now(self) -> str:
        with self.ctx.uow() as uow:
            o = ChainSnapshot(uow, COMMUNICATIONS).owner_at(self.ctx.clock.now())
            return o.owner.name if o.owner else f"nobody ({format_utc(o.at)})"
