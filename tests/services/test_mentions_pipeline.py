"""A big file is read in a forked child while this process ranks and spills what it sends,
then stores it (``_import_pipelined``): the same rows, duplicates and refusals as the
one-process import, all or nothing.

Each test makes the pipeline take every file (``PIPELINE_BYTES`` 0) and cuts the batches
small, so that batches have been sent before a bad line comes."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput
from commandcenter.persistence.mention_models import MentionRow
from commandcenter.services import mentions as mention_service
from tests.services.support import BOB, count, open_incident
from tests.services.test_mentions import snapshots, stamp, write
from tests.services.test_mentions_fast_path import MIXED, _authors, _csv_field, _rank_index, _stored


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every import forks; the list holds the child of each."""
    children: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(mention_service, "PIPELINE_BYTES", 0)
    monkeypatch.setattr(mention_service, "BATCH", 4)
    monkeypatch.setattr(mention_service.os, "fork", counted)
    return children


def _lines() -> list[str]:
    return [",".join(_csv_field(v) for v in (c, a, r, t, stamp(m), link, pid))
            for c, a, r, t, m, link, pid in MIXED]


def test_the_pipeline_stores_what_the_one_process_import_stores(
        people: Services, clock: SimulatedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        forks: list[int]) -> None:
    snapshots(people, clock)
    piped, alone = open_incident(people), open_incident(people, title="In one process")
    path = write(tmp_path, _lines())
    report = people.mentions.import_file(piped, path, BOB)
    assert len(forks) == 1
    monkeypatch.setattr(mention_service, "PIPELINE_BYTES", 1 << 40)
    assert people.mentions.import_file(alone, path, BOB) == report.__class__(
        alone, *(getattr(report, f) for f in ("rows", "stored", "duplicates", "confirmed",
                                              "source")))
    assert len(forks) == 1
    assert (report.rows, report.stored, report.duplicates) == (len(MIXED), len(MIXED), 0)
    assert report.confirmed >= 2
    assert _stored(people, piped) == _stored(people, alone)
    assert _authors(people, piped) == _authors(people, alone)


def test_duplicates_in_the_file_and_against_stored_rows(people: Services, tmp_path: Path,
                                                        forks: list[int]) -> None:
    inc = open_incident(people)
    lines = [f"x,@a{i % 7},{i},why did my score drop ({i % 7}),{stamp(i % 7)},,"
             for i in range(40)]  # 7 mentions, each sent again (with another reach)
    first = people.mentions.import_file(inc, write(tmp_path, lines), BOB)
    assert (first.rows, first.stored, first.duplicates) == (40, 7, 33)
    again = people.mentions.import_file(inc, write(tmp_path, lines[:10], "again.csv"), BOB)
    assert (again.rows, again.stored, again.duplicates) == (10, 0, 10)
    assert count(people, MentionRow) == 7
    assert people.mentions.counts(inc)["new"] == 7  # the tallies of what was stored
    assert sorted(m.reach for m in people.mentions.list(inc)) == list(range(7))
    assert len(forks) == 2


