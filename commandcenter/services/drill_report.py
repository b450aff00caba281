"""The after-action report of a drill (HSEEP's after-action report and improvement plan),
and the timeline export any incident shares with it, as HTML.

The HTML is built here, with no Qt: ``ui/report_pdf.py`` lays it out as PDF
(QTextDocument + QPdfWriter) and draws the chart image it refers to.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from commandcenter.domain.clock import format_utc, parse_instant
from commandcenter.domain.incidents import format_duration
from commandcenter.domain.timeline import TimelineEntry
from commandcenter.drills.durations import format_offset
from commandcenter.persistence.models import ApprovalRow, ContactRow

from .audit import AuditService
from .context import ServiceContext
from .drill_runs import observations, reopen
from .health import HealthService
from .incidents import IncidentService, IncidentView
from .messages import MessageService

CHART = "chart.png"
# The score metrics a report charts, when the drill fed them.
CHART_SERIES = ("score_mean", "drop_share_50", "psi", "batch_freshness")


@dataclass(frozen=True, slots=True)
class ChartData:
    start: float
    end: float
    span: tuple[float, float | None]  # the incident: detected .. resolved (None: still open)
    series: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Document:
    """An HTML document and the chart it shows (None: no chart)."""

    title: str
    html: str
    chart: ChartData | None


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


STYLE = """
body { font-family: sans-serif; font-size: 9pt; color: #1b1f24; }
h1 { font-size: 17pt; margin-bottom: 2pt; }
h2 { font-size: 12pt; margin-top: 14pt; border-bottom: 1px solid #8a939c; }
table { border-collapse: collapse; width: 100%; }
th { background: #e8ecef; text-align: left; }
td, th { border: 1px solid #c4cbd1; padding: 3pt; vertical-align: top; }
.met { color: #176b2c; font-weight: bold; }
.missed { color: #a4161a; font-weight: bold; }
.drill { color: #8a4b00; font-weight: bold; }
.mono { font-family: monospace; font-size: 8pt; }
.muted { color: #5b646d; }
"""


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    if not rows:
        body = f"<tr><td colspan='{len(headers)}' class='muted'>none</td></tr>"
    return f"<table cellspacing='0' cellpadding='3'><tr>{head}</tr>{body}</table>"


def _entries_table(entries: list[TimelineEntry], start: datetime | None) -> str:
    rows = []
    for e in entries:
        when = format_utc(e.occurred_at)
        if start is not None:
            when += f"<br><span class='muted'>{esc(format_offset(e.occurred_at - start))}</span>"
        rows.append([when, esc(e.kind.value.replace("_", " ")), esc(e.actor), esc(e.text)])
    return _table(["time", "kind", "who", "what"], rows)


def _chart(ctx: ServiceContext, inc: IncidentView, start: datetime, end: datetime
           ) -> ChartData | None:
    health = HealthService(ctx)
    names = {s.series for s in health.status()}
    series = {}
    for name in CHART_SERIES:
        if name in names:
            data = health.points(name, start, end)
            if data.ts.size:
                series[name] = (data.ts, data.value)
    if not series:
        return None
    resolved = inc.resolved_at.timestamp() if inc.resolved_at else None
    return ChartData(start.timestamp(), end.timestamp(), (inc.detected_at.timestamp(), resolved),
                     series)


def _messages_section(ctx: ServiceContext, incident_id: int) -> str:
    messages = [m for m in MessageService(ctx).list(incident_id) if m.published_at]
    if not messages:
        return "<p class='muted'>Nothing was published.</p>"
    parts = []
    with ctx.uow() as uow:
        for m in messages:
            approval = uow.session.execute(
                select(ApprovalRow, ContactRow.name)
                .join(ContactRow, ContactRow.id == ApprovalRow.approver_id)
                .where(ApprovalRow.message_id == m.id, ApprovalRow.revision == m.revision)
                .order_by(ApprovalRow.id.desc())).first()
            title = f"<b>{esc(m.title)}</b><br>" if m.title else ""
            approved = "<i>no approval found</i>"
            if approval is not None:
                row, name = approval
                approved = (f"approved by <b>{esc(name)}</b> at {format_utc(row.approved_at)}"
                            f" ({esc(row.owner_evidence)})<br><span class='mono'>signature "
                            f"{esc(row.signature[:32])}... key {row.key_id}</span>")
            parts.append(
                f"<p><b>Message {m.id}</b>, {esc(m.channel.value)} {esc(m.purpose.value)}, by "
                f"{esc(m.author)}, published {format_utc(m.published_at)}<br>{approved}<br>"
                f"<span class='mono'>sha256 {esc(m.content_hash)}</span></p>"
                f"<blockquote>{title}{esc(m.body).replace(chr(10), '<br>')}</blockquote>")
    return "".join(parts)


def _figures_table(result: dict[str, Any]) -> str:
    rows = []
    for f in result.get("figures", []):
        measured = None if f["measured"] is None else timedelta(seconds=f["measured"])
        bench = None if f["benchmark"] is None else timedelta(seconds=f["benchmark"])
        verdict = {True: "<span class='met'>faster</span>",
                   False: "<span class='missed'>slower</span>", None: "-"}[f["beat_benchmark"]]
        rows.append([esc(f["label"]), format_duration(measured), format_duration(bench),
                     verdict])
    return _table(["figure (from detection)", "this drill", "Klout 2011 (seed)", ""], rows)


def _objectives_table(result: dict[str, Any]) -> str:
    rows = [[esc(o["id"]), esc(o["description"]), esc(o["target"]), esc(o["measured"] or "-"),
             "<span class='met'>met</span>" if o["met"] else "<span class='missed'>missed</span>",
             esc(o["detail"])] for o in result.get("objectives", [])]
    return _table(["objective", "description", "target", "measured", "result", "evidence"],
                  rows)


def _commitments(c: dict[str, Any] | None) -> str:
    if not c:
        return "<p class='muted'>No commitments recorded.</p>"
    rows = [[esc(i["text"]), esc(i["owner"]), format_utc(parse_instant(i["due_at"])),
             esc(i["state"] + (" (late)" if i.get("kept_late") else "")),
             format_utc(parse_instant(i["kept_at"])) if i.get("kept_at") else "-"]
            for i in c.get("items", [])]
    summary = (f"<p>Made {c.get('commitments_made', 0)}, kept on time "
               f"{c.get('commitments_kept_on_time', 0)}, kept late "
               f"{c.get('commitments_kept_late', 0)}, broken {c.get('commitments_broken', 0)}, "
               f"open {c.get('commitments_open', 0)}.</p>")
    return summary + _table(["commitment", "owner", "due", "state", "kept"], rows)


def _list(items: list[str], empty: str) -> str:
    if not items:
        return f"<p class='muted'>{esc(empty)}</p>"
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def drill_report(ctx: ServiceContext, run_id: int) -> Document:
    scenario, result, hot_wash = reopen(ctx, run_id)
    if not result:
        raise_unfinished(run_id)
    incidents = IncidentService(ctx)
    inc = incidents.get(int(result["incident"]))
    entries = list(incidents.timeline(inc.id).entries)
    start, end = parse_instant(result["start"]), parse_instant(result["end"])
    met = sum(o["met"] for o in result["objectives"])
    head = AuditService(ctx).head_hash()
    approvals = [[esc(a["message"]), esc(a["approver"]), format_utc(parse_instant(
        a["approved_at"])), esc(a["owner"] or "nobody"),
        "<span class='met'>yes</span>" if a["right_owner"] else "<span class='missed'>no</span>"]
        for a in result.get("approvals", [])]
    refused = [[esc(a["at"]), esc(a["who"]), esc(a["do"]), esc(a["detail"])]
               for a in result.get("actions", []) if not a["ok"]]
    plan = [[esc(p.get("action", "")), esc(p.get("owner", "")), esc(p.get("due", ""))]
            for p in hot_wash.get("plan", [])]
    notes = [[format_utc(at), esc(who), esc(text)] for at, who, text in observations(ctx, run_id)]
    people = [[esc(p.name), esc(p.title), esc(p.role.value if p.role else "-")]
              for p in scenario.people]
    chains = "".join(f"<li>{esc(name)}: {esc(' > '.join(m))}</li>"
                     for name, m in scenario.chains.items())
    chart = _chart(ctx, inc, start, end)
    chart_html = (f"<p><img src='{CHART}' width='500'></p><p class='muted'>Shaded: the "
                  "incident, from detection to resolution.</p>") if chart else \
        "<p class='muted'>The drill fed no score metrics.</p>"
    commitments = result.get("commitments")
    body = f"""
<h1>After-action report: {esc(scenario.name)}</h1>
<p class='drill'>EXERCISE: a tabletop drill on a simulated clock; nothing here was public.</p>
<p>Simulated {format_utc(start)} to {format_utc(end)} ({format_duration(end - start)}).
Incident {inc.id}: {esc(inc.title)} ({inc.severity.value}, {inc.status.value}).
Objectives met: <b>{met} of {len(result['objectives'])}</b>.</p>
<h2>1. Exercise overview</h2>
<p>{esc(scenario.briefing)}</p>
{_table(["participant", "title", "role"], people)}
<p>Chains of command:</p><ul>{chains}</ul>
<h2>2. Objectives</h2>
{_objectives_table(result)}
<h2>3. Response figures beside the seed benchmark</h2>
{_figures_table(result)}
<h2>4. Score metrics during the drill</h2>
{chart_html}
<h2>5. Messages as published, with their approvals</h2>
{_messages_section(ctx, inc.id)}
<h2>6. Approvals: by the right owner at that moment?</h2>
{_table(["message", "approved by", "at", "owner of communications then", "right owner"],
        approvals)}
<h2>7. Refused actions</h2>
{_table(["at", "who", "action", "refusal"], refused)}
<h2>8. Commitments made and kept</h2>
{_commitments(commitments)}
<h2>9. Analysis: strengths</h2>
{_list(hot_wash.get("strengths", []), "No hot wash recorded yet.")}
<h2>10. Analysis: areas for improvement</h2>
{_list(hot_wash.get("improvements", []), "No hot wash recorded yet.")}
<h2>11. Improvement plan</h2>
{_table(["action", "owner", "due"], plan)}
<h2>12. Observer notes</h2>
{_table(["time", "observer", "note"], notes)}
<h2>13. Timeline</h2>
{_entries_table(entries, start)}
<h2>Audit</h2>
<p>Audit log head hash: <span class='mono'>{esc(head)}</span><br>
Scenario file sha256: <span class='mono'>{esc(_scenario_sha(ctx, run_id))}</span></p>
"""
    return Document(f"After-action report: {scenario.name}", _page(body), chart)


def raise_unfinished(run_id: int) -> None:
    from commandcenter.domain.errors import InvalidInput

    raise InvalidInput(f"run: drill run {run_id} has not finished; no report yet")


def _scenario_sha(ctx: ServiceContext, run_id: int) -> str:
    from commandcenter.persistence.drill_models import DrillRunRow

    with ctx.uow() as uow:
        row = uow.session.get(DrillRunRow, run_id)
        return row.scenario_sha256 if row else ""


def _page(body: str) -> str:
    return (f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head>"
            f"<body>{body}</body></html>")


def timeline_document(ctx: ServiceContext, incident_id: int) -> Document:
    """Any incident's timeline, live or drill: the export's PDF and HTML."""
    incidents = IncidentService(ctx)
    inc = incidents.get(incident_id)
    entries = list(incidents.timeline(incident_id).entries)
    f = inc.figures
    mark = "<p class='drill'>EXERCISE: drill incident.</p>" if inc.drill else ""
    body = f"""
<h1>Timeline: incident {inc.id}</h1>{mark}
<p><b>{esc(inc.title)}</b><br>{inc.severity.value}, {inc.status.value}, kind {esc(inc.kind)},
commander {esc(inc.commander or '-')}<br>detected {format_utc(inc.detected_at)}<br>
time to declare {format_duration(f.time_to_declare)}, to first public acknowledgement
{format_duration(f.time_to_first_public_ack)}, to explanation
{format_duration(f.time_to_explanation)}, to resolve {format_duration(f.time_to_resolve)}</p>
{_entries_table(entries, None)}
<p>Audit log head hash: <span class='mono'>{esc(AuditService(ctx).head_hash())}</span></p>
"""
    return Document(f"Timeline of incident {inc.id}", _page(body), None)


def timeline_records(ctx: ServiceContext, incident_id: int) -> list[dict[str, Any]]:
    """The timeline as plain records, for CSV and JSON export."""
    entries = IncidentService(ctx).timeline(incident_id).entries
    return [{"id": e.id, "seq": e.seq, "occurred_at": e.occurred_at.isoformat(),
             "recorded_at": e.recorded_at.isoformat(), "kind": e.kind.value, "actor": e.actor,
             "text": e.text, "corrects": e.corrects_id, "drill": e.drill, "data": e.data}
            for e in entries]
