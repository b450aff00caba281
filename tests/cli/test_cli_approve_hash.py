"""``message approve --expect-hash``: the approver signs the text they read, or nothing."""

from __future__ import annotations

import pytest

from commandcenter.app import Services
from commandcenter.services.messages import MessageService
from tests.services.support import BOB, CAROL, approvals, in_review, open_incident

from .conftest import Cli


def shown_hash(cli: Cli, mid: int) -> str:
    """The content hash as the approver reads it from ``message show``."""
    r = cli("message", "show", str(mid))
    assert r.code == 0, r.err
    [line] = [x for x in r.out.splitlines() if x.startswith("content hash: ")]
    return line.removeprefix("content hash: ")


def test_message_show_prints_the_content_hash_the_service_signs(cli: Cli,
                                                                company: Services) -> None:
    mid = in_review(company, open_incident(company))
    assert shown_hash(cli, mid) == company.messages.get(mid).content_hash
    assert cli("message", "show", str(mid), as_json=True).json()["content_hash"] == \
        company.messages.get(mid).content_hash


@pytest.mark.parametrize("digits", [12, 20, 64])
def test_approve_with_the_hash_read_approves(cli: Cli, company: Services, digits: int) -> None:
    mid = in_review(company, open_incident(company))
    pinned = shown_hash(cli, mid)[:digits]
    r = cli("message", "approve", str(mid), "--expect-hash", pinned.upper(), "--as", CAROL,
            as_json=True)
    assert r.code == 0, r.err
    assert r.json()["approved_by"] == CAROL
    assert r.json()["state"] == "approved"
    [approval] = approvals(company, mid)
    assert approval.content_hash.startswith(pinned)


def test_text_edited_after_show_is_refused_with_exit_3(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    mid = in_review(company, incident, "Scores dropped; we are on it.")
    pinned = shown_hash(cli, mid)[:12]
    # Between the approver's 'message show' and 'message approve', the author rewrites it
    # and submits it again: the message is in review, with words the approver never read.
    company.messages.edit(mid, "Scores are fine.", BOB)
    company.messages.submit(mid, BOB)
    r = cli("message", "approve", str(mid), "--expect-hash", pinned, "--as", CAROL,
            as_json=True)
    assert r.code == 3, (r.code, r.out, r.err)
    assert "the text changed since it was shown to you" in r.error_line
    assert pinned in r.error_line
    assert r.json()["exit_code"] == 3
    assert approvals(company, mid) == []
    assert company.messages.get(mid).state.value == "in_review"


def test_an_edit_after_the_command_read_the_hash_is_refused_in_the_transaction(
    cli: Cli, company: Services, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The prefix is checked against a read; the approval itself compares the whole hash."""
    mid = in_review(company, open_incident(company), "Scores dropped; we are on it.")
    pinned = shown_hash(cli, mid)
    real_get = MessageService.get

    def get_then_edit(self: MessageService, message_id: int) -> object:
        view = real_get(self, message_id)
        company.messages.edit(mid, "Scores are fine.", BOB)
        company.messages.submit(mid, BOB)
        return view

    monkeypatch.setattr(MessageService, "get", get_then_edit)
    r = cli("message", "approve", str(mid), "--expect-hash", pinned, "--as", CAROL)
    assert r.code == 3, (r.code, r.out, r.err)
    assert "the text changed since it was shown to you" in r.error_line
    assert approvals(company, mid) == []


@pytest.mark.parametrize("value", ["4cccadfb32e", "not-a-hash-at-all", "g" * 12, "a" * 65, ""])
def test_a_malformed_hash_is_bad_input(cli: Cli, company: Services, value: str) -> None:
    mid = in_review(company, open_incident(company))
    r = cli("message", "approve", str(mid), "--expect-hash", value, "--as", CAROL)
    assert r.code == 2, (r.code, r.out, r.err)
    assert "--expect-hash" in r.error_line and "is not a content hash" in r.error_line
    assert approvals(company, mid) == []


def test_without_the_option_approve_is_unchanged(cli: Cli, company: Services) -> None:
    mid = in_review(company, open_incident(company))
    r = cli("message", "approve", str(mid), "--as", CAROL, as_json=True)
    assert r.code == 0, r.err
    assert r.json()["approved_by"] == CAROL