def test_a_bad_line_after_sent_batches_imports_nothing_and_names_every_bad_line(
        people: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        forks: list[int]) -> None:
    inc = open_incident(people)
    index = _rank_index(people)
    good = [f"x,@a{i},{i},fine ({i}),{stamp(1)},," for i in range(30)]
    path = write(tmp_path, good + [f"x,b,-1,negative,{stamp(1)},,"] + good[:5]
                 + ["x,c,5,late,noon,,"] + [f"x,@z{i},{i},more ({i}),{stamp(1)},,"
                                            for i in range(30)])
    stores = []  # the storing transactions opened (a refused file opens none)
    store = mention_service.MentionService._store_spilled

    def counted(*args: object) -> object:
        stores.append(1)
        return store(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(mention_service.MentionService, "_store_spilled", counted)
    with pytest.raises(InvalidInput, match=r"line 32: reach: -1 is negative; line 38: at: "
                                           r"'noon' .*\(2 bad lines in m\.csv"):
        people.mentions.import_file(inc, path, BOB)
    assert stores == []
    assert count(people, MentionRow) == 0
    assert _rank_index(people) == index
    assert people.mentions.import_file(inc, write(tmp_path, good, "good.csv"), BOB).stored == 30
    assert len(forks) == 2 and stores == [1]


@pytest.mark.parametrize(("body", "expected"), [
    (b"", r"line 1: the file is empty"),
    (b"channel,author,reach,text,at\n", r"holds no mentions"),
    (b"channel,author,reach,text\nx,a,1,t\n", r"line 1: header: missing column at"),
    (b"channel,author,reach,text,at\nx,a,1,\xff\xfe,2026-12-02T09:15:00Z\n", r"not UTF-8"),
])
def test_a_file_the_child_refuses_is_refused_here(people: Services, tmp_path: Path,
                                                  forks: list[int], body: bytes,
                                                  expected: str) -> None:
    inc = open_incident(people)
    path = tmp_path / "m.csv"
    path.write_bytes(body)
    with pytest.raises(InvalidInput, match=expected):
        people.mentions.import_file(inc, path, BOB)
    assert count(people, MentionRow) == 0
    assert len(forks) == 1


def test_a_failed_insert_keeps_nothing_and_leaves_no_child(
        people: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        forks: list[int]) -> None:
    inc = open_incident(people)
    index = _rank_index(people)
    path = write(tmp_path, [f"x,@a{i},{i},why ({i}),{stamp(i)},," for i in range(5000)])
    calls = []

    def broken(*args: object) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(*args)  # type: ignore[arg-type]

    original = mention_service.MentionService._insert
    monkeypatch.setattr(mention_service.MentionService, "_insert", staticmethod(broken))
    with pytest.raises(RuntimeError, match="disk full"):
        people.mentions.import_file(inc, path, BOB)
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], 0)  # the import waited for its child already
    assert count(people, MentionRow) == 0
    assert _rank_index(people) == index


class _TallyThread(threading.Thread):
    """The import's tally thread, telling whether the import waited for it."""

    made: list[_TallyThread] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.joined = False
        _TallyThread.made.append(self)

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        self.joined = not self.is_alive()


@pytest.mark.parametrize("tallies_fail", [False, True])
def test_a_failed_store_waits_for_the_tally_thread_and_stores_nothing(
        people: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        forks: list[int], tallies_fail: bool) -> None:
    """The tallies are counted in a thread while the rows go in; when the inserts fail
    half-way (two batches in, the third refused) the import still joins that thread
    before it raises, raises the store's error, and keeps neither rows nor tallies."""
    inc = open_incident(people)
    path = write(tmp_path, [f"x,@a{i},{i},why ({i}),{stamp(i)},," for i in range(40)])
    store_failed = threading.Event()
    finished: list[bool] = []
    real_tally = mention_service.tally_columns

    def slow_tally(*columns: Any) -> Any:
        # Still counting when the store fails: done only after it did.
        assert store_failed.wait(120), "the store never failed"  # a hang guard
        result = real_tally(*columns)
        finished.append(True)
        if tallies_fail:
            raise ValueError("tallies broke too")
        return result

    calls: list[int] = []
    original = mention_service.MentionService._insert

    def broken(*args: object) -> int:
        calls.append(1)
        if len(calls) == 3:
            store_failed.set()
            raise RuntimeError("disk full")
        return original(*args)  # type: ignore[arg-type]

    _TallyThread.made = []
    monkeypatch.setattr(mention_service, "threading", SimpleNamespace(
        Thread=_TallyThread, active_count=threading.active_count))
    monkeypatch.setattr(mention_service, "tally_columns", slow_tally)
    monkeypatch.setattr(mention_service.MentionService, "_insert", staticmethod(broken))
    with pytest.raises(RuntimeError, match="disk full"):
        people.mentions.import_file(inc, path, BOB)
    (thread,) = _TallyThread.made
    assert thread.name == "mention-tallies"
    assert thread.joined and not thread.is_alive()  # waited for, not left counting
    assert finished == [True]  # it ran to its end before the import gave up
    assert len(calls) == 3  # two batches were in the transaction when the third failed
    assert count(people, MentionRow) == 0
    assert _authors(people, inc) == []
    assert sum(people.mentions.counts(inc).values()) == 0
