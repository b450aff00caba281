"""Delivery trusts nothing in the database (issue 7, item 4).

Each test leaves a committed publication undelivered (the process "dies"
between the commit and the file), changes the database as an attacker with
write access would, and starts delivery again. On today's main each of these
wrote whatever the row said, wherever it said.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from commandcenter.app import Services, build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import CommandCenterError
from commandcenter.domain.messages import Channel, content_hash
from commandcenter.persistence.models import PublicationRow
from commandcenter.services.context import Passphrases
from commandcenter.services.messages import MessageService

from .support import (
    BOB,
    CAROL,
    PASS,
    START,
    all_outbox_entries,
    in_review,
    open_incident,
    rows,
    seed_people,
)


def crash_after_commit(svc: Services, mid: int) -> None:
    def unplugged(destination: str, file_name: str, document: dict) -> Path:
        raise OSError("disk unplugged")

    with pytest.raises(CommandCenterError, match="outbox could not be written"):
        MessageService(svc.ctx, deliver=unplugged).publish(mid, BOB)


def pending(svc: Services, body: str = "We know scores dropped.", *, drill: bool = False
            ) -> int:
    mid = in_review(svc, open_incident(svc, drill=drill), body)
    svc.messages.approve(mid, CAROL, PASS)
    crash_after_commit(svc, mid)
    return mid


def sql(svc: Services, statement: str, **params: object) -> None:
    with svc.engine.begin() as conn:
        conn.execute(text(statement), params)


def delivered_documents(svc: Services) -> list[dict]:
    return [json.loads((svc.ctx.outbox_dir / e).read_text()) for e in all_outbox_entries(svc)]


def test_the_approved_text_goes_out_not_what_the_row_holds_now(people: Services) -> None:
    mid = pending(people, "Scores dropped; we are fixing it.")
    forged = "Scores are fine, nothing happened."
    sql(people, "UPDATE messages SET body = :b, content_hash = :h WHERE id = :m",
        b=forged, h=content_hash(Channel.X, None, forged), m=mid)
    assert people.messages.deliver_pending() == 1
    [doc] = delivered_documents(people)
    assert doc["body"] == "Scores dropped; we are fixing it."
    assert doc["content_hash"] == content_hash(Channel.X, None, doc["body"])


def test_a_rewritten_approved_revision_is_not_delivered(people: Services) -> None:
    mid = pending(people, "Scores dropped; we are fixing it.")
    forged = "Scores are fine, nothing happened."
    digest = content_hash(Channel.X, None, forged)
    sql(people, "UPDATE message_revisions SET body = :b, content_hash = :h "
        "WHERE message_id = :m", b=forged, h=digest, m=mid)
    sql(people, "UPDATE publications SET content_hash = :h WHERE message_id = :m",
        h=digest, m=mid)
    assert people.messages.deliver_pending() == 0
    assert all_outbox_entries(people) == []
    [pub] = rows(people, PublicationRow)
    assert pub.delivered_at is None
    assert "does not match the hash" in people.messages.delivery.refused[pub.id]


def test_the_file_name_in_the_row_is_never_used(people: Services, tmp_path: Path) -> None:
    mid = pending(people)
    target = tmp_path / "escaped.json"
    sql(people, "UPDATE publications SET file_name = :f WHERE message_id = :m",
        f=os.path.relpath(target, people.ctx.outbox_dir / "live"), m=mid)
    assert "../" in rows(people, PublicationRow)[0].file_name
    assert people.messages.deliver_pending() == 1
    assert not target.exists()
    [entry] = all_outbox_entries(people)
    assert entry.startswith("live/") and f"-message-{mid}-" in entry


def test_a_drill_publication_moved_to_the_live_outbox_is_not_delivered(
    people: Services,
) -> None:
    mid = pending(people, "Scores look wrong", drill=True)
    sql(people, "UPDATE publications SET destination = 'live' WHERE message_id = :m", m=mid)
    assert people.messages.deliver_pending() == 0
    assert all_outbox_entries(people) == []


def test_a_drill_incident_turned_live_is_not_delivered(people: Services) -> None:
    mid = pending(people, "Scores look wrong", drill=True)
    sql(people, "UPDATE incidents SET drill = false")
    sql(people, "UPDATE publications SET destination = 'live' WHERE message_id = :m", m=mid)
    assert people.messages.deliver_pending() == 0
    assert all_outbox_entries(people) == []
    sql(people, "UPDATE publications SET destination = 'drill' WHERE message_id = :m", m=mid)
    assert people.messages.deliver_pending() == 0  # recorded for drill, incident now live
    assert all_outbox_entries(people) == []


def test_a_pending_publication_with_a_forged_approval_is_not_delivered(
    people: Services,
) -> None:
    mid = pending(people)
    sql(people, "UPDATE approvals SET signature = NULL WHERE message_id = :m", m=mid)
    assert people.messages.deliver_pending() == 0
    sql(people, "UPDATE approvals SET signature = :s WHERE message_id = :m", s="00" * 64,
        m=mid)
    assert people.messages.deliver_pending() == 0
    assert all_outbox_entries(people) == []


def test_a_file_planted_under_the_name_is_not_taken_for_the_delivery(
    people: Services,
) -> None:
    mid = pending(people, "The real words.")
    name = Path(people.messages.get(mid).publication_path)
    name.parent.mkdir(parents=True, exist_ok=True)
    name.write_text(json.dumps({"channel": "x", "title": None, "body": "Planted words."}))
    assert people.messages.deliver_pending() == 0
    [pub] = rows(people, PublicationRow)
    assert pub.delivered_at is None
    assert "does not hold the approved text" in people.messages.delivery.refused[pub.id]


# --- two workstations starting after a crash ------------------------------------

WORKER = """
import sys, time
from pathlib import Path
from commandcenter.app import build
from commandcenter.config import Settings
from commandcenter.services.context import Passphrases
url, folder, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
(folder.parent / (folder.name + ".ready")).touch()
while not go.exists():
    time.sleep(0.005)
svc = build(Settings(url, folder), passphrases=Passphrases.fast_for_tests())
svc.close()
"""


def start_two_workstations(url: str, tmp_path: Path, round_: int) -> list[Path]:
    """Two processes start at the same moment, each with its own outbox folder; each
    delivers pending publications at start-up, as the app does."""
    go = tmp_path / f"go-{round_}"
    folders = [tmp_path / f"ws-{round_}-{i}" for i in (1, 2)]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(f), str(go)],
                              stderr=subprocess.PIPE, text=True) for f in folders]
    deadline = time.monotonic() + 120  # a hang guard, not a speed limit
    while not all((f.parent / (f.name + ".ready")).exists() for f in folders):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()  # both are waiting with their imports done: start them together
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    return [e for f in folders for e in sorted((f / "outbox").rglob("*.json"))]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_two_workstations_after_a_crash_deliver_each_publication_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest,
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" \
        else f"sqlite:///{tmp_path / 'shared.sqlite'}"
    svc = build(Settings(url, tmp_path / "first"), clock=SimulatedClock(START),
                passphrases=Passphrases.fast_for_tests())
    try:
        seed_people(svc)
        # SQLite's write lock always serialised this; on PostgreSQL main delivered twice.
        for round_ in range(2 if backend == "postgresql" else 1):
            mids = [pending(svc, f"Update {round_}.{i}") for i in range(8)]
            files = start_two_workstations(url, tmp_path, round_)
            names = [f.name for f in files]
            assert len(names) == len(set(names)) == len(mids), names
            assert all(p.delivered_at is not None for p in rows(svc, PublicationRow))
    finally:
        svc.close()
