"""Errors the domain and services raise; the CLI maps each to an exit code."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class CommandCenterError(Exception):
    """Base class: an expected failure with a message fit for a user."""

    exit_code = 1


class InvalidInput(CommandCenterError):
    """Bad input: the message names the field or line at fault (exit 2)."""

    exit_code = 2


class NotFound(InvalidInput):
    """A referenced thing does not exist (exit 2)."""


class PolicyRefused(CommandCenterError):
    """Refused by policy: approval rule, permission, drill isolation (exit 3)."""

    exit_code = 3


class ConflictError(CommandCenterError):
    """Somebody else changed the same thing first (exit 4)."""

    exit_code = 4

    def __init__(self, message: str, *, mine: object = None, theirs: object = None) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs


def parse_choice(
    cls: type[E], text: str, field: str, aliases: dict[str, str] | None = None
) -> E:
    """Look ``text`` up in a StrEnum, forgiving case, spaces and dashes."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = (aliases or {}).get(key, key)
    for candidate in (key, key.upper()):
        try:
            return cls(candidate)
        except ValueError:
            pass
    names = ", ".join(m.value for m in cls)
    raise InvalidInput(f"{field}: {text!r} is not one of {names}")
