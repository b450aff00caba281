"""``roster``, ``operator``, ``availability`` and ``chain``: people and who may act."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from commandcenter.domain.clock import format_utc, parse_instant

from .common import (
    ENV_NEW_PASSPHRASE,
    ENV_PASSPHRASE,
    Registry,
    cosigner,
    credentials,
    new_passphrase,
    passphrase,
)


def _by(a: argparse.Namespace) -> Any:
    """The signed-in operator (--as), checked by the service; none only during set-up."""
    return credentials(a.as_)


def _roster_import(a: argparse.Namespace, svc: Any) -> Any:
    added = svc.roster.import_contacts(Path(a.file), by=_by(a))
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

    by = _by(a)
    secret = new_passphrase(by is not None and bool(os.environ.get(ENV_PASSPHRASE)))
    op = svc.roster.add_operator(a.name, Role.parse(a.role), secret, by=by)
    print(f"{op.name} is an operator ({op.role.value})")
    return op


def _operator_role(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.operators import Role

    op = svc.roster.set_role(a.name, Role.parse(a.role), by=_by(a))
    print(f"{op.name} is now {op.role.value}")
    return op


def _operator_reset(a: argparse.Namespace, svc: Any) -> Any:
    by = _by(a)
    second = cosigner(a.cosign)
    op = svc.roster.reset_passphrase(a.name, new_passphrase(True), by=by, cosigner=second)
    print(f"{op.name}'s passphrase was reset; {op.name} must set their own before approving")
    return op


def _operator_passphrase(a: argparse.Namespace, svc: Any) -> Any:
    """Change your own passphrase: the old one from COMMANDCENTER_PASSPHRASE (or a prompt),
    the new one from COMMANDCENTER_NEW_PASSPHRASE (or a prompt, twice)."""
    old = passphrase("Current passphrase: ")
    op = svc.roster.change_passphrase(a.as_, old, new_passphrase(True))
    print(f"{op.name}: passphrase changed")
    return op


def _availability_set(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.roster import AvailabilityStatus

    w = svc.roster.set_availability(
        a.name, AvailabilityStatus.parse(a.status), parse_instant(a.from_, "from"),
        parse_instant(a.until, "until"), reachable=a.reachable, note=a.note or "",
        by=_by(a), cosigner=cosigner(a.cosign))
    print(f"{a.name}: {w.status.label} {format_utc(w.starts_at)} - {format_utc(w.ends_at)}"
          f"{', reachable' if w.reachable else ''}")
    return w


def _availability_import(a: argparse.Namespace, svc: Any) -> Any:
    windows = svc.roster.import_availability(Path(a.file), a.contact, by=_by(a),
                                             cosigner=cosigner(a.cosign))
    print(f"imported {len(windows)} availability windows for {a.contact}")
    return windows


def _chain_set(a: argparse.Namespace, svc: Any) -> Any:
    members = svc.roster.set_chain(a.chain, a.names, by=_by(a), cosigner=cosigner(a.cosign))
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
    by = _by(a)
    start = parse_instant(a.from_, "from") if a.from_ else svc.ctx.clock.now()
    svc.roster.delegate(a.chain, a.name, start, parse_instant(a.until, "until"),
                        reason=a.reason or "", by=by)
    print(f"{a.chain}: delegated to {a.name} until {a.until}")
    return {"chain": a.chain, "delegate": a.name, "from": start, "until": a.until}


def register(r: Registry) -> None:
    """Every change here is an authority change: --as (with its passphrase) is needed
    once the database has an operator; before that it is in set-up."""
    cmd, as_, cosign = r.cmd, r.as_, r.cosign
    roster = r.group("roster")
    sp = cmd(roster, "import", _roster_import, "import .csv or .vcf contacts")
    sp.add_argument("file")
    as_(sp, required=False)
    cmd(roster, "list", _roster_list, "contacts and their availability now")

    operator = r.group("operator")
    sp = cmd(operator, "add", _operator_add, "make a contact an operator")
    sp.add_argument("name")
    sp.add_argument("--role", required=True,
                    help="commander, spokesperson, observer or facilitator")
    as_(sp, required=False)
    sp = cmd(operator, "role", _operator_role, "change an operator's role (a commander)")
    sp.add_argument("name")
    sp.add_argument("--role", required=True,
                    help="commander, spokesperson, observer or facilitator")
    as_(sp)
    sp = cmd(operator, "reset", _operator_reset,
             f"reset a forgotten passphrase: two commanders (new one from {ENV_NEW_PASSPHRASE})")
    sp.add_argument("name")
    as_(sp)
    cosign(sp)
    sp = cmd(operator, "passphrase", _operator_passphrase,
             f"change your own passphrase (new one from {ENV_NEW_PASSPHRASE})")
    as_(sp)

    avail = r.group("availability")
    sp = cmd(avail, "set", _availability_set, "record a window")
    sp.add_argument("name")
    sp.add_argument("status")
    sp.add_argument("--from", dest="from_", required=True, metavar="ISO")
    sp.add_argument("--until", required=True, metavar="ISO")
    sp.add_argument("--reachable", action="store_true")
    sp.add_argument("--note")
    as_(sp, required=False)
    cosign(sp)
    sp = cmd(avail, "import", _availability_import, "import busy times from an .ics file")
    sp.add_argument("file")
    sp.add_argument("--contact", required=True)
    as_(sp, required=False)
    cosign(sp)

    chain = r.group("chain")
    sp = cmd(chain, "set", _chain_set, "set a chain's members in order")
    sp.add_argument("chain")
    sp.add_argument("names", nargs="+")
    as_(sp, required=False)
    cosign(sp)
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
