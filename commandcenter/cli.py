"""The command line: a stable interface for scripts. Calls services, never the ORM.

Exit codes: 0 ok, 1 unexpected error, 2 bad usage or input, 3 refused by
policy, 4 conflict with a concurrent change.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from commandcenter.domain.clock import format_utc, parse_instant
from commandcenter.domain.errors import CommandCenterError, ConflictError, InvalidInput
from commandcenter.jsonable import jsonable

ENV_PASSPHRASE = "COMMANDCENTER_PASSPHRASE"
# With --as, COMMANDCENTER_PASSPHRASE signs the commander in; this one is the new secret.
ENV_NEW_PASSPHRASE = "COMMANDCENTER_NEW_PASSPHRASE"

Handler = Callable[[argparse.Namespace, Any], Any]


class UsageError(InvalidInput):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"usage: {message}")


def passphrase(prompt: str = "Passphrase: ", confirm: bool = False) -> str:
    value = os.environ.get(ENV_PASSPHRASE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise InvalidInput(f"passphrase: set {ENV_PASSPHRASE} or run from a terminal")
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != value:
        raise InvalidInput("passphrase: the two entries differ")
    return value


def _new_passphrase(signed_in_with_env: bool) -> str:
    """The new operator's passphrase: COMMANDCENTER_NEW_PASSPHRASE, else as for sign-in.

    When COMMANDCENTER_PASSPHRASE already signed a commander in, it is not reused.
    """
    value = os.environ.get(ENV_NEW_PASSPHRASE)
    if value:
        return value
    if signed_in_with_env:
        if not sys.stdin.isatty():
            raise InvalidInput(f"passphrase: set {ENV_NEW_PASSPHRASE} for the new operator")
        return _prompt_twice()
    return passphrase("New passphrase: ", confirm=True)


def _prompt_twice() -> str:
    value = getpass.getpass("New passphrase: ")
    if getpass.getpass("Again: ") != value:
        raise InvalidInput("passphrase: the two entries differ")
    return value


def signed_in(svc: Any, name: str) -> str:
    """Check the operator's passphrase before acting in their name."""
    return svc.roster.sign_in(name, passphrase()).name


