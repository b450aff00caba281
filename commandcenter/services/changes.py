"""The change calendar: planned scoring changes, their announcement, and their release.

An approved ``advance_notice`` message that names a change ("change #3", or
its title) announces it when published (``publish_hooks.after_publish``
calls :func:`record_publication`); an ``explanation`` message that names it
becomes its published explanation, linked from the charts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from commandcenter.domain import changes as rules
from commandcenter.domain.changes import ChangeView, status_at, warning_at
from commandcenter.domain.errors import NotFound
from commandcenter.domain.incidents import IncidentStatus, is_open
from commandcenter.domain.messages import Purpose
from commandcenter.domain.operators import Action, Role, require
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.commitment_models import ScoringChangeRow
from commandcenter.persistence.models import IncidentRow, MessageRow, PublicationRow
from commandcenter.persistence.outbox import Outbox
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, acting
from .views import ChartMark, chart_mark  # ChartMark: where callers import it from


def change_view(row: ScoringChangeRow, now: datetime) -> ChangeView:
    return ChangeView(
        row.id, row.title, row.effective_at, row.notice_days, row.effect, row.created_by,
        row.created_at, row.announced_at, row.announcement_message_id,
        row.explanation_message_id, row.released_at, row.released_by, row.override_reason,
        status_at(row.effective_at, row.notice_days, row.released_at, now),
        warning_at(row.title, row.effective_at, row.notice_days, row.announced_at,
                   row.released_at, now),
        (row.effective_at - now).total_seconds() / 86400)


def record_publication(uow: UnitOfWork, message: MessageRow, incident: IncidentRow,
                       publication: PublicationRow, now: datetime) -> list[int]:
    """Link a published advance notice (or explanation) to the changes it names.

    A drill's publication announces nothing: the calendar holds real changes.
    """
    if incident.drill or message.purpose not in (Purpose.ADVANCE_NOTICE.value,
                                                 Purpose.EXPLANATION.value):
        return []
    text = f"{message.title or ''}\n{message.body}"
    linked = []
    for row in uow.session.execute(select(ScoringChangeRow)).scalars():
        if not rules.mentions_change(text, row.id, row.title):
            continue
        if message.purpose == Purpose.ADVANCE_NOTICE.value:
            if row.announced_at is not None:
                continue
            row.announced_at, row.announcement_message_id = now, message.id
            action = "change.announce"
        else:
            if row.explanation_message_id is not None:
                continue
            row.explanation_message_id = message.id
            action = "change.explain"
        uow.audit(now, "system", action, "change", row.id,
                  {"message": message.id, "publication": publication.id})
        linked.append(row.id)
    return linked


def _open_incidents(uow: UnitOfWork) -> list[IncidentRow]:
    rows = uow.session.execute(select(IncidentRow).where(
        IncidentRow.status != IncidentStatus.CLOSED.value)).scalars().all()
    return [r for r in rows if is_open(IncidentStatus(r.status)) and not r.drill]


class ChangeService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def add(self, title: str, effective_at: datetime, actor: str, *,
            notice_days: int = rules.DEFAULT_NOTICE_DAYS, effect: str = "") -> ChangeView:
        title, effective, notice_days, effect = rules.check_new(
            title, effective_at, notice_days, effect)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.RUN_INCIDENT)
            row = ScoringChangeRow(title=title, effective_at=effective, notice_days=notice_days,
                                   effect=effect, created_by=op.name, created_at=now)
            uow.session.add(row)
            uow.flush()
            uow.audit(now, op.name, "change.add", "change", row.id,
                      {"title": title, "effective": effective.isoformat(),
                       "notice_days": notice_days, "effect": effect})
            view = change_view(row, now)
            uow.commit()
            return view

    def list(self) -> list[ChangeView]:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            rows = uow.session.execute(select(ScoringChangeRow).order_by(
                ScoringChangeRow.effective_at, ScoringChangeRow.id)).scalars()
            return [change_view(r, now) for r in rows]

    def get(self, change_id: int) -> ChangeView:
        with self.ctx.uow() as uow:
            return change_view(self._load(uow, change_id), self.ctx.clock.now())

    def warnings(self) -> list[ChangeView]:
        """Unannounced changes whose notice period has begun: what the app warns about."""
        return [c for c in self.list() if c.warning is not None]

    def release(self, change_id: int, actor: str, *, override: str | None = None
                ) -> ChangeView:
        """Release a change; unannounced, only a commander's override with a reason does."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.RUN_INCIDENT)
            row = self._load(uow, change_id, for_update=True)
            reason = rules.check_release(
                announced=row.announced_at is not None, released=row.released_at is not None,
                override=override, commander=op.role is Role.COMMANDER)
            row.released_at, row.released_by, row.override_reason = now, op.name, reason
            uow.audit(now, op.name, "change.release", "change", row.id,
                      {"announced": row.announced_at is not None, "override": reason})
            if reason is not None:
                from .timeline import append

                text = (f"Change #{row.id} {row.title!r} released without an advance notice: "
                        f"override by {op.name}: {reason}")
                for inc in _open_incidents(uow):
                    append(uow, inc, EntryKind.DECISION, op.name, text, occurred_at=now,
                           recorded_at=now, data={"change": row.id, "override": reason})
            view = change_view(row, now)
            uow.commit()
            return view

    def chart_marks(self) -> list[ChartMark]:
        """Every change, for the score charts: released ones at their release, others
        at their effective time."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            out = []
            for row in uow.session.execute(select(ScoringChangeRow).order_by(  # ties: by id,
                    ScoringChangeRow.effective_at, ScoringChangeRow.id)).scalars():  # as on SQLite
                link = None
                if row.explanation_message_id is not None:
                    pub = uow.session.execute(select(PublicationRow).where(
                        PublicationRow.message_id == row.explanation_message_id)
                    ).scalar_one_or_none()
                    link = (str(Outbox(self.ctx.outbox_dir).path_for(pub.destination,
                                                                     pub.file_name))
                            if pub else None)
                out.append(chart_mark(row.id, row.title, row.effective_at,
                                      change_view(row, now).announced, row.released_at,
                                      row.explanation_message_id, link))
            return out

    @staticmethod
    def _load(uow: UnitOfWork, change_id: int, *, for_update: bool = False
              ) -> ScoringChangeRow:
        stmt = select(ScoringChangeRow).where(ScoringChangeRow.id == change_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = uow.session.execute(stmt).scalar_one_or_none()
        if row is None:
            raise NotFound(f"change: no change {change_id}")
        return row
