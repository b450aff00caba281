"""``incident``: open, list, show, timeline, note, correct, status, handover."""

from __future__ import annotations

import argparse
from typing import Any

from commandcenter.domain.clock import format_utc

from .common import Registry, signed_in


def _incident_open(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.incidents import Severity

    actor = signed_in(svc, a.as_)
    inc = svc.incidents.open(a.title, Severity.parse(a.severity), actor, kind=a.kind,
                             drill=a.drill)
    print(f"incident {inc.id} opened: {inc.severity.value} {inc.title}"
          f"{' (DRILL)' if inc.drill else ''}")
    return inc


def _incident_list(a: argparse.Namespace, svc: Any) -> Any:
    rows = svc.incidents.list()
    for i in rows:
        print(f"{i.id}\t{i.severity.value}\t{i.status.value}\t{'DRILL ' if i.drill else ''}"
              f"{i.title}\t{format_utc(i.detected_at)}")
    return rows


def _incident_show(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.incidents import format_duration

    svc.incidents.catch_up(a.id)
    i = svc.incidents.get(a.id)
    print(f"incident {i.id}: {i.title}{' (DRILL)' if i.drill else ''}")
    print(f"severity {i.severity.value}, status {i.status.value}, kind {i.kind}, "
          f"commander {i.commander or '-'}")
    print(f"detected {format_utc(i.detected_at)}")
    f = i.figures
    print(f"time to declare {format_duration(f.time_to_declare)}, first public "
          f"acknowledgement {format_duration(f.time_to_first_public_ack)}, explanation "
          f"{format_duration(f.time_to_explanation)}, resolve {format_duration(f.time_to_resolve)}")
    c = i.commitments
    print(f"commitments {c.made}: {c.open} open, {c.kept_on_time} kept on time, "
          f"{c.kept_late} kept late, {c.broken} broken")
    return i


def _incident_timeline(a: argparse.Namespace, svc: Any) -> Any:
    svc.incidents.catch_up(a.id)
    page = svc.incidents.timeline(a.id)
    for e in page.entries:
        mark = f" (corrects #{e.corrects_id})" if e.corrects_id else ""
        print(f"#{e.id}\t{format_utc(e.occurred_at)}\t{e.kind.value}\t{e.actor}\t{e.text}{mark}")
    return page.entries


def _incident_note(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.timeline import EntryKind

    actor = signed_in(svc, a.as_)
    kind = EntryKind.DECISION if a.decision else EntryKind.NOTE
    e = svc.incidents.add_entry(a.id, a.text, actor, kind=kind)
    print(f"entry #{e.id} added")
    return e


def _incident_correct(a: argparse.Namespace, svc: Any) -> Any:
    e = svc.incidents.correct(a.id, a.entry, a.text, signed_in(svc, a.as_))
    print(f"entry #{e.id} corrects #{a.entry}")
    return e


def _incident_status(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.incidents import IncidentStatus

    i = svc.incidents.change_status(a.id, IncidentStatus.parse(a.status), signed_in(svc, a.as_))
    print(f"incident {i.id} is {i.status.value}")
    return i


def _incident_handover(a: argparse.Namespace, svc: Any) -> Any:
    i = svc.incidents.hand_over(a.id, a.name, signed_in(svc, a.as_))
    print(f"incident {i.id}: {i.commander} is commander")
    return i


def register(r: Registry) -> None:
    cmd, as_ = r.cmd, r.as_
    inc = r.group("incident")
    sp = cmd(inc, "open", _incident_open, "declare an incident")
    sp.add_argument("title")
    sp.add_argument("--severity", required=True, metavar="SEV1..SEV4")
    sp.add_argument("--kind", default="scoring")
    sp.add_argument("--drill", action="store_true")
    as_(sp)
    # read_only: it may run on the lite read path (services/read_only.py), no SQLAlchemy.
    cmd(inc, "list", _incident_list, "all incidents").set_defaults(read_only=True)
    for name, handler in (("show", _incident_show), ("timeline", _incident_timeline)):
        cmd(inc, name, handler, f"{name} one incident").add_argument("id", type=int)
    sp = cmd(inc, "note", _incident_note, "add a note (or --decision)")
    sp.add_argument("id", type=int)
    sp.add_argument("text")
    sp.add_argument("--decision", action="store_true")
    as_(sp)
    sp = cmd(inc, "correct", _incident_correct, "correct a timeline entry")
    sp.add_argument("id", type=int)
    sp.add_argument("entry", type=int)
    sp.add_argument("text")
    as_(sp)
    sp = cmd(inc, "status", _incident_status, "move along the lifecycle")
    sp.add_argument("id", type=int)
    sp.add_argument("status")
    as_(sp)
    sp = cmd(inc, "handover", _incident_handover, "hand command to another commander")
    sp.add_argument("id", type=int)
    sp.add_argument("name")
    as_(sp)
