"""``incident list`` on the lite read path: the same bytes, the same errors, only faster.

On an up-to-date SQLite file the listing reads through persistence/lite_read.py
without importing SQLAlchemy (test_cli_lazy.py checks the modules a run loads,
in a subprocess); everywhere else the full path runs, as it always has. Each
test runs the command both ways: as it runs, and with the lite path switched
off (``full_path``), and compares code, stdout and stderr.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import update

from commandcenter.app import Services
from commandcenter.domain.messages import Channel
from commandcenter.persistence.commitment_models import CommitmentRow
from commandcenter.persistence.engine import make_engine
from commandcenter.persistence.migrate import alembic_config, current_revision, head_revision
from commandcenter.services import read_only
from tests.services.support import (
    ALICE,
    BOB,
    CAROL,
    LISTING_TITLES,
    PASS,
    in_review,
    populate_incidents,
)

from .conftest import Cli, Result

LIST = ("incident", "list")


class Spy:
    """Which way each run went: True, the lite path answered; False, it declined."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answered: list[bool] = []
        self._monkeypatch = monkeypatch
        real = read_only.open_read_only

        def opened(settings: Any) -> Any:
            svc = real(settings)
            if svc is None:
                self.answered.append(False)
                return None
            for service in (svc.incidents, svc.commitments, svc.messages):
                service.list = self._spied(service.list)
            return svc

        monkeypatch.setattr(read_only, "open_read_only", opened)

    def _spied(self, listing: Any) -> Any:
        def listed(*args: Any, **kw: Any) -> Any:
            try:
                rows = listing(*args, **kw)
            except read_only.Unsuitable:
                self.answered.append(False)
                raise
            self.answered.append(True)
            return rows

        return listed

    @contextlib.contextmanager
    def full_path(self) -> Iterator[None]:
        with self._monkeypatch.context() as m:
            m.setattr(read_only, "open_read_only", lambda settings: None)
            yield


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return Spy(monkeypatch)


def _both_ways(cli: Cli, spy: Spy, *args: str, as_json: bool) -> tuple[Result, Result]:
    lite = cli(*args, as_json=as_json)
    with spy.full_path():
        full = cli(*args, as_json=as_json)
    return lite, full


def _raw(url: str, sql: str) -> None:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        with conn:
            conn.execute(sql)
    finally:
        conn.close()


def test_the_listing_is_byte_identical_both_ways(cli: Cli, company: Services, spy: Spy,
                                                 backend: str) -> None:
    populate_incidents(company)
    runs = {}
    for as_json in (True, False):
        lite, full = runs[as_json] = _both_ways(cli, spy, *LIST, as_json=as_json)
        assert (lite.code, lite.err) == (0, "")
        assert lite == full, as_json
    assert spy.answered == [backend == "sqlite"] * 2  # PostgreSQL: the full path, always
    assert [line.split("\t")[3] for line in runs[False][0].out.splitlines()] == [
        "Ghost alert", "Tab", "DRILL スコアが消えた 🚨", "Classement faussé — équipe « Zürich »",
        "Scores halved on the EU shard", "Nightly job late"]  # newest first, ties by id
    assert {i["title"] for i in runs[True][0].json()} == set(LISTING_TITLES)


def test_an_empty_database_lists_nothing_both_ways(cli: Cli, company: Services,
                                                   spy: Spy, backend: str) -> None:
    for as_json in (True, False):
        lite, full = _both_ways(cli, spy, *LIST, as_json=as_json)
        assert lite == full == Result(0, "[]\n" if as_json else "", "")
    assert spy.answered == [backend == "sqlite"] * 2


@pytest.mark.parametrize("backend", ["sqlite"])  # the lite path reads SQLite only
def test_a_value_it_cannot_read_as_the_orm_does_hands_over_and_prints_once(
        cli: Cli, company: Services, spy: Spy, backend: str) -> None:
    populate_incidents(company)
    # SQLAlchemy reads a time without microseconds; the lite path leaves it to it.
    _raw(cli.url, "UPDATE incidents SET detected_at = '2026-03-01 22:15:07' WHERE id = 1")
    for as_json in (True, False):
        lite, full = _both_ways(cli, spy, *LIST, as_json=as_json)
        assert lite.code == 0
        assert lite == full
    assert spy.answered == [False, False]
    assert lite.out.count("Scores halved on the EU shard") == 1
    assert "2026-03-01 22:15 UTC" in lite.out


