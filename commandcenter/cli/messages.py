"""``message``: draft, edit, submit, approve, reject, publish, withdraw, list, show."""

from __future__ import annotations

import argparse
import re
from typing import Any

from .common import Handler, Registry, UsageError, passphrase, signed_in

# As few as 12 hex digits (48 bits) are accepted so that a person can read and type them;
# the full 64 pin the text against anyone able to search for a colliding prefix.
MIN_HASH_PREFIX = 12
_HEX = re.compile(r"[0-9a-f]+")


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
    m = svc.messages.edit(a.id, a.body, signed_in(svc, a.as_), title=a.title,
                          expected_version=a.expect_version)
    _print_message(m)
    return m


def _message_simple(verb: str) -> Handler:
    def run(a: argparse.Namespace, svc: Any) -> Any:
        m = getattr(svc.messages, verb)(a.id, signed_in(svc, a.as_))
        _print_message(m)
        return m

    return run


def _expected_hash(value: str) -> str:
    """``--expect-hash``: the content hash, or a prefix of it, as ``message show`` prints it."""
    digest = value.strip().lower()
    if not (MIN_HASH_PREFIX <= len(digest) <= 64 and _HEX.fullmatch(digest)):
        raise UsageError(f"usage: --expect-hash: {value!r} is not a content hash: give at "
                         f"least {MIN_HASH_PREFIX} of its hex digits, as 'message show' "
                         "prints it")
    return digest


def _message_approve(a: argparse.Namespace, svc: Any) -> Any:
    expected = None
    if a.expect_hash is not None:
        from commandcenter.domain.errors import PolicyRefused

        pinned = _expected_hash(a.expect_hash)
        current = svc.messages.get(a.id).content_hash
        if not current.startswith(pinned):
            raise PolicyRefused(f"approve: the text changed since it was shown to you "
                                f"(you read content hash {pinned}, it is now "
                                f"{current[:len(pinned)]}); read it again with "
                                f"'message show {a.id}'")
        # The service compares the whole hash inside the approval's transaction, so an
        # edit after this read is refused there too.
        expected = current
    m = svc.messages.approve(a.id, a.as_, passphrase(), expected_hash=expected)
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
    print(f"content hash: {m.content_hash}")
    return m


def register(r: Registry) -> None:
    cmd, as_ = r.cmd, r.as_
    msg = r.group("message")
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
    sp.add_argument("--expect-version", type=int, metavar="N",
                    help="refuse (exit 4) unless the message is still at version N "
                         "(as 'message show --json' reported it)")
    as_(sp)
    for verb in ("submit", "publish", "withdraw"):
        sp = cmd(msg, verb, _message_simple(verb), f"{verb} a message")
        sp.add_argument("id", type=int)
        as_(sp)
    sp = cmd(msg, "approve", _message_approve, "approve as the communications chain's owner")
    sp.add_argument("id", type=int)
    sp.add_argument("--expect-hash", metavar="HASH",
                    help="refuse (exit 3) unless the text still has this content hash "
                         f"(the full hash or its first {MIN_HASH_PREFIX}+ hex digits, as "
                         "'message show' prints it)")
    as_(sp)
    sp = cmd(msg, "reject", _message_reject, "reject with a reason")
    sp.add_argument("id", type=int)
    sp.add_argument("--reason", required=True)
    as_(sp)
    sp = cmd(msg, "list", _message_list, "an incident's messages")
    sp.add_argument("incident", type=int)
    sp.set_defaults(read_only=True)  # the lite read path (services/read_only.py)
    cmd(msg, "show", _message_show, "one message").add_argument("id", type=int)
