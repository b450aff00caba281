"""The red team's audit attacks (issue 7, item 5), each found, and the anchor that outlasts
an attacker who holds the audit key too."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from commandcenter.app import Services
from commandcenter.domain.audit import AuditKey, head_signature, record_hash
from commandcenter.domain.messages import Channel, content_hash
from commandcenter.persistence import audit_guard
from commandcenter.persistence.models import AuditHeadRow, AuditRow, PublicationRow
from tests.services.support import (
    ALICE,
    BOB,
    CAROL,
    PASS,
    count,
    in_review,
    message_state,
    open_incident,
    publications,
)
from tests.tamper import unguard

from .conftest import Cli
from .test_cli_audit import history


def published(svc: Services, body: str = "We know scores dropped.") -> int:
    mid = in_review(svc, open_incident(svc), body)
    svc.messages.approve(mid, CAROL, PASS)
    svc.messages.publish(mid, BOB)
    return mid


def rechain(svc: Services, key: AuditKey | None, edit: dict[int, str]) -> None:
    """Rewrite payloads of the records in ``edit`` and recompute every hash and the head,
    as someone who can write the database would: with the key only if ``key``."""
    with svc.ctx.uow() as uow:  # read through the ORM, for the stored times as written
        rows = [(r.seq, r.at, r.actor, r.action, r.entity, r.entity_id, r.payload)
                for r in uow.session.execute(select(AuditRow).order_by(AuditRow.seq))
                .scalars()]
    with svc.engine.begin() as conn:
        unguard(conn)
        prev = "0" * 64
        for seq, at, actor, action, entity, entity_id, payload in rows:
            payload = edit.get(seq, payload)
            h = record_hash(prev, seq, at, actor, action, entity, entity_id, payload, key)
            conn.execute(text("UPDATE audit_log SET payload = :p, prev_hash = :prev, "
                              "hash = :h WHERE seq = :s"),
                         {"p": payload, "prev": prev, "h": h, "s": seq})
            prev = h
        sig = head_signature(key, len(rows), prev) if key else None
        conn.execute(text("UPDATE audit_head SET seq = :n, hash = :h, signature = :sig"),
                     {"n": len(rows), "h": prev, "sig": sig})


def test_a_deleted_head_row_is_a_finding_and_writes_refuse_with_exit_3(
    cli: Cli, company: Services,
) -> None:
    n = history(company)
    with company.engine.begin() as conn:  # cut the tail and remove the head that shows it
        unguard(conn)
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": n})
        conn.execute(text("DELETE FROM audit_head"))
    r = cli("audit", "verify")
    assert r.code == 3
    assert "head record is missing" in r.err
    note = cli("incident", "note", "1", "Still investigating", "--as", ALICE)
    assert note.code == 3, note.err
    assert "head record is missing" in note.error_line


def test_a_message_rewritten_with_its_hashes_is_found(cli: Cli, company: Services) -> None:
    history(company)
    mid = published(company, "Scores are back.")
    forged = "Scores were never wrong."
    digest = content_hash(Channel.X, None, forged)
    with company.engine.begin() as conn:
        unguard(conn)
        conn.execute(text("UPDATE messages SET body = :b, content_hash = :h WHERE id = :m"),
                     {"b": forged, "h": digest, "m": mid})
        conn.execute(text("UPDATE message_revisions SET body = :b, content_hash = :h "
                          "WHERE message_id = :m"), {"b": forged, "h": digest, "m": mid})
        conn.execute(text("UPDATE approvals SET content_hash = :h WHERE message_id = :m"),
                     {"h": digest, "m": mid})
        conn.execute(text("UPDATE publications SET content_hash = :h WHERE message_id = :m"),
                     {"h": digest, "m": mid})
    r = cli("audit", "verify", as_json=True)
    assert r.code == 3
    doc = r.json()
    assert doc["ok"] is False and doc["exit_code"] == 3
    assert any(p.startswith(f"message {mid}:") and "rewritten" in p for p in doc["problems"])


def test_publish_refuses_while_the_chain_is_broken(cli: Cli, company: Services) -> None:
    history(company)
    mid = in_review(company, open_incident(company))
    company.messages.approve(mid, CAROL, PASS)
    with company.engine.begin() as conn:
        unguard(conn)
        conn.execute(text("UPDATE audit_log SET actor = 'Mallory' WHERE seq = 3"))
    before = count(company, AuditRow)
    r = cli("message", "publish", str(mid), "--as", BOB)
    assert r.code == 3, r.err
    assert "audit log is broken" in r.error_line
    assert publications(company, mid) == 0
    assert message_state(company, mid) == "approved"
    assert count(company, AuditRow) == before


def test_a_chain_recomputed_without_the_key_is_found(cli: Cli, company: Services) -> None:
    """Today's unkeyed SHA-256 chain could be recomputed by anyone who can write the file."""
    n = history(company)
    rechain(company, None, {n // 2: json.dumps({"text": "nothing happened"})})
    r = cli("audit", "verify")
    assert r.code == 3
    assert "not keyed" in r.err


def test_the_anchor_outlasts_an_attacker_holding_the_audit_key(
    cli: Cli, company: Services, tmp_path: Path,
) -> None:
    history(company)
    anchor = tmp_path / "kept-elsewhere" / "anchor.json"
    made = cli("audit", "anchor", str(anchor), as_json=True)
    assert made.code == 0, made.err
    doc = made.json()
    assert doc["seq"] == count(company, AuditRow)
    assert json.loads(anchor.read_text()) == doc
    published(company, "Later words.")  # the log grows after the anchor
    ok = cli("audit", "verify", "--anchor", str(anchor))
    assert ok.code == 0, ok.err
    assert f"nothing up to anchored record {doc['seq']} changed" in ok.out
    # With the key as well, history before the anchor can be rewritten and re-chained...
    rechain(company, company.ctx.audit_key, {2: json.dumps({"text": "nothing happened"})})
    assert cli("audit", "verify").code == 0
    # ...but not past the anchor kept elsewhere.
    r = cli("audit", "verify", "--anchor", str(anchor))
    assert r.code == 3
    assert f"record {doc['seq']} is not the anchored head" in r.err


def test_an_edited_anchor_file_is_refused(cli: Cli, company: Services, tmp_path: Path) -> None:
    history(company)
    anchor = tmp_path / "anchor.json"
    assert cli("audit", "anchor", str(anchor)).code == 0
    doc = json.loads(anchor.read_text())
    doc["seq"] -= 1
    anchor.write_text(json.dumps(doc))
    r = cli("audit", "verify", "--anchor", str(anchor))
    assert r.code == 3
    assert "anchor: its signature does not match" in r.err
    missing = cli("audit", "verify", "--anchor", str(tmp_path / "nowhere.json"))
    assert missing.code == 2
    assert "does not exist" in missing.error_line


def test_rows_slipped_in_behind_the_app_are_found(cli: Cli, company: Services) -> None:
    """Approvals, keys, passphrases, chains and delegations: each against the log."""
    mid = in_review(company, open_incident(company))
    mallory_hash = company.ctx.passphrases.hash("mallory's own")
    with company.engine.begin() as conn:
        unguard(conn)
        op = conn.execute(text("SELECT o.id FROM operators o JOIN contacts c ON "
                               "c.id = o.contact_id WHERE c.name = :n"), {"n": CAROL}).scalar()
        conn.execute(text("UPDATE operators SET passphrase_hash = :h WHERE id = :o"),
                     {"h": mallory_hash, "o": op})
        conn.execute(text("UPDATE operator_keys SET public_key = :k WHERE operator_id = :o"),
                     {"k": "11" * 32, "o": op})
        conn.execute(text("UPDATE chain_members SET position = position + 10"))
        conn.execute(text("UPDATE chain_members SET position = 20 - position"))
        carol = conn.execute(text("SELECT id FROM contacts WHERE name = :n"),
                             {"n": CAROL}).scalar()
        conn.execute(text(
            "INSERT INTO approvals (message_id, revision, content_hash, approver_id, "
            "approved_at, owner_evidence) SELECT id, revision, content_hash, :c, created_at, '' "
            "FROM messages WHERE id = :m"), {"c": carol, "m": mid})
    r = cli("audit", "verify", as_json=True)
    assert r.code == 3
    problems = "\n".join(r.json()["problems"])
    assert "the stored passphrase is not the one the log recorded" in problems
    assert "not the key registered in the audit log" in problems
    assert "chain communications: members" in problems
    assert "not in the audit log (added behind the app's back)" in problems
    assert hashlib  # (kept for readers: fingerprints are SHA-256 of the stored hash)
    assert count(company, PublicationRow) == 0


def test_the_audit_log_refuses_updates_and_deletes_in_the_database(company: Services) -> None:
    history(company)
    for statement in ("UPDATE audit_log SET actor = 'Mallory' WHERE seq = 3",
                      "DELETE FROM audit_log WHERE seq = 3"):
        with pytest.raises(DBAPIError, match="append-only"), company.engine.begin() as conn:
            conn.execute(text(statement))
    assert cli_free_verify(company)


def cli_free_verify(svc: Services) -> bool:
    return svc.audit.verify().ok


def test_a_failed_verification_makes_publish_check_the_whole_log_again(
    cli: Cli, company: Services,
) -> None:
    """Between whole-log verifications publish checks the records since the last one; an
    edit made with the triggers dropped and put back is caught by the next verification,
    and from then on publish refuses until the log verifies."""
    history(company)
    assert cli("audit", "verify").code == 0  # the checkpoint: everything so far verified
    mid = in_review(company, open_incident(company))
    company.messages.approve(mid, CAROL, PASS)
    with company.engine.begin() as conn:
        unguard(conn)
        conn.execute(text("UPDATE audit_log SET actor = 'Mallory' WHERE seq = 3"))
        audit_guard.install(conn)
    assert cli("audit", "verify").code == 3
    r = cli("message", "publish", str(mid), "--as", BOB)
    assert r.code == 3 and "audit log is broken" in r.error_line
    assert publications(company, mid) == 0


def test_publish_checks_only_the_records_since_the_last_verification(
    company: Services,
) -> None:
    history(company)
    assert company.audit.verify().ok
    with company.ctx.uow() as uow:
        head = uow.session.get(AuditHeadRow, 1)
        verified, seq = head.verified_seq, head.seq
    assert verified == seq
    mid = in_review(company, open_incident(company))
    company.messages.approve(mid, CAROL, PASS)
    company.messages.publish(mid, BOB)
    with company.ctx.uow() as uow:
        head = uow.session.get(AuditHeadRow, 1)
        # publish moved the checkpoint to the head it verified, before its own records
        assert verified < head.verified_seq < head.seq
