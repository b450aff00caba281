"""Errors the domain and services raise; the CLI maps each to an exit code."""

from __future__ import annotations


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