@pytest.mark.parametrize("backend", ["sqlite"])  # the lite path reads SQLite only
def test_a_listing_leaves_the_database_s_folder_as_it_found_it(
        cli: Cli, company: Services, spy: Spy, tmp_path: Path, backend: str) -> None:
    populate_incidents(company)
    company.close()  # nobody else has the file open: SQLite removed -wal and -shm
    before = sorted(p.name for p in tmp_path.iterdir())
    assert "cc.sqlite" in before and "cc.sqlite-wal" not in before
    listed = cli(*LIST, as_json=True)
    assert listed.code == 0 and len(listed.json()) == len(LISTING_TITLES)
    assert spy.answered == [True]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no empty -wal, -shm


def test_a_database_a_migration_is_due_on_is_migrated_as_before(
        tmp_path: Path, data_dir: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    results = []
    for name in ("lite", "full"):
        url = f"sqlite:///{tmp_path / name / 'cc.sqlite'}"
        (tmp_path / name).mkdir()
        engine = make_engine(url)
        try:
            cfg = alembic_config(engine)
            with engine.connect() as conn, conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "0010")
            cli = Cli(url, monkeypatch, capsys)
            with spy.full_path() if name == "full" else contextlib.nullcontext():
                results.append(cli(*LIST, as_json=True))
            assert current_revision(engine) == head_revision()  # the full path migrated it
        finally:
            engine.dispose()
    assert results[0] == results[1] == Result(0, "[]\n", "")
    assert spy.answered == [False]


def test_a_missing_file_is_made_as_before(tmp_path: Path, data_dir: Path, spy: Spy,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    lite_db, full_db = tmp_path / "lite.sqlite", tmp_path / "full.sqlite"
    lite = Cli(f"sqlite:///{lite_db}", monkeypatch, capsys)(*LIST, as_json=True)
    with spy.full_path():
        full = Cli(f"sqlite:///{full_db}", monkeypatch, capsys)(*LIST, as_json=True)
    assert lite == full == Result(0, "[]\n", "")
    assert lite_db.is_file() and full_db.is_file()
    assert spy.answered == [False]


@pytest.mark.parametrize("as_json", [True, False])
def test_a_file_in_a_missing_folder_fails_the_same_on_both_paths(
        tmp_path: Path, data_dir: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], as_json: bool) -> None:
    runs = []
    for name in ("qqq1", "qqq2"):  # the first as it runs, the second on the full path
        url = f"sqlite:///{tmp_path / 'no' / name / 'cc.sqlite'}"
        with spy.full_path() if name == "qqq2" else contextlib.nullcontext():
            r = Cli(url, monkeypatch, capsys)(*LIST, as_json=as_json)
        runs.append(Result(r.code, r.out.replace(name, "X"), r.err.replace(name, "X")))
    assert runs[0] == runs[1]
    assert runs[0].code == 2 and runs[0].err.startswith("error: database-url: the folder ")
    assert spy.answered == [False]


