"""Migration 0005 and the mention rules on PostgreSQL, as on SQLite."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from commandcenter.app import build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.mentions import MentionState
from commandcenter.services.context import Passphrases

from .support import BOB, CAROL, PASS, START, open_incident, seed_people


def test_import_dedupe_rank_and_answer_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    svc = build(Settings(pg_url, tmp_path), clock=clock, passphrases=Passphrases.fast_for_tests())
    try:
        seed_people(svc)
        inc = open_incident(svc)
        at = (START - timedelta(minutes=5)).isoformat()
        path = tmp_path / "m.csv"
        path.write_text("channel,author,reach,text,at\n"
                        f"x,@loud,250000,WTF why did my score drop?,{at}\n"
                        f"x,@quiet,40,Reading about it,{at}\n"
                        f"x,@quiet,40,Reading about it,{at}\n", encoding="utf-8")
        report = svc.mentions.import_file(inc, path, BOB)
        assert (report.stored, report.duplicates) == (2, 1)
        assert svc.mentions.import_file(inc, path, BOB).stored == 0
        loud, quiet = svc.mentions.list(inc)
        assert (loud.author, quiet.author) == ("@loud", "@quiet")
        reply = svc.mentions.reply(loud.id, "Sorry, we are on it.", BOB)
        svc.messages.submit(reply.message.id, BOB)
        svc.messages.approve(reply.message.id, CAROL, PASS)
        svc.messages.publish(reply.message.id, BOB)
        assert svc.mentions.get(loud.id).state is MentionState.ANSWERED
        assert [v.author for v in svc.mentions.top_voices(inc)] == ["@quiet"]
        assert svc.audit.verify().ok
    finally:
        svc.close()
