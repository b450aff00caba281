"""The command line: a stable interface for scripts. Calls services, never the ORM.

One module per command group (``roster``, ``incidents``, ``messages``, ...),
each with a ``register(registry)``; this module builds the parser and runs it.
The top level names every command (``COMMANDS``), and a command's module is
imported, and its parsers built, only once the command line chooses it: a
call pays for the one command it runs, and ``--help`` still lists them all.

Exit codes: 0 ok, 1 unexpected error, 2 bad usage or input, 3 refused by
policy, 4 conflict with a concurrent change.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from commandcenter.domain.errors import CommandCenterError, ConflictError
from commandcenter.jsonable import jsonable

from .common import ENV_NEW_PASSPHRASE, ENV_PASSPHRASE, Parser, Registry, Streamed, UsageError

__all__ = ["ENV_NEW_PASSPHRASE", "ENV_PASSPHRASE", "UsageError", "build_parser", "main"]

# (command, its module in commandcenter.cli, help), in the order `commandcenter --help`
# lists them after `gui`. A module's register() fills every command it owns.
COMMANDS = (
    ("demo", "admin", "demo data"),
    ("db", "admin", "database maintenance"),
    ("roster", "roster", "contacts"),
    ("operator", "roster", "people who can sign in"),
    ("availability", "roster", "availability windows"),
    ("chain", "roster", "chains of command"),
    ("incident", "incidents", "incidents and timelines"),
    ("message", "messages", "public messages"),
    ("health", "health", "score health"),
    ("audit", "audit", "the audit log"),
    ("commitment", "commitments", "promises with due times; overdue ones alert"),
    ("change", "changes", "the change calendar: planned scoring changes and their notice"),
    ("mention", "mentions", "inbound mentions: import, rank, triage, reply"),
    ("drill", "drills", "tabletop exercises: scenarios, headless runs, reports"),
    ("export", "export", "export records to files"),
    ("paging", "paging", "paging the approver and escalating undecided reviews"),
)


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The top-level subcommands: the chosen one's parsers are built as it is parsed."""

    registry: Registry

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        self.registry.fill(values[0])
        super().__call__(parser, namespace, values, option_string)


def _gui(a: argparse.Namespace, settings: Any) -> int:
    if getattr(a, "drill", None):
        return _drill_gui(a)
    if getattr(a, "drill_replay", None):
        from pathlib import Path

        from commandcenter.ui.drill_replay import run_replay_gui

        return run_replay_gui(Path(a.drill_replay))
    demo, smoke, wall = (getattr(a, name, False) for name in ("demo", "smoke", "wall"))
    prefetch = None
    if not (smoke or wall):
        # Before PySide6 is imported: a forked child reads the first screen meanwhile.
        from commandcenter.ui import prefetch as reader

        prefetch = reader.start(settings, demo=demo)
    from commandcenter.ui.app import run_gui

    if wall:
        from commandcenter.ui.app import run_wall

        return run_wall(settings, demo=demo)
    return run_gui(settings, demo=demo, smoke=smoke, prefetch=prefetch)


def _drill_gui(a: argparse.Namespace) -> int:
    """``gui --drill SCENARIO``: the incident room on a new drill database and its clock."""
    from pathlib import Path

    from commandcenter.cli.drills import new_run_folder
    from commandcenter.drills.scenario import parse_scenario, read_text
    from commandcenter.ui.drill_room import run_drill_gui

    scenario = Path(a.drill)
    parsed = parse_scenario(read_text(scenario), str(scenario))
    live = None
    if parsed.live_roster:  # the live roster, read only, before anything is created
        from commandcenter.cli.drills import with_live_roster

        _resolved, live = with_live_roster(parsed, a.database_url, str(scenario))
    return run_drill_gui(scenario, Path(a.actions) if a.actions else None,
                         new_run_folder(parsed.name), live)