def test_a_server_url_takes_the_full_path_and_fails_as_before(
        data_dir: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1", monkeypatch, capsys)
    lite, full = _both_ways(cli, spy, *LIST, as_json=True)
    assert lite == full
    assert lite.code == 1 and '"exit_code"' not in lite.out
    assert spy.answered == [False]


def _due_at(svc: Services, commitment_id: int, at: datetime) -> None:
    with svc.ctx.uow() as uow:
        uow.session.execute(update(CommitmentRow).where(CommitmentRow.id == commitment_id)
                            .values(due_at=at))
        uow.commit()


def _commitments(svc: Services) -> list[int]:
    """Open ones due later, one kept, one broken (the sweep has run), over three incidents."""
    incidents = populate_incidents(svc)
    now = datetime.now(UTC).replace(microsecond=0)
    made = [svc.commitments.add(incidents[n], text, now + timedelta(hours=h), owner).id
            for n, text, h, owner in (
                (0, "Next update on the EU shard", 2, BOB),
                (1, "Publier la correction « Zürich »", 1, ALICE),
                (2, "ドリルの報告 🚨", 3, BOB),
                (0, "Explain the cause", 5, ALICE),
                (1, "Post-mortem draft", 4, BOB))]
    svc.commitments.keep(made[1], ALICE)
    _due_at(svc, made[3], now - timedelta(hours=2))
    assert [c.id for c in svc.commitments.sweep()] == [made[3]]
    return made


@pytest.mark.parametrize("argv", [(), ("1",), ("2",), ("--overdue",), ("1", "--overdue"),
                                  ("4",)])
def test_commitment_list_is_byte_identical_both_ways(cli: Cli, company: Services, spy: Spy,
                                                     backend: str, argv: tuple[str, ...]
                                                     ) -> None:
    _commitments(company)
    for as_json in (True, False):
        lite, full = _both_ways(cli, spy, "commitment", "list", *argv, as_json=as_json)
        assert (lite.code, lite.err) == (0, "")
        assert lite == full, as_json
    assert spy.answered == [backend == "sqlite"] * 2
    if argv == ("--overdue",):
        assert [line.split(": ", 1)[1] for line in lite.out.splitlines()] == [
            "Explain the cause"]
    if argv == ("4",):
        assert lite.out == "no commitments\n"


def test_commitment_list_of_no_such_incident_fails_the_same_both_ways(
        cli: Cli, company: Services, spy: Spy, backend: str) -> None:
    _commitments(company)
    for as_json in (True, False):
        lite, full = _both_ways(cli, spy, "commitment", "list", "999", as_json=as_json)
        assert lite == full
        assert lite.code == 2 and lite.error_line == "error: incident: no incident 999"
    assert spy.answered == ([] if backend == "sqlite" else [False, False])


def test_a_commitment_falling_due_unkept_is_swept_by_the_full_path(
        cli: Cli, company: Services, spy: Spy, backend: str) -> None:
    made = _commitments(company)
    _due_at(company, made[0], datetime.now(UTC) - timedelta(minutes=1))
    lite = cli("commitment", "list")  # the sweep has work: the full path does it
    with spy.full_path():
        full = cli("commitment", "list")
    assert lite == full and lite.code == 0
    assert lite.out.count("Next update on the EU shard") == 1  # printed once
    assert {c.id: c.state.value for c in company.commitments.list()}[made[0]] == "broken"
    assert cli("commitment", "list") == full  # nothing due now: the lite path again
    assert spy.answered == ([True] if backend == "sqlite" else [False, False])


def _messages(svc: Services) -> list[int]:
    """Messages in every state over two incidents (one a drill): a draft with a title, one
    in review, one rejected, one published (its outbox file written), one approved and
    then edited (a draft again), one approved and withdrawn (both approvals voided), one
    approved and not yet published."""
    incidents = populate_incidents(svc)
    live, drill = incidents[0], incidents[2]
    draft = svc.messages.draft(live, Channel.X, "Brouillon : « on regarde » 🚧", BOB,
                               title="Première note").id
    reviewing = in_review(svc, live, "We are looking at scores on the EU shard.")
    rejected = in_review(svc, live, "Too early to say this.")
    svc.messages.reject(rejected, "not confirmed yet", CAROL)
    published = in_review(svc, live, "Scores are back; the cause was batch 2291.")
    svc.messages.approve(published, CAROL, PASS)
    svc.messages.publish(published, BOB)
    voided = in_review(svc, live, "Approved, then changed.", channel=Channel.STATUS_PAGE)
    svc.messages.approve(voided, CAROL, PASS)
    svc.messages.edit(voided, "Approved, then changed: the new text.", BOB)
    withdrawn = in_review(svc, live, "Approved, then withdrawn.")
    svc.messages.approve(withdrawn, CAROL, PASS)
    svc.messages.withdraw(withdrawn, BOB)  # its approval voided, at the same revision
    approved = in_review(svc, drill, "ドリル: 状況を確認中")
    svc.messages.approve(approved, CAROL, PASS)
    return [draft, reviewing, rejected, published, voided, withdrawn, approved]


@pytest.mark.parametrize("incident", ["1", "3", "4"])
def test_message_list_is_byte_identical_both_ways(cli: Cli, company: Services, spy: Spy,
                                                  backend: str, incident: str) -> None:
    _messages(company)
    for as_json in (True, False):
        lite, full = _both_ways(cli, spy, "message", "list", incident, as_json=as_json)
        assert (lite.code, lite.err) == (0, "")
        assert lite == full, as_json
    assert spy.answered == [backend == "sqlite"] * 2
    if incident == "1":
        listed = lite.out.splitlines()
        assert [line.split(" [")[1].split("]")[0] for line in listed] == [
            "draft", "in_review", "rejected", "published", "draft", "withdrawn"]
        assert "approved by Carol Chen" in listed[3]
        assert "approved by" not in listed[4] + listed[5]  # edited; withdrawn
        [doc] = [m for m in cli("message", "list", incident, as_json=True).json()
                 if m["state"] == "published"]
        assert doc["publication_path"] and doc["approved_by"] == CAROL
    if incident == "4":
        assert lite.out == ""


def test_message_list_of_no_such_incident_fails_the_same_both_ways(
        cli: Cli, company: Services, spy: Spy, backend: str) -> None:
    for as_json in (True, False):
        lite, full = _both_ways(cli, spy, "message", "list", "999", as_json=as_json)
        assert lite == full
        assert lite.code == 2 and lite.error_line == "error: incident: no incident 999"