# --- handlers: each returns what --json prints; text goes to stdout -------------

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
                                 _new_passphrase(actor is not None and bool(
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


def _print_message(m: Any) -> None:
    extra = f", approved by {m.approved_by}" if m.approved_by else ""
    print(f"message {m.id} [{m.state.value}] {m.channel.value} r{m.revision}{extra}: {m.body}")


def _message_draft(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.domain.messages import Channel, Purpose

    m = svc.messages.draft(a.incident, Channel.parse(a.channel), a.body,
                           signed_in(svc, a.as_), title=a.title,
                           purpose=Purpose.parse(a.purpose))
    _print_message(m)
    return m


def _message_edit(a: argparse.Namespace, svc: Any) -> Any:
    m = svc.messages.edit(a.id, a.body, signed_in(svc, a.as_), title=a.title)
    _print_message(m)
    return m


def _message_simple(verb: str) -> Handler:
    def run(a: argparse.Namespace, svc: Any) -> Any:
        m = getattr(svc.messages, verb)(a.id, signed_in(svc, a.as_))
        _print_message(m)
        return m

    return run


def _message_approve(a: argparse.Namespace, svc: Any) -> Any:
    m = svc.messages.approve(a.id, a.as_, passphrase())
    _print_message(m)
    return m


def _message_reject(a: argparse.Namespace, svc: Any) -> Any:
    m = svc.messages.reject(a.id, a.reason, signed_in(svc, a.as_))
    _print_message(m)
    return m


def _message_list(a: argparse.Namespace, svc: Any) -> Any:
    rows = svc.messages.list(a.incident)
    for m in rows:
        _print_message(m)
    return rows


def _message_show(a: argparse.Namespace, svc: Any) -> Any:
    m = svc.messages.get(a.id)
    _print_message(m)
    return m


def _audit_verify(a: argparse.Namespace, svc: Any) -> Any:
    r = svc.audit.verify()
    if r.ok:
        print(f"audit log intact: {r.records} records, head {r.head_hash}")
        return r
    for p in r.problems:
        print(p, file=sys.stderr)
    raise AuditBroken(f"audit: {len(r.problems)} problem(s) found; the log was tampered with",
                      r)


class AuditBroken(CommandCenterError):
    exit_code = 3

    def __init__(self, message: str, result: Any) -> None:
        super().__init__(message)
        self.result = result


def _demo_load(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.services.demo import load_demo

    summary = load_demo(svc)
    print(f"demo loaded: {summary['contacts']} contacts, {summary['incidents']} incidents; "
          f"operators' passphrase is {summary['passphrase']!r}")
    return summary


def _db_upgrade(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.persistence.migrate import current_revision

    rev = current_revision(svc.engine)
    print(f"schema at {rev}" + (f" (backup: {svc.backup})" if svc.backup else ""))
    return {"revision": rev, "backup": str(svc.backup) if svc.backup else None}


def _db_backup(a: argparse.Namespace, svc: Any) -> Any:
    from commandcenter.persistence.migrate import backup_sqlite, sqlite_path

    path = sqlite_path(svc.engine)
    if path is None:
        raise InvalidInput("backup: only SQLite files can be backed up here; use pg_dump")
    target = backup_sqlite(path, Path(a.path))
    print(f"backed up to {target}")
    return {"backup": str(target)}


def _gui(a: argparse.Namespace, settings: Any) -> int:
    from commandcenter.ui.app import run_gui

    return run_gui(settings, demo=getattr(a, "demo", False))


def build_parser() -> Parser:
    p = Parser(prog="commandcenter", description="Incident command for a public scoring service")
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in the user data dir)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    sub = p.add_subparsers(dest="command", parser_class=Parser)

    def cmd(parent: Any, name: str, handler: Handler | None, help_: str) -> Parser:
        sp = parent.add_parser(name, help=help_)
        sp.set_defaults(handler=handler)
        return sp

    def group(name: str, help_: str) -> Any:
        return sub.add_parser(name, help=help_).add_subparsers(dest="action", required=True,
                                                               parser_class=Parser)

    def as_(sp: Parser, required: bool = True) -> None:
        sp.add_argument("--as", dest="as_", required=required, metavar="NAME",
                        help="the operator acting")

    g = cmd(sub, "gui", None, "open the window")
    g.add_argument("--demo", action="store_true", help="open a copy of the demo database")

    demo = group("demo", "demo data")
    cmd(demo, "load", _demo_load, "load the fictional scoring company")

    db = group("db", "database maintenance")
    cmd(db, "upgrade", _db_upgrade, "migrate the schema (after a backup)")
    cmd(db, "backup", _db_backup, "copy the database").add_argument("path")

    roster = group("roster", "contacts")
    sp = cmd(roster, "import", _roster_import, "import .csv or .vcf contacts")
    sp.add_argument("file")
    as_(sp, required=False)
    cmd(roster, "list", _roster_list, "contacts and their availability now")

    operator = group("operator", "people who can sign in")
    sp = cmd(operator, "add", _operator_add, "make a contact an operator")
    sp.add_argument("name")
    sp.add_argument("--role", required=True,
                    help="commander, spokesperson, observer or facilitator")
    as_(sp, required=False)

    avail = group("availability", "availability windows")
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

    chain = group("chain", "chains of command")
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

    inc = group("incident", "incidents and timelines")
    sp = cmd(inc, "open", _incident_open, "declare an incident")
    sp.add_argument("title")
    sp.add_argument("--severity", required=True, metavar="SEV1..SEV4")
    sp.add_argument("--kind", default="scoring")
    sp.add_argument("--drill", action="store_true")
    as_(sp)
    cmd(inc, "list", _incident_list, "all incidents")
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

    msg = group("message", "public messages")
    sp = cmd(msg, "draft", _message_draft, "draft a message")
    sp.add_argument("incident", type=int)
    sp.add_argument("--channel", required=True)
    sp.add_argument("--body", required=True)
    sp.add_argument("--title")
    sp.add_argument("--purpose", default="other")
    as_(sp)
    sp = cmd(msg, "edit", _message_edit, "edit (voids any approval)")
    sp.add_argument("id", type=int)
    sp.add_argument("--body", required=True)
    sp.add_argument("--title")
    as_(sp)
    for verb in ("submit", "publish", "withdraw"):
        sp = cmd(msg, verb, _message_simple(verb), f"{verb} a message")
        sp.add_argument("id", type=int)
        as_(sp)
    sp = cmd(msg, "approve", _message_approve, "approve as the communications chain's owner")
    sp.add_argument("id", type=int)
    as_(sp)
    sp = cmd(msg, "reject", _message_reject, "reject with a reason")
    sp.add_argument("id", type=int)
    sp.add_argument("--reason", required=True)
    as_(sp)
    cmd(msg, "list", _message_list, "an incident's messages").add_argument("incident", type=int)
    cmd(msg, "show", _message_show, "one message").add_argument("id", type=int)

    from commandcenter import cli_health

    cli_health.register(group, cmd)

    audit = group("audit", "the audit log")
    cmd(audit, "verify", _audit_verify, "check the hash chain")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    want_json = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        args = parser.parse_args(argv)
        from commandcenter.config import load_settings

        settings = load_settings(args.database_url)
        if args.command in (None, "gui"):
            return _gui(args, settings)
        from commandcenter.app import build

        svc = build(settings)
        try:
            if args.json:
                # --json: stdout carries the JSON document alone.
                with contextlib.redirect_stdout(io.StringIO()):
                    result = args.handler(args, svc)
            else:
                result = args.handler(args, svc)
        finally:
            svc.close()
    except CommandCenterError as exc:
        return _fail(exc, want_json)
    except BrokenPipeError:
        # `commandcenter health detect FILE | head` is fine: the reader had enough.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    except Exception as exc:  # the one place that turns surprises into exit code 1
        busy = _busy_conflict(exc)
        if busy is not None:
            return _fail(busy, want_json)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return _emit(result, args.json)


def _busy_conflict(exc: Exception) -> ConflictError | None:
    """Another writer held the database past the busy timeout: exit 4, not a crash."""
    from sqlalchemy.exc import OperationalError

    from commandcenter.persistence.uow import is_busy

    if isinstance(exc, OperationalError) and is_busy(exc):
        return ConflictError("conflict: the database is busy; try again")
    return None


def _emit(result: Any, as_json: bool) -> int:
    if as_json:
        print(json.dumps(jsonable(result), ensure_ascii=False, indent=None))
    return 0


def _fail(exc: CommandCenterError, as_json: bool) -> int:
    print(f"error: {exc}", file=sys.stderr)
    if as_json:
        print(json.dumps({"error": str(exc), "exit_code": exc.exit_code}))
    return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
