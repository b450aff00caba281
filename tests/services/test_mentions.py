"""Listening through the services: import, dedupe, the data check, triage, top voices."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.mentions import MentionState
from commandcenter.ingest.snapshot_files import hash_ids
from commandcenter.persistence.mention_models import MentionRow
from tests.services.support import ALICE, BOB, DAVE, START, count, open_incident

HEADER = "channel,author,reach,text,at,link,profile_id\n"


def stamp(minutes: float) -> str:
    return (START - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def write(tmp_path: Path, lines: list[str], name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def snapshots(svc: Services, clock: SimulatedClock) -> None:
    """Two batches: profile 7 and handle @pam fall by half in 2291, profile 8 holds steady."""
    ids = np.concatenate([np.array([7, 8, 9], dtype=np.int64), hash_ids(["@pam"])])
    before = np.array([62.0, 55.0, 40.0, 48.0])
    after = np.array([31.0, 56.0, 40.0, 24.0])
    order = np.argsort(ids)  # snapshot files come sorted by id (the hashed handle is < 0)
    ids, before, after = ids[order], before[order], after[order]
    svc.health.ingest_snapshot(ids, before, at=clock.now() - timedelta(days=1),
                               source="batch-2290.csv", evaluate=False)
    svc.health.ingest_snapshot(ids, after, at=clock.now() - timedelta(hours=2),
                               source="batch-2291.csv", evaluate=False)


def test_import_ranks_with_reasons_and_the_data_check(people: Services, clock: SimulatedClock,
                                                      tmp_path: Path) -> None:
    snapshots(people, clock)
    inc = open_incident(people)
    path = write(tmp_path, [
        f"x,@quiet,40,Reading about the new model,{stamp(10)},,",
        f"x,@loud,250000,WTF why did my score drop? Unacceptable!,{stamp(10)},,",
        f"facebook,Steady Eddie,5000,This is unfair and my score is a joke,{stamp(10)},,8",
        f"facebook,Richard M,5000,my score dropped,{stamp(10)},,7",
        f"x,pam,5000,my score dropped,{stamp(20)},https://x.example/1,",
    ])
    report = people.mentions.import_file(inc, path, BOB)
    assert (report.rows, report.stored, report.duplicates, report.confirmed) == (5, 5, 0, 2)
    ranked = people.mentions.list(inc)
    # the confirmed complaints first, then the loud angry question about one's own score
    assert [m.author for m in ranked] == ["Richard M", "pam", "@loud", "Steady Eddie",
                                          "@quiet"]
    richard = ranked[0]
    assert richard.confirmed and richard.data_check == "score 62 -> 31, -50% in batch 2291"
    assert "data confirms: score 62 -> 31, -50% in batch 2291 (+30)" in richard.reasons
    pam = ranked[1]  # matched by handle: "pam" is "@pam" in the snapshot
    assert pam.confirmed and pam.data_check == "score 48 -> 24, -50% in batch 2291"
    eddie = ranked[3]
    assert not eddie.confirmed and eddie.data_check == "score 55 -> 56 in batch 2291, no fall"
    assert ranked[4].data_check == "" and ranked[4].reasons[0] == "reach 40 (+11)"
    assert all(m.state is MentionState.NEW for m in ranked)
    assert [m.priority for m in ranked] == sorted((m.priority for m in ranked), reverse=True)


def test_duplicates_are_recognised_in_the_file_and_across_imports(
        people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    line = f"x,@pam,10,my score!,{stamp(5)},,"
    spaced = f"X, @pam ,10,my score!,{stamp(5)},,"  # the same once trimmed
    first = people.mentions.import_file(inc, write(tmp_path, [line, line, spaced]), BOB)
    assert (first.rows, first.stored, first.duplicates) == (3, 1, 2)
    second = people.mentions.import_file(inc, write(tmp_path, [
        line, f"x,@pam,10,my score!,{stamp(6)},,", f"facebook,@pam,10,my score!,{stamp(5)},,",
        f"x,@pam,10,my score?,{stamp(5)},,"], "again.csv"), BOB)
    assert (second.stored, second.duplicates) == (3, 1)
    assert count(people, MentionRow) == 4
    (pam,) = people.mentions.top_voices(inc)  # tallies count what was stored, not read
    assert (pam.author, pam.mentions, pam.open_mentions) == ("@pam", 4, 4)
    # the same mention in another incident is another mention
    other = open_incident(people, title="Another")
    assert people.mentions.import_file(other, write(tmp_path, [line], "o.csv"), BOB).stored == 1


def test_a_bad_file_imports_nothing(people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    path = write(tmp_path, [f"x,a,10,fine,{stamp(1)},,"] * 30000
                 + [f"x,b,-1,negative,{stamp(1)},,"])
    with pytest.raises(InvalidInput, match=r"line 30002: reach: -1 is negative"):
        people.mentions.import_file(inc, path, BOB)
    assert count(people, MentionRow) == 0


def test_import_needs_an_operator_who_may_write_and_an_open_incident(
        people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    path = write(tmp_path, [f"x,a,10,fine,{stamp(1)},,"])
    with pytest.raises(PolicyRefused):
        people.mentions.import_file(inc, path, DAVE)  # an observer
    with pytest.raises(NotFound):
        people.mentions.import_file(999, path, BOB)
    assert count(people, MentionRow) == 0


def test_states_assign_set_aside_and_the_filters(people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    people.mentions.import_file(inc, write(tmp_path, [
        f"x,@a,100,unfair,{stamp(1)},,", f"x,@b,200,unfair,{stamp(1)},,",
        f"x,@c,300,buy followers now,{stamp(1)},,"]), BOB)
    a, b, c = sorted(people.mentions.list(inc), key=lambda m: m.author)
    assigned = people.mentions.assign(b.id, "Carol Chen", BOB)
    assert assigned.state is MentionState.ASSIGNED and assigned.assigned_to == "Carol Chen"
    aside = people.mentions.set_aside(c.id, "spam", BOB)
    assert aside.state is MentionState.SET_ASIDE and aside.set_aside_reason == "spam"
    with pytest.raises(PolicyRefused):
        people.mentions.assign(c.id, "Carol Chen", BOB)
    with pytest.raises(InvalidInput):
        people.mentions.set_aside(a.id, "  ", BOB)
    with pytest.raises(NotFound):
        people.mentions.assign(a.id, "Nobody Known", BOB)
    assert [m.author for m in people.mentions.list(inc, "open")] == ["@b", "@a"]
    assert [m.author for m in people.mentions.list(inc, "new")] == ["@a"]
    assert [m.author for m in people.mentions.list(inc, "set_aside")] == ["@c"]
    assert [m.author for m in people.mentions.list(inc, search="followers")] == ["@c"]
    assert people.mentions.counts(inc) == {"new": 1, "assigned": 1, "answered": 0,
                                           "set_aside": 1}
    with pytest.raises(InvalidInput, match="state"):
        people.mentions.list(inc, "closed")


def test_bulk_triage_is_all_or_nothing(people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    people.mentions.import_file(inc, write(tmp_path, [
        f"x,@a,100,unfair,{stamp(1)},,", f"x,@b,200,unfair,{stamp(1)},,"]), BOB)
    a, b = sorted(people.mentions.list(inc), key=lambda m: m.author)
    people.mentions.set_aside(a.id, "spam", BOB)
    with pytest.raises(PolicyRefused):
        people.mentions.assign_many([b.id, a.id], "Carol Chen", BOB)
    assert people.mentions.get(b.id).state is MentionState.NEW
    done = people.mentions.set_aside_many([b.id], "off topic", BOB)
    assert [m.state for m in done] == [MentionState.SET_ASIDE]


def test_top_voices_are_unanswered_authors_by_reach(people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    people.mentions.import_file(inc, write(tmp_path, [
        f"x,@big,90000,unfair,{stamp(3)},,", f"x,@big,1000,still unfair,{stamp(2)},,",
        f"x,@mid,5000,why,{stamp(2)},,", f"x,@small,10,meh,{stamp(2)},,",
        f"x,@spam,900000,buy followers,{stamp(2)},,"]), BOB)
    spam = people.mentions.list(inc, search="followers")[0]
    people.mentions.set_aside(spam.id, "spam", BOB)
    voices = people.mentions.top_voices(inc)
    assert [(v.author, v.reach, v.mentions, v.open_mentions) for v in voices] == [
        ("@big", 90000, 2, 2), ("@mid", 5000, 1, 1), ("@small", 10, 1, 1)]


def test_record_stores_a_drill_inject_once(people: Services, clock: SimulatedClock) -> None:
    snapshots(people, clock)
    inc = open_incident(people)
    at = clock.now() - timedelta(minutes=3)
    first = people.mentions.record(inc, channel="x", author="Richard M", reach=5000,
                                   text="my score dropped", at=at, profile_id="7")
    again = people.mentions.record(inc, channel="x", author="Richard M", reach=5000,
                                   text="my score dropped", at=at, profile_id="7")
    assert first.id == again.id and first.confirmed
    assert count(people, MentionRow) == 1
    with pytest.raises(InvalidInput, match="reach"):
        people.mentions.record(inc, channel="x", author="a", reach=-1, text="t", at=at)
    assert people.mentions.list(inc)[0].author == "Richard M"


def test_assign_is_refused_to_an_observer(people: Services, tmp_path: Path) -> None:
    inc = open_incident(people)
    people.mentions.import_file(inc, write(tmp_path, [f"x,@a,100,unfair,{stamp(1)},,"]), ALICE)
    m = people.mentions.list(inc)[0]
    with pytest.raises(PolicyRefused):
        people.mentions.assign(m.id, "Carol Chen", DAVE)
    assert people.mentions.get(m.id).state is MentionState.NEW


def test_the_tallies_agree_with_the_mentions_after_every_kind_of_write(
        people: Services, clock: SimulatedClock, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    inc = open_incident(people)
    line = f"x,@a,100,unfair,{stamp(1)},,"
    people.mentions.import_file(inc, write(tmp_path, [line, line, f"x,@b,200,why,{stamp(1)},,",
                                                      f"x,@b,900,my score!,{stamp(2)},,"]), BOB)
    people.mentions.record(inc, channel="x", author="@c", reach=5, text="hm",
                           at=clock.now() - timedelta(minutes=1))
    ranked = {m.author + m.text: m for m in people.mentions.list(inc)}
    people.mentions.assign(ranked["@aunfair"].id, "Carol Chen", BOB)
    people.mentions.set_aside(ranked["@bwhy"].id, "dupe", BOB)
    people.mentions.reply(ranked["@chm"].id, "Thanks!", BOB)
    with people.ctx.uow() as uow:
        truth = dict(uow.session.execute(select(MentionRow.state, func.count()).where(
            MentionRow.incident_id == inc).group_by(MentionRow.state)).all())
    assert people.mentions.counts(inc) == {s.value: truth.get(s.value, 0)
                                           for s in MentionState}
    assert [(v.author, v.reach, v.mentions, v.open_mentions)
            for v in people.mentions.top_voices(inc)] == [
        ("@b", 900, 2, 1), ("@a", 100, 1, 1), ("@c", 5, 1, 1)]
