"""``commitment``: add, list, keep. Promises with due times; overdue ones alert."""

from __future__ import annotations

import argparse
from typing import Any

from commandcenter.domain.clock import format_utc, parse_instant
from commandcenter.domain.commitments import as_json

from .common import Registry, signed_in


def _line(c: Any, now: Any) -> str:
    late = " OVERDUE" if c.overdue_at(now) else ""
    kept = ""
    if c.kept_at is not None:
        via = f" by message {c.kept_message_id}" if c.kept_message_id else ""
        kept = f", kept {format_utc(c.kept_at)}{via}" + (" (late)" if c.kept_late else "")
    made = f", made by message {c.message_id}" if c.message_id else ""
    return (f"commitment {c.id} [{c.state.value}{late}] incident {c.incident_id} due "
            f"{format_utc(c.due_at)} owner {c.owner}{made}{kept}: {c.text}")


def _add(a: argparse.Namespace, svc: Any) -> Any:
    due = parse_instant(a.due, "due")
    c = svc.commitments.add(a.incident, a.text, due, signed_in(svc, a.as_),
                            message_id=a.message)
    now = svc.ctx.clock.now()
    print(_line(c, now))
    return as_json(c, now)


def _list(a: argparse.Namespace, svc: Any) -> Any:
    svc.commitments.sweep()  # what fell due since anyone looked: alerts, timeline
    now = svc.ctx.clock.now()
    rows = svc.commitments.list(a.incident, overdue=a.overdue)
    for c in rows:
        print(_line(c, now))
    if not rows:
        print("no commitments" + (" overdue" if a.overdue else ""))
    return [as_json(c, now) for c in rows]


def _keep(a: argparse.Namespace, svc: Any) -> Any:
    c = svc.commitments.keep(a.id, signed_in(svc, a.as_), message_id=a.message)
    now = svc.ctx.clock.now()
    print(_line(c, now))
    return as_json(c, now)


def register(r: Registry) -> None:
    cmd, as_ = r.cmd, r.as_
    g = r.group("commitment")
    sp = cmd(g, "add", _add, "record a commitment")
    sp.add_argument("incident", type=int)
    sp.add_argument("text")
    sp.add_argument("--due", required=True, metavar="ISO")
    sp.add_argument("--message", type=int, metavar="ID", help="the message that made it")
    as_(sp)
    sp = cmd(g, "list", _list, "commitments, soonest due first (all incidents without INCIDENT)")
    sp.set_defaults(read_only=True)  # the lite read path, when no sweep is due
    sp.add_argument("incident", type=int, nargs="?")
    sp.add_argument("--overdue", action="store_true", help="only past due and not kept")
    sp = cmd(g, "keep", _keep, "mark a commitment kept")
    sp.add_argument("id", type=int)
    sp.add_argument("--message", type=int, metavar="ID", help="the published message that kept it")
    as_(sp)
