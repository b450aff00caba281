"""What every command group shares: the parser, passphrases, sign-in, registration helpers."""

from __future__ import annotations

import argparse
import getpass
import importlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from commandcenter.domain.errors import InvalidInput

ENV_PASSPHRASE = "COMMANDCENTER_PASSPHRASE"
# With --as, COMMANDCENTER_PASSPHRASE signs the commander in; this one is the new secret.
ENV_NEW_PASSPHRASE = "COMMANDCENTER_NEW_PASSPHRASE"
# The second commander's passphrase, for changes that need a co-signature (--cosign).
ENV_COSIGN_PASSPHRASE = "COMMANDCENTER_COSIGN_PASSPHRASE"

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


def new_passphrase(signed_in_with_env: bool) -> str:
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


def credentials(name: str | None) -> Any:
    """``--as NAME`` with its passphrase, for the service to check; None without --as."""
    if not name:
        return None
    from commandcenter.services.authority import Credentials

    return Credentials(name, passphrase())


def cosigner(name: str | None) -> Any:
    """``--cosign NAME``: the second commander, passphrase from COMMANDCENTER_COSIGN_PASSPHRASE."""
    if not name:
        return None
    from commandcenter.services.authority import Credentials

    value = os.environ.get(ENV_COSIGN_PASSPHRASE)
    if not value:
        if not sys.stdin.isatty():
            raise InvalidInput(f"passphrase: set {ENV_COSIGN_PASSPHRASE} for the co-signer")
        value = getpass.getpass(f"{name}'s passphrase (co-signing): ")
    return Credentials(name, value)


def signed_in(svc: Any, name: str) -> str:
    """Check the operator's passphrase before acting in their name."""
    return svc.roster.sign_in(name, passphrase()).name


class Streamed:
    """The output of a command that unfolds over time (``drill replay --speed N``): each
    item printed as it comes, in words or, with --json, one JSON object per line."""

    def __init__(self, items: Any, human: Callable[[Any], str],
                 as_json: Callable[[Any], Any] = lambda item: item) -> None:
        self.items, self.human, self.as_json = items, human, as_json


class Registry:
    """Adds command groups and commands to the top-level parser.

    Each group is named up front (:meth:`command`: its name and help, enough for
    ``--help`` and usage errors); :meth:`fill` imports the module that owns it and lets
    its ``register`` add the group's commands, once.
    """

    def __init__(self, sub: Any, package: str = "") -> None:
        self.sub = sub
        self._package = package
        self._groups: dict[str, Parser] = {}
        self._owners: dict[str, str] = {}
        self._filled: set[str] = set()
        self._lock = threading.Lock()  # main() may run in several threads of one process

    def command(self, name: str, module: str, help_: str) -> None:
        self._groups[name] = self.sub.add_parser(name, help=help_)
        self._owners[name] = module

    def fill(self, name: str) -> None:
        module = self._owners.get(name)
        if module is None or module in self._filled:
            return
        with self._lock:
            if module not in self._filled:
                importlib.import_module(f"{self._package}.{module}").register(self)
                self._filled.add(module)

    def group(self, name: str) -> Any:
        return self._groups[name].add_subparsers(
            dest="action", required=True, parser_class=Parser)

    @staticmethod
    def cmd(parent: Any, name: str, handler: Handler | None, help_: str) -> Parser:
        sp = parent.add_parser(name, help=help_)
        sp.set_defaults(handler=handler)
        return sp

    @staticmethod
    def as_(sp: Parser, required: bool = True) -> None:
        sp.add_argument("--as", dest="as_", required=required, metavar="NAME",
                        help="the operator acting")

    @staticmethod
    def cosign(sp: Parser) -> None:
        sp.add_argument("--cosign", metavar="NAME",
                        help="a second commander who co-signs (passphrase from "
                             f"{ENV_COSIGN_PASSPHRASE})")
