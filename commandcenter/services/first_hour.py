"""The first hour: an alert becomes an incident (or joins the one that covers it), and the
incident's title can be put in words people understand, on the record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.first_hour import covers, proposed_title
from commandcenter.domain.incidents import IncidentStatus, is_open
from commandcenter.domain.operators import Action, require
from commandcenter.domain.timeline import EntryKind, clean_text
from commandcenter.persistence.metrics_models import AlertRow, MetricSeriesRow
from commandcenter.persistence.models import IncidentRow
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, acting
from .incidents import IncidentView, commander_name, incident_view, load_incident
from .timeline import append


@dataclass(frozen=True, slots=True)
class AlertProposal:
    """What "Open incident from alert" offers: a title, and the open incidents covering it."""

    alert_id: int
    series: str
    title: str
    covering: tuple[IncidentView, ...]


def alert_evidence(row: AlertRow, series: str) -> str:
    return (f"Alert #{row.id} ({row.detector}, {row.level}) on {series} since "
            f"{row.onset_at:%Y-%m-%d %H:%M:%S} UTC: {row.evidence}")


class FirstHourService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @staticmethod
    def _alert(uow: UnitOfWork, alert_id: int) -> tuple[AlertRow, str]:
        from commandcenter.domain.errors import NotFound

        found = uow.session.execute(
            select(AlertRow, MetricSeriesRow.name)
            .join(MetricSeriesRow, MetricSeriesRow.id == AlertRow.series_id)
            .where(AlertRow.id == alert_id)).first()
        if found is None:
            raise NotFound(f"alert: no alert {alert_id}")
        return found[0], found[1]

    def proposal(self, alert_id: int) -> AlertProposal:
        with self.ctx.uow() as uow:
            row, series = self._alert(uow, alert_id)
            linked = uow.session.execute(
                select(AlertRow, MetricSeriesRow.name, IncidentRow)
                .join(MetricSeriesRow, MetricSeriesRow.id == AlertRow.series_id)
                .join(IncidentRow, IncidentRow.id == AlertRow.incident_id)
                .where(AlertRow.id != row.id)).all()
            found: dict[int, IncidentView] = {}
            for other, other_series, inc in linked:
                if (inc.id not in found and is_open(IncidentStatus(inc.status))
                        and covers(series, row.onset_at, other_series, other.onset_at)):
                    found[inc.id] = incident_view(inc, commander_name(uow, inc))
            return AlertProposal(row.id, series, proposed_title(series, row.onset_at),
                                 tuple(found.values()))

    def attach_alert(self, alert_id: int, incident_id: int, actor: str) -> IncidentView:
        """Link the alert to an open incident instead of opening a duplicate; its evidence
        goes onto that incident's timeline."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.RUN_INCIDENT)
            row, series = self._alert(uow, alert_id)
            if row.incident_id is not None:
                raise PolicyRefused(f"alert: #{alert_id} already belongs to incident "
                                    f"#{row.incident_id}")
            inc = load_incident(uow, incident_id, for_update=True)
            if not is_open(IncidentStatus(inc.status)):
                raise PolicyRefused(f"incident: #{inc.id} is {inc.status}; attach the alert "
                                    "to an open incident")
            row.incident_id = inc.id
            if row.acknowledged_at is None:
                row.acknowledged_by, row.acknowledged_at = op.name, now
            append(uow, inc, EntryKind.ALERT, "detector",
                   "Attached: " + alert_evidence(row, series), occurred_at=row.onset_at,
                   recorded_at=now, data={"alert": row.id, "series": series,
                                          "attached_by": op.name})
            uow.audit(now, op.name, "alert.attach", "alert", row.id, {"incident": inc.id})
            uow.commit()
            return incident_view(inc, commander_name(uow, inc))

    def rename(self, incident_id: int, title: str, actor: str) -> IncidentView:
        """A clearer title; the old and new stand on the timeline."""
        from commandcenter.domain.errors import InvalidInput

        now = self.ctx.clock.now()
        title = clean_text(title, "title")
        if len(title) > 300:
            raise InvalidInput("title: longer than 300 characters")
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.RUN_INCIDENT)
            inc = load_incident(uow, incident_id, for_update=True)
            if inc.title != title:
                before = inc.title
                inc.title = title
                append(uow, inc, EntryKind.TITLE_CHANGED, op.name,
                       f"Title: {before!r} -> {title!r}", occurred_at=now, recorded_at=now,
                       data={"from": before, "to": title})
                uow.audit(now, op.name, "incident.rename", "incident", inc.id,
                          {"from": before, "to": title})
                uow.commit()
            return incident_view(inc, commander_name(uow, inc))


__all__ = ["AlertProposal", "FirstHourService", "IncidentStatus"]
