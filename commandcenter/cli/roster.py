"""``roster``, ``operator``, ``availability`` and ``chain``: people and who may act."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from commandcenter.domain.clock import format_utc, parse_instant

from .common import ENV_PASSPHRASE, Registry, new_passphrase, signed_in


def _optional_actor(a: argparse.Namespace, svc: Any) -> str | None:
    """Roster commands may run as the local administrator; with --as, sign in."""
    return signed_in(svc, a.as_) if a.as_ else None


def _roster_import(a: argparse.Namespace, svc: Any) -> Any:
    added = svc.roster.import_contacts(Path(a.file), actor=_optional_actor(a, svc))
    print(f"imported {len(added)} contacts")
    return {"imported": [c.name for c in added]}


def _roster_list(a: argparse.Namespace, svc: Any) -> Any:
    rows = svc.roster.contacts()
    for r in rows:
        role = f" [{r.role.value}]" if r.role else ""
        nxt = f", changes {format_utc(r.next_change)}" if r.next_change else ""
        print(f"{r.contact.name}{role} — {r.contact.title or '-'} — {r.contact.timezone} — "
              f"{r.availability.describe()}{nxt}")
    return rows


def _operator_add(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.operators import Role

    actor = _optional_actor(a, svc)
    op = svc.roster.add_operator(a.name, Role.parse(a.role),
                                 new_passphrase(actor is not None and bool(
                                     os.environ.get(ENV_PASSPHRASE))), actor=actor)
    print(f"{op.name} is an operator ({op.role.value})")
    return op


def _availability_set(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.roster import AvailabilityStatus

    w = svc.roster.set_availability(
        a.name, AvailabilityStatus.parse(a.status), parse_instant(a.from_, "from"),
        parse_instant(a.until, "until"), reachable=a.reachable, note=a.note or "",
        actor=_optional_actor(a, svc))
    print(f"{a.name}: {w.status.label} {format_utc(w.starts_at)} - {format_utc(w.ends_at)}"
          f"{', reachable' if w.reachable else ''}")
    return w


def _availability_import(a: argparse.Namespace, svc: Any) -> Any:
    windows = svc.roster.import_availability(Path(a.file), a.contact,
                                             actor=_optional_actor(a, svc))
    print(f"imported {len(windows)} availability windows for {a.contact}")
    return windows


def _chain_set(a: argparse.Namespace, svc: Any) -> Any:
    members = svc.roster.set_chain(a.chain, a.names, actor=_optional_actor(a, svc))
    print(f"{a.chain}: " + " > ".join(m.name for m in members))
    return {"chain": a.chain.lower(), "members": [m.name for m in members]}


def _chain_owner(a: argparse.Namespace, svc: Any) -> Any:
    at = parse_instant(a.at, "at") if a.at else None
    o = svc.roster.owner(a.chain, at)
    print(f"owner: {o.owner.name if o.owner else 'nobody can act'}")
    for s in o.skipped:
        print(f"skipped: {s.contact.name} — {s.reason}")
    print(f"next change: {format_utc(o.next_change) if o.next_change else 'none planned'}")
    return {"chain": o.chain, "at": o.at, "owner": o.owner.name if o.owner else None,
            "skipped": [{"name": s.contact.name, "reason": s.reason} for s in o.skipped],
            "next_change": o.next_change,
            "delegation": o.delegation}


def _chain_delegate(a: argparse.Namespace, svc: Any) -> Any:
    actor = signed_in(svc, a.as_)
    start = parse_instant(a.from_, "from") if a.from_ else svc.ctx.clock.now()
    svc.roster.delegate(a.chain, a.name, start, parse_instant(a.until, "until"),
                        reason=a.reason or "", actor=actor)
    print(f"{a.chain}: delegated to {a.name} until {a.until}")
    return {"chain": a.chain, "delegate": a.name, "from": start, "until": a.until}


def register(r: Registry) -> None:
    cmd, as_ = r.cmd, r.as_
    roster = r.group("roster", "contacts")
    sp = cmd(roster, "import", _roster_import, "import .csv or .vcf contacts")
    sp.add_argument("file")
    as_(sp, required=False)
    cmd(roster, "list", _roster_list, "contacts and their availability now")

    operator = r.group("operator", "people who can sign in")
    sp = cmd(operator, "add", _operator_add, "make a contact an operator")
    sp.add_argument("name")
    sp.add_argument("--role", required=True,
                    help="commander, spokesperson, observer or facilitator")
    as_(sp, required=False)

    avail = r.group("availability", "availability windows")
    sp = cmd(avail, "set", _availability_set, "record a window")
    sp.add_argument("name")
    sp.add_argument("status")
    sp.add_argument("--from", dest="from_", required=True, metavar="ISO")
    sp.add_argument("--until", required=True, metavar="ISO")
    sp.add_argument("--reachable", action="store_true")
    sp.add_argument("--note")
    as_(sp, required=False)
    sp = cmd(avail, "import", _availability_import, "import busy times from an .ics file")
    sp.add_argument("file")
    sp.add_argument("--contact", required=True)
    as_(sp, required=False)

    chain = r.group("chain", "chains of command")
    sp = cmd(chain, "set", _chain_set, "set a chain's members in order")
    sp.add_argument("chain")
    sp.add_argument("names", nargs="+")
    as_(sp, required=False)
    sp = cmd(chain, "owner", _chain_owner, "who owns a chain, who was skipped, next change")
    sp.add_argument("chain")
    sp.add_argument("--at", metavar="ISO")
    sp = cmd(chain, "delegate", _chain_delegate, "delegate a chain until a time")
    sp.add_argument("chain")
    sp.add_argument("name")
    sp.add_argument("--from", dest="from_", metavar="ISO")
    sp.add_argument("--until", required=True, metavar="ISO")
    sp.add_argument("--reason")
    as_(sp)