def build_parser(*, lazy: bool = False) -> Parser:
    """The whole parser; ``lazy``: each command's own parsers only once it is parsed."""
    p = Parser(prog="commandcenter", description="Incident command for a public scoring service")
    p.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in the user data dir)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    sub = p.add_subparsers(dest="command", parser_class=Parser, action=_Commands)
    registry = sub.registry = Registry(sub, "commandcenter.cli")
    g = registry.cmd(registry.sub, "gui", None, "open the window")
    g.add_argument("--demo", action="store_true", help="open a copy of the demo database")
    g.add_argument("--smoke", action="store_true",
                   help="self-test: open a throw-away demo database in the data directory, "
                        "render each panel, print one JSON line and exit")
    g.add_argument("--wall", action="store_true",
                   help="the wall display: full screen, read-only, no sign-in")
    g.add_argument("--drill", metavar="SCENARIO",
                   help="run a drill: the window on the drill's own database and clock")
    g.add_argument("--actions", metavar="FILE", help="with --drill: scripted player actions")
    g.add_argument("--drill-replay", metavar="RUN",
                   help="replay a finished drill's timeline (the run's folder)")
    for name, module, help_ in COMMANDS:
        registry.command(name, module, help_)
    if not lazy:
        for name, _module, _help in COMMANDS:
            registry.fill(name)
    return p


@functools.cache
def _parser() -> Parser:
    """Built once per process, filled as commands are chosen: scripts and tests call
    :func:`main` many times in one process."""
    return build_parser(lazy=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    want_json = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        _utf8_arguments(argv if argv is not None else sys.argv[1:])
        args = parser.parse_args(argv)
        from commandcenter.config import load_settings

        settings = load_settings(args.database_url)
        if args.command in (None, "gui"):
            return _gui(args, settings)
        if getattr(args, "offline", False):  # needs no database: no engine, no ORM import
            return _emit(_run(args, None), args.json)
        if getattr(args, "read_only", False):  # a listing: without SQLAlchemy if it can
            result = _run_read_only(args, settings)
            if result is not _FULL_PATH:
                return _emit(result, args.json)
        from commandcenter.app import build

        svc = build(settings)
        try:
            result = _run(args, svc)
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
        # One line: SQLAlchemy's messages go on with the statement and a link.
        first = next(iter(str(exc).splitlines()), "")
        print(f"error: unexpected {type(exc).__name__}: {first}", file=sys.stderr)
        return 1
    return _emit(result, args.json)


def _utf8_arguments(argv: Sequence[str]) -> None:
    """Bytes that are not UTF-8 arrive as lone surrogates, which no database stores."""
    for number, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"usage: argument {number} ({os.fsencode(arg)[:60]!r})"
                             " is not UTF-8 text") from None


def _run(args: argparse.Namespace, svc: Any) -> Any:
    if args.json:
        # --json: stdout carries the JSON document alone.
        with contextlib.redirect_stdout(io.StringIO()):
            return args.handler(args, svc)
    return args.handler(args, svc)


_FULL_PATH = object()


def _run_read_only(args: argparse.Namespace, settings: Any) -> Any:
    """A read-only command on the lite read path (services/read_only.py), or
    ``_FULL_PATH`` when that path declines: then nothing was printed, and the
    command runs on the full services as it always has."""
    from commandcenter.services.read_only import Unsuitable, open_read_only

    svc = open_read_only(settings)
    if svc is None:
        return _FULL_PATH
    out = io.StringIO()  # held back until the command has read everything
    try:
        with contextlib.redirect_stdout(out):
            result = args.handler(args, svc)
    except Unsuitable:
        return _FULL_PATH
    finally:
        svc.close()
    if not args.json:  # --json: stdout carries the JSON document alone
        sys.stdout.write(out.getvalue())
    return result


def _busy_conflict(exc: Exception) -> ConflictError | None:
    """Another writer held the database past the busy timeout: exit 4, not a crash."""
    from sqlalchemy.exc import OperationalError

    from commandcenter.persistence.uow import is_busy

    if isinstance(exc, OperationalError) and is_busy(exc):
        return ConflictError("conflict: the database is busy; try again")
    return None


def _emit(result: Any, as_json: bool) -> int:
    if isinstance(result, Streamed):
        for item in result.items:
            print(json.dumps(jsonable(result.as_json(item)), ensure_ascii=False) if as_json
                  else result.human(item), flush=True)
        return 0
    if as_json:
        print(json.dumps(jsonable(result), ensure_ascii=False, indent=None))
    return 0


def _fail(exc: CommandCenterError, as_json: bool) -> int:
    print(f"error: {exc}", file=sys.stderr)
    if as_json:
        doc = {"error": str(exc), "exit_code": exc.exit_code}
        result = getattr(exc, "result", None)  # e.g. audit verify's findings
        if result is not None:
            doc = {**jsonable(result), **doc}
        print(json.dumps(doc, ensure_ascii=False))
    return exc.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
