"""A database made before the audit log was keyed keeps verifying after the upgrade, and
the point where keyed records begin cannot be moved or removed unnoticed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.audit import GENESIS, SWITCH_ACTION, canonical, record_hash
from commandcenter.domain.clock import SimulatedClock
from commandcenter.persistence.engine import make_engine
from commandcenter.persistence.migrate import alembic_config
from commandcenter.services.context import Passphrases
from tests.tamper import unguard

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def older_database(path: Path, records: int = 5) -> None:
    """Schema 0003, with an unkeyed (SHA-256) chain as that version wrote it."""
    engine = make_engine(f"sqlite:///{path}")
    cfg = alembic_config(engine)
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    prev = GENESIS
    with engine.begin() as conn:
        unguard(conn)
        for seq in range(1, records + 1):
            at = T0 + timedelta(minutes=seq)
            payload = canonical({"text": f"note {seq}"})
            h = record_hash(prev, seq, at, "Alice", "timeline.note", "incident", "1", payload)
            conn.execute(text(
                "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, payload, "
                "prev_hash, hash) VALUES (:s, :at, 'Alice', 'timeline.note', 'incident', '1', "
                ":p, :prev, :h)"), {"s": seq, "at": at.replace(tzinfo=None), "p": payload,
                                    "prev": prev, "h": h})
            prev = h
        conn.execute(text("UPDATE audit_head SET seq = :n, hash = :h"),
                     {"n": records, "h": prev})
    engine.dispose()


def open_app(path: Path) -> Services:
    return build(Settings(f"sqlite:///{path}", path.parent), clock=SimulatedClock(T0),
                 passphrases=Passphrases.fast_for_tests())


def test_unkeyed_records_verify_and_keyed_ones_follow_the_switch(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    older_database(db)
    svc = open_app(db)  # migrates, then keys the log: record 6 is the switch
    try:
        report = svc.audit.verify()
        assert report.ok, report.problems
        assert report.records == 6 and report.keyed_from == 6
        with svc.engine.connect() as conn:
            assert conn.execute(text("SELECT action FROM audit_log WHERE seq = 6")).scalar() \
                == SWITCH_ACTION
        from commandcenter.domain.roster import ContactFields

        svc.roster.add_contact(ContactFields("Joe Fernandez"))
        assert svc.audit.verify().ok
    finally:
        svc.close()
    again = open_app(db)  # a second start writes no second switch
    try:
        assert again.audit.verify().records == 7
    finally:
        again.close()


def test_tampering_with_the_switch_point_is_a_finding(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    older_database(db)
    svc = open_app(db)
    try:
        from commandcenter.domain.roster import ContactFields

        svc.roster.add_contact(ContactFields("Joe Fernandez"))  # record 7, keyed
        with svc.engine.begin() as conn:  # disguise the switch as an ordinary record
            unguard(conn)
            conn.execute(text("UPDATE audit_log SET action = 'timeline.note' WHERE seq = 6"))
            conn.execute(text("UPDATE audit_head SET keyed_from = 7"))
        report = svc.audit.verify()
        assert not report.ok
        assert any("record 6" in p for p in report.problems)
        with svc.engine.begin() as conn:  # or remove the keyed part and the key's traces
            unguard(conn)
            conn.execute(text("DELETE FROM audit_log WHERE seq >= 6"))
            last = conn.execute(text("SELECT hash FROM audit_log WHERE seq = 5")).scalar()
            conn.execute(text("UPDATE audit_head SET seq = 5, hash = :h, key_id = NULL, "
                              "keyed_from = NULL, signature = NULL"), {"h": last})
        report = svc.audit.verify()
        assert not report.ok
        assert any("no switch record" in p for p in report.problems)
    finally:
        svc.close()
