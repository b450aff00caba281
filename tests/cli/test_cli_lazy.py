"""A command loads only what it runs, and the command line it offers stays the same.

``main`` builds each command's parsers (and imports its module) only once the
command is chosen; ``build_parser()`` builds them all up front, as before.
Every help screen, top level and each command, is the same both ways.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.app import Services
from commandcenter.cli import COMMANDS, build_parser
from commandcenter.cli.common import UsageError
from tests.services.support import ALICE

from .conftest import Cli


def _paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
           ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _paths(sub, (*prefix, name))


def _help_of(parser: argparse.ArgumentParser, argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        parser.parse_args([*argv, "--help"])
    assert exit_.value.code == 0
    return out.getvalue()


def test_every_help_screen_is_the_same_whether_built_up_front_or_on_demand(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    eager = dict(_paths(build_parser()))
    assert len(eager) > 60  # every group and every command, not just the top level
    lazy = build_parser(lazy=True)
    assert _help_of(lazy, []) == eager[()].format_help()
    for path, parser in eager.items():
        # A fresh parser for each: the first command parsed is the one built.
        assert _help_of(build_parser(lazy=True), list(path)) == parser.format_help(), path
        assert _help_of(lazy, list(path)) == parser.format_help(), path  # once filled


def test_the_top_level_names_every_command_in_order() -> None:
    eager = build_parser()
    [sub] = [a for a in eager._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(sub.choices) == ["gui", *(name for name, _module, _help in COMMANDS)]
    helps = {c.dest: c.help for c in sub._choices_actions}
    for name, _module, help_ in COMMANDS:
        assert helps[name] == help_
        group = sub.choices[name]
        [actions] = [a for a in group._actions if isinstance(a, argparse._SubParsersAction)]
        assert actions.choices, f"{name} has no commands"  # its module registered it


@pytest.mark.parametrize("argv", [
    ["nosuch"], ["incident"], ["incident", "nosuch"], ["incident", "show", "x"],
    ["roster", "add"], ["incident", "list", "--bogus"], ["--bogus"], ["db"],
])
def test_usage_errors_are_the_same_both_ways(argv: list[str]) -> None:
    def error(parser: argparse.ArgumentParser) -> str:
        with pytest.raises(UsageError) as exc:
            parser.parse_args(argv)
        return str(exc.value)

    assert error(build_parser(lazy=True)) == error(build_parser())


@pytest.mark.parametrize("argv", [
    ["--json", "incident", "list"],
    ["incident", "note", "3", "some text", "--decision", "--as", "Ada"],
    ["--database-url", "sqlite://", "roster", "import", "f.csv"],
    ["chain", "delegate", "comms", "Bo", "--until", "2026-01-01T00:00Z", "--as", "Ada"],
    ["gui", "--demo"],
])
def test_arguments_parse_to_the_same_values_both_ways(argv: list[str]) -> None:
    assert vars(build_parser(lazy=True).parse_args(argv)) == vars(build_parser().parse_args(argv))


PROBE = """
import contextlib, io, json, sys
from commandcenter.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""

NEVER_FOR_A_LISTING = ("alembic", "numpy", "pyarrow", "PySide6", "pyqtgraph", "argon2",
                       "cryptography", "commandcenter.ui", "commandcenter.persistence.migrate",
                       "commandcenter.services.messages", "commandcenter.services.health")


def _probe(*argv: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def test_incident_list_loads_neither_migrations_nor_numpy_nor_qt(
        cli: Cli, company: Services, backend: str) -> None:
    opened = cli("incident", "open", "Scores halved overnight", "--severity", "sev1",
                 "--as", ALICE, as_json=True)
    assert opened.code == 0, opened.err
    run = _probe("--database-url", cli.url, "--json", "incident", "list")
    assert run["code"] == 0
    assert run["out"] == cli("incident", "list", as_json=True).out  # the same document
    assert [i["title"] for i in json.loads(run["out"])] == ["Scores halved overnight"]
    loaded = run["modules"]
    heavy = [m for m in loaded if any(m == n or m.startswith(f"{n}.")
                                      for n in NEVER_FOR_A_LISTING)]
    assert heavy == []
    others = [f"commandcenter.cli.{module}" for _name, module, _help in COMMANDS
              if module != "incidents"]
    assert "commandcenter.cli.incidents" in loaded
    assert [m for m in others if m in loaded] == []
    # On an up-to-date SQLite file it reads through the lite path, without SQLAlchemy
    # (tests/cli/test_cli_lite_read.py); elsewhere the persistence layer itself stays.
    assert ("sqlalchemy" in loaded) is (backend != "sqlite")


def test_reading_the_roster_mentions_or_messages_loads_no_numpy_nor_crypto(
        cli: Cli, company: Services) -> None:
    opened = cli("incident", "open", "Scores halved overnight", "--severity", "sev1",
                 "--as", ALICE, as_json=True)
    assert opened.code == 0, opened.err
    incident = str(opened.json()["id"])
    for argv in (["roster", "list"], ["mention", "list", incident],
                 ["message", "list", incident]):
        run = _probe("--database-url", cli.url, "--json", *argv)
        assert run["code"] == 0, argv
        assert run["out"] == cli(*argv, as_json=True).out
        heavy = [m for m in run["modules"] if m.split(".")[0] in
                 ("numpy", "alembic", "PySide6", "argon2", "cryptography", "pyarrow")]
        assert heavy == [], argv


def test_top_level_help_loads_no_command_module(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys, contextlib, io\n"
         "from commandcenter.cli import main\n"
         "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
         "    main(['--help'])\n"
         "print(sorted(m for m in sys.modules if m.startswith('commandcenter.cli.')\n"
         "             and m != 'commandcenter.cli.common'))"],
        capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
