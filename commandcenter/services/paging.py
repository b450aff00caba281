"""Paging the communications chain's owner when a draft enters review, and escalating.

* :meth:`PagingService.request_review` (called right after a submission) opens a
  review request for the message's revision, with the escalation policy in force
  now, and pages the owner: a page row every workstation shows to whoever is signed
  in as that person (the desktop notification), and an e-mail when an SMTP server
  is configured (``COMMANDCENTER_SMTP_*``).
* :meth:`PagingService.tick` (every workstation calls it every few seconds; drills
  and tests on their simulated clock) closes requests that were decided, pages a
  new owner after a hand-over, and escalates every request past its deadline to the
  next chain member who can act and may approve and wrote none of the words: a
  time-limited delegation, recorded like every authority change (audit log and
  every open incident's timeline). The owner passed over is told.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from commandcenter.domain.chains import COMMUNICATIONS
from commandcenter.domain.clock import format_utc
from commandcenter.domain.errors import NotFound
from commandcenter.domain.incidents import Severity
from commandcenter.domain.messages import MessageState
from commandcenter.domain.operators import Action, Credentials, Role, may
from commandcenter.domain.paging import (
    Candidate,
    EscalationPolicy,
    PageText,
    escalated_away_page,
    escalation_target,
    link_for,
    review_page,
    waited,
)
from commandcenter.domain.roster import availability_at
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.models import (
    ContactRow,
    DelegationRow,
    IncidentRow,
    MessageRevisionRow,
    MessageRow,
    OperatorRow,
)
from commandcenter.persistence.paging_models import (
    EscalationPolicyRow,
    PageRow,
    ReviewRequestRow,
)
from commandcenter.persistence.uow import UnitOfWork

from .authority import actor_name, authorize, record_authority_change
from .context import ServiceContext
from .ownership import ChainSnapshot, find_chain
from .timeline import append

log = logging.getLogger(__name__)

ENV_SMTP_HOST = "COMMANDCENTER_SMTP_HOST"
ENV_SMTP_PORT = "COMMANDCENTER_SMTP_PORT"
ENV_SMTP_FROM = "COMMANDCENTER_SMTP_FROM"
ENV_SMTP_USER = "COMMANDCENTER_SMTP_USER"
ENV_SMTP_PASSWORD = "COMMANDCENTER_SMTP_PASSWORD"
ENV_SMTP_STARTTLS = "COMMANDCENTER_SMTP_STARTTLS"
ESCALATION_ACTOR = "escalation policy"
WAITING, CLOSED, STUCK = "waiting", "closed", "stuck"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "commandcenter@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout_s: float = 10.0


def smtp_from_env() -> SmtpSettings | None:
    """The SMTP server from the environment; None when ``COMMANDCENTER_SMTP_HOST`` is unset."""
    host = os.environ.get(ENV_SMTP_HOST, "").strip()
    if not host:
        return None
    return SmtpSettings(host, int(os.environ.get(ENV_SMTP_PORT, "25")),
                        os.environ.get(ENV_SMTP_FROM, "commandcenter@localhost"),
                        os.environ.get(ENV_SMTP_USER, ""), os.environ.get(ENV_SMTP_PASSWORD, ""),
                        os.environ.get(ENV_SMTP_STARTTLS, "") in ("1", "true", "yes"))


@dataclass(frozen=True, slots=True)
class PageView:
    id: int
    request_id: int
    message_id: int
    recipient: str
    kind: str
    subject: str
    body: str
    link: str
    created_at: datetime
    email_state: str
    email_error: str


@dataclass(frozen=True, slots=True)
class RequestView:
    id: int
    message_id: int
    incident_id: int
    severity: Severity
    requested_at: datetime
    deadline_at: datetime
    owner: str | None
    state: str
    escalations: int
    policy: EscalationPolicy


@dataclass(frozen=True, slots=True)
class TickResult:
    opened: int = 0
    closed: int = 0
    escalated: int = 0
    mailed: int = 0


class PagingService:
    def __init__(self, ctx: ServiceContext, smtp: SmtpSettings | None = None) -> None:
        self.ctx = ctx
        self.smtp = smtp

    # --- the policy ---------------------------------------------------------------
    @staticmethod
    def _policy(uow: UnitOfWork) -> EscalationPolicy:
        row = uow.session.execute(select(EscalationPolicyRow)
                                  .order_by(EscalationPolicyRow.id.desc())).scalars().first()
        return EscalationPolicy() if row is None else EscalationPolicy.from_json(row.policy)

    def policy(self) -> EscalationPolicy:
        with self.ctx.uow() as uow:
            return self._policy(uow)

    def set_policy(self, minutes: dict[Severity, int], *, delegation_minutes: int,
                   by: Credentials | None) -> EscalationPolicy:
        """A new policy for requests made from now on (a commander's authority change)."""
        now = self.ctx.clock.now()
        EscalationPolicy(dict(minutes), delegation_minutes)  # bad input: before anything
        with self.ctx.uow() as uow:
            op = authorize(self.ctx, uow, by, Action.EDIT_ROSTER, "set the escalation policy")
            version = self._policy(uow).version + 1
            policy = EscalationPolicy(dict(minutes), delegation_minutes, version)
            row = EscalationPolicyRow(policy=policy.to_json(), set_by=actor_name(op), set_at=now)
            uow.session.add(row)
            uow.flush()
            record_authority_change(uow, now, actor_name(op), "escalation.policy",
                                    "escalation_policy", row.id,
                                    f"Escalation {policy.describe()}", policy.to_json())
            uow.commit()
            return policy

    # --- requests and pages ---------------------------------------------------------
    def request_review(self, message_id: int) -> RequestView | None:
        """Open the review request for the message's current revision and page the owner."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            m = uow.session.execute(select(MessageRow).where(MessageRow.id == message_id)
                                    .with_for_update()).scalar_one_or_none()
            if m is None or m.state != MessageState.IN_REVIEW.value:
                return None
            row = self._open_request(uow, m, now, now)
            uow.commit()
            view = self._request_view(uow, row) if row is not None else None
        self.send_pending_mail()
        return view

    def _open_request(self, uow: UnitOfWork, m: MessageRow, requested_at: datetime,
                      now: datetime) -> ReviewRequestRow | None:
        s = uow.session
        existing = s.execute(select(ReviewRequestRow).where(
            ReviewRequestRow.message_id == m.id, ReviewRequestRow.revision == m.revision,
            ReviewRequestRow.state != CLOSED)).scalars().first()
        if existing is not None:
            return None
        inc = s.execute(select(IncidentRow).where(IncidentRow.id == m.incident_id)
                        .with_for_update()).scalar_one()
        policy = self._policy(uow)
        severity = Severity(inc.severity)
        try:
            owner = ChainSnapshot(uow, COMMUNICATIONS).owner_at(now).owner
        except NotFound:
            owner = None
        row = ReviewRequestRow(
            message_id=m.id, revision=m.revision, incident_id=inc.id, severity=severity.value,
            requested_at=requested_at, first_owner_id=owner.id if owner else None,
            owner_id=owner.id if owner else None, policy=policy.to_json(),
            deadline_at=requested_at + policy.after(severity), state=WAITING, escalations=0)
        s.add(row)
        s.flush()
        if owner is None:
            append(uow, inc, EntryKind.APPROVER_PAGED, ESCALATION_ACTOR,
                   f"Message {m.id} waits for approval, but nobody owns the {COMMUNICATIONS} "
                   "chain now: nobody was paged", occurred_at=now, recorded_at=now,
                   data={"message": m.id, "request": row.id})
            return row
        page = self._page(uow, row, m, inc, owner.id, "review", now)
        append(uow, inc, EntryKind.APPROVER_PAGED, ESCALATION_ACTOR,
               f"{owner.name} paged to approve message {m.id} (desktop"
               + (f", e-mail to {page.email_to}" if page.email_to else "")
               + f"); escalates at {format_utc(row.deadline_at)} without a decision",
               occurred_at=now, recorded_at=now,
               data={"message": m.id, "request": row.id, "page": page.id, "to": owner.name,
                     "deadline": row.deadline_at.isoformat(), "policy": row.policy})
        return row

    def _page(self, uow: UnitOfWork, req: ReviewRequestRow, m: MessageRow, inc: IncidentRow,
              recipient_id: int, kind: str, now: datetime, *, escalated_from: str | None = None,
              text: PageText | None = None) -> PageRow:
        s = uow.session
        recipient = s.get(ContactRow, recipient_id)
        author = s.get(ContactRow, m.author_id)
        if text is None:
            text = review_page(message_id=m.id, channel=m.channel, purpose=m.purpose,
                               author=author.name if author else "?", incident=inc.title,
                               severity=inc.severity, since=req.requested_at, now=now,
                               deadline=req.deadline_at, excerpt=m.body,
                               escalated_from=escalated_from)
        if inc.drill:
            text = PageText("EXERCISE: " + text.subject, "EXERCISE\n" + text.body)
        email = (recipient.email or "").strip() if recipient else ""
        state = "pending" if email and self.smtp is not None else "none"
        page = PageRow(request_id=req.id, recipient_id=recipient_id, kind=kind,
                       subject=text.subject[:300], body=text.body, link=link_for(m.id),
                       created_at=now, email_to=email if state == "pending" else "",
                       email_state=state, email_error="")
        s.add(page)
        s.flush()
        return page

    # --- the clock moves ------------------------------------------------------------
    def tick(self) -> TickResult:
        """Catch up with the clock: close decided requests, escalate overdue ones, mail."""
        now = self.ctx.clock.now()
        opened = closed = escalated = 0
        with self.ctx.uow() as uow:
            s = uow.session
            waiting = s.execute(select(ReviewRequestRow).where(
                ReviewRequestRow.state.in_([WAITING, STUCK])).order_by(ReviewRequestRow.id)
                .with_for_update()).scalars().all()
            covered = set()
            for req in waiting:
                m = s.get(MessageRow, req.message_id)
                if m.state != MessageState.IN_REVIEW.value or m.revision != req.revision:
                    req.state, req.closed_at = CLOSED, now
                    closed += 1
                    continue
                covered.add(m.id)
                if req.state != WAITING:
                    continue
                if self._follow_owner(uow, req, m, now):
                    continue
                if req.deadline_at <= now:
                    escalated += self._escalate(uow, req, m, now)
            # A submission whose request was never written (a crash between the two).
            for m in s.execute(select(MessageRow).where(
                    MessageRow.state == MessageState.IN_REVIEW.value)).scalars():
                if m.id not in covered and self._open_request(uow, m, m.updated_at, now):
                    opened += 1
            uow.commit()
        mailed = self.send_pending_mail()
        return TickResult(opened, closed, escalated, mailed)

    def _follow_owner(self, uow: UnitOfWork, req: ReviewRequestRow, m: MessageRow,
                      now: datetime) -> bool:
        """The chain changed hands (a hand-over, another request's escalation): page the
        owner now, who has the policy's full time from now. True if so."""
        try:
            owner = ChainSnapshot(uow, COMMUNICATIONS).owner_at(now).owner
        except NotFound:
            return False
        if owner is None or owner.id == req.owner_id:
            return False
        s = uow.session
        inc = s.execute(select(IncidentRow).where(IncidentRow.id == req.incident_id)
                        .with_for_update()).scalar_one()
        before = s.get(ContactRow, req.owner_id) if req.owner_id else None
        policy = EscalationPolicy.from_json(req.policy)
        req.owner_id = owner.id
        req.deadline_at = max(req.deadline_at, now + policy.after(Severity(req.severity)))
        page = self._page(uow, req, m, inc, owner.id, "review", now)
        append(uow, inc, EntryKind.APPROVER_PAGED, ESCALATION_ACTOR,
               f"{owner.name} paged to approve message {m.id}: the {COMMUNICATIONS} chain "
               f"passed from {before.name if before else 'nobody'} to {owner.name}",
               occurred_at=now, recorded_at=now,
               data={"message": m.id, "request": req.id, "page": page.id, "to": owner.name})
        return True

    def _candidates(self, uow: UnitOfWork, snap: ChainSnapshot, now: datetime
                    ) -> list[Candidate]:
        ops = {o.contact_id: o for o in uow.session.execute(select(OperatorRow).where(
            OperatorRow.contact_id.in_([c.id for c in snap.members]))).scalars()}
        out = []
        for c in snap.members:
            op = ops.get(c.id)
            out.append(Candidate(
                c.id, c.name, availability_at(snap.windows.get(c.id, ()), now).can_act,
                op is not None and may(Role(op.role), Action.APPROVE)
                and not op.must_set_passphrase))
        return out

    def _escalate(self, uow: UnitOfWork, req: ReviewRequestRow, m: MessageRow,
                  now: datetime) -> int:
        s = uow.session
        policy = EscalationPolicy.from_json(req.policy)  # the policy of the request's time
        inc = s.execute(select(IncidentRow).where(IncidentRow.id == req.incident_id)
                        .with_for_update()).scalar_one()
        try:
            snap = ChainSnapshot(uow, COMMUNICATIONS)
        except NotFound:
            return 0
        owner = snap.owner_at(now).owner
        authors = set(s.execute(select(MessageRevisionRow.edited_by_id).where(
            MessageRevisionRow.message_id == m.id)).scalars()) | {m.author_id}
        paged = set(s.execute(select(PageRow.recipient_id).where(
            PageRow.request_id == req.id, PageRow.kind.in_(["review", "escalated"])))
            .scalars())
        target = escalation_target(self._candidates(uow, snap, now),
                                   owner_id=owner.id if owner else None,
                                   excluded=paged | authors)
        if target is None:
            req.state = STUCK
            append(uow, inc, EntryKind.APPROVER_PAGED, ESCALATION_ACTOR,
                   f"Message {m.id} waited {waited(req.requested_at, now)} without a "
                   "decision, and no other chain member can act, may approve and wrote "
                   "none of it: not escalated", occurred_at=now, recorded_at=now,
                   data={"message": m.id, "request": req.id})
            return 0
        until = now + timedelta(minutes=policy.delegation_minutes)
        who = owner.name if owner else "nobody"
        reason = (f"message {m.id} waited {waited(req.requested_at, now)} for {who} "
                  f"({req.severity}: {policy.minutes[Severity(req.severity)]} min)")
        if not inc.drill:
            # A drill never changes who may approve live words: it is paged, not delegated.
            chain = find_chain(uow, COMMUNICATIONS)
            d = DelegationRow(chain_id=chain.id, delegate_id=target.contact_id, starts_at=now,
                              expires_at=until, granted_by=f"{ESCALATION_ACTOR} v"
                              f"{policy.version}", granted_at=now, reason=reason)
            s.add(d)
            s.flush()
            record_authority_change(
                uow, now, ESCALATION_ACTOR, "chain.escalate", "chain", chain.id,
                f"Chain {chain.name}: escalated from {who} to {target.name} until "
                f"{format_utc(until)}: {reason}",
                {"chain": chain.name, "delegate": target.name, "from": now.isoformat(),
                 "until": until.isoformat(), "reason": reason, "delegation": d.id,
                 "message": m.id, "request": req.id, "policy": req.policy})
        else:
            append(uow, inc, EntryKind.AUTHORITY_CHANGE, ESCALATION_ACTOR,
                   f"EXERCISE: would escalate from {who} to {target.name}: {reason} (a drill "
                   "delegates nothing)", occurred_at=now, recorded_at=now,
                   data={"message": m.id, "request": req.id, "delegate": target.name})
        req.escalations += 1
        req.owner_id = target.contact_id
        req.deadline_at = now + policy.after(Severity(req.severity))
        self._page(uow, req, m, inc, target.contact_id, "escalated", now, escalated_from=who)
        if owner is not None:
            self._page(uow, req, m, inc, owner.id, "escalated_away", now,
                       text=escalated_away_page(message_id=m.id, to=target.name,
                                                since=req.requested_at, now=now, until=until))
        append(uow, inc, EntryKind.APPROVER_PAGED, ESCALATION_ACTOR,
               f"{target.name} paged to approve message {m.id} (escalated); {who} told",
               occurred_at=now, recorded_at=now,
               data={"message": m.id, "request": req.id, "to": target.name, "from": who})
        return 1

    # --- reading ------------------------------------------------------------------
    def pages_for(self, name: str) -> list[PageView]:
        """Pages to ``name`` about requests still waiting: what a workstation shows."""
        with self.ctx.uow() as uow:
            s = uow.session
            contact = s.execute(select(ContactRow).where(ContactRow.name == name))\
                .scalar_one_or_none()
            if contact is None:
                return []
            rows = s.execute(select(PageRow, ReviewRequestRow.message_id)
                             .join(ReviewRequestRow, ReviewRequestRow.id == PageRow.request_id)
                             .where(PageRow.recipient_id == contact.id,
                                    ReviewRequestRow.state.in_([WAITING, STUCK]))
                             .order_by(PageRow.id)).all()
            return [self._page_view(p, mid, contact.name) for p, mid in rows]

    def pages(self, message_id: int | None = None) -> list[PageView]:
        with self.ctx.uow() as uow:
            stmt = (select(PageRow, ReviewRequestRow.message_id, ContactRow.name)
                    .join(ReviewRequestRow, ReviewRequestRow.id == PageRow.request_id)
                    .join(ContactRow, ContactRow.id == PageRow.recipient_id)
                    .order_by(PageRow.id))
            if message_id is not None:
                stmt = stmt.where(ReviewRequestRow.message_id == message_id)
            return [self._page_view(p, mid, who) for p, mid, who in uow.session.execute(stmt)]

    def waiting(self) -> list[RequestView]:
        with self.ctx.uow() as uow:
            rows = uow.session.execute(select(ReviewRequestRow).where(
                ReviewRequestRow.state.in_([WAITING, STUCK])).order_by(
                ReviewRequestRow.requested_at)).scalars().all()
            return [self._request_view(uow, r) for r in rows]

    @staticmethod
    def _page_view(p: PageRow, message_id: int, recipient: str) -> PageView:
        return PageView(p.id, p.request_id, message_id, recipient, p.kind, p.subject, p.body,
                        p.link, p.created_at, p.email_state, p.email_error)

    @staticmethod
    def _request_view(uow: UnitOfWork, r: ReviewRequestRow) -> RequestView:
        owner = uow.session.get(ContactRow, r.owner_id) if r.owner_id else None
        return RequestView(r.id, r.message_id, r.incident_id, Severity(r.severity),
                           r.requested_at, r.deadline_at, owner.name if owner else None,
                           r.state, r.escalations, EscalationPolicy.from_json(r.policy))

    # --- e-mail -------------------------------------------------------------------
    def send_pending_mail(self) -> int:
        """Send every pending page by e-mail; a failure stays pending, with its error."""
        if self.smtp is None:
            return 0
        with self.ctx.uow() as uow:
            rows = uow.session.execute(select(PageRow).where(PageRow.email_state == "pending")
                                       .order_by(PageRow.id).with_for_update()).scalars().all()
            claimed = [(r.id, r.email_to, r.subject, r.body) for r in rows]
            for r in rows:
                r.email_state = "sending"  # no second workstation sends it too
            uow.commit()
        if not claimed:
            return 0
        results: dict[int, str] = {}
        try:
            with self._connect() as smtp:
                for pid, to, subject, body in claimed:
                    try:
                        smtp.send_message(self._mail(to, subject, body))
                        results[pid] = ""
                    except (smtplib.SMTPException, OSError) as exc:
                        results[pid] = str(exc) or type(exc).__name__
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("SMTP server %s:%s: %s", self.smtp.host, self.smtp.port, exc)
            for pid, *_ in claimed:
                results.setdefault(pid, f"SMTP {self.smtp.host}:{self.smtp.port}: {exc}")
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            for pid, error in results.items():
                r = uow.session.get(PageRow, pid)
                r.email_state = "pending" if error else "sent"  # retried at the next tick
                r.email_error = error[:500]
                r.emailed_at = None if error else now
            uow.commit()
        return sum(1 for e in results.values() if not e)

    def _connect(self) -> smtplib.SMTP:
        assert self.smtp is not None
        smtp = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout_s)
        if self.smtp.starttls:
            smtp.starttls()
        if self.smtp.username:
            smtp.login(self.smtp.username, self.smtp.password)
        return smtp

    def _mail(self, to: str, subject: str, body: str) -> EmailMessage:
        assert self.smtp is not None
        mail = EmailMessage()
        mail["From"] = self.smtp.sender
        mail["To"] = to
        mail["Subject"] = subject
        mail.set_content(body)
        return mail

