"""``live_roster = true``: a drill played by the team as it is. Validation checks the file
(no own roster beside it) and every person it names against the live roster, each error
with its line and field; a run copies the live people, operators, chains and availability
into the drill's own database and never writes to the live one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from commandcenter.app import Services, build_drill
from commandcenter.cli import main
from commandcenter.config import ENV_DATA_DIR
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import CommandCenterError, InvalidInput
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus
from commandcenter.drills.live_roster import LiveRoster, LiveWindow, drill_windows, resolve
from commandcenter.drills.scenario import Person, ScenarioErrors, parse_scenario
from commandcenter.persistence.models import (
    AuditRow,
    AvailabilityRow,
    ChainMemberRow,
    ContactRow,
    OperatorRow,
)
from commandcenter.services.drill_live_roster import _read_only_engine, read_live_roster
from tests.services.conftest import backend  # noqa: F401  (SQLite and PostgreSQL)
from tests.services.support import ADMIN, ALICE, BOB, CAROL, DAVE, ERIN, ZOE

LIVE = '''\
name = "Live roster drill"
start = "2026-03-02T08:30:00Z"
duration = "2h"
facilitator = "Erin Ellis"
live_roster = true

[incident]
title = "Scores halved"

[[injects]]
at = "5m"
kind = "mention"
channel = "x"
author = "@steve"
reach = 100
text = "My score halved"

[[injects]]
at = "10m"
kind = "availability"
person = "Carol Chen"
status = "travelling"
until = "1h"

[[objectives]]
id = "ack"
measure = "first_public_message"
within = "30m"
'''

ACTIONS = f'''\
[[actions]]
at = "1m"
who = "{BOB}"
do = "draft"
ref = "ack"
channel = "x"
purpose = "acknowledgement"
body = "We know some scores look wrong; we are on it."

[[actions]]
at = "2m"
who = "{BOB}"
do = "submit"
message = "ack"

[[actions]]
at = "3m"
who = "{CAROL}"
do = "approve"
message = "ack"

[[actions]]
at = "4m"
who = "{BOB}"
do = "publish"
message = "ack"
'''


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def roster(**changes: object) -> LiveRoster:
    people = (Person(ALICE, role=Role.COMMANDER), Person(BOB, role=Role.SPOKESPERSON),
              Person(CAROL, role=Role.SPOKESPERSON), Person(DAVE, role=Role.OBSERVER),
              Person(ZOE))
    base = {"people": people, "chains": {"communications": (CAROL, ALICE)},
            "availability": (), "read_at": datetime(2026, 12, 3, 12, tzinfo=UTC),
            "source": "sqlite:///live.sqlite"}
    return LiveRoster(**(base | changes))  # type: ignore[arg-type]


def snapshot(svc: Services) -> tuple[object, ...]:
    """What the live database holds: row counts and the audit log's head."""
    with svc.ctx.uow() as uow:
        s = uow.session
        counts = tuple(s.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in (ContactRow, OperatorRow, AvailabilityRow, ChainMemberRow,
                                 AuditRow))
    return (*counts, svc.audit.head_hash())


# --- the file --------------------------------------------------------------------------
def test_live_roster_and_an_own_roster_exclude_each_other() -> None:
    body = LIVE.replace("live_roster = true\n", 'live_roster = true\n\n[[people]]\nname = "X"\n'
                        '\n[chains]\ncommunications = ["X"]\n')
    with pytest.raises(ScenarioErrors) as err:
        parse_scenario(body, "s.toml")
    found = {(p.line, p.field) for p in err.value.problems}
    assert (7, "people") in found and (10, "chains") in found
    assert "exclude each other" in str(err.value)


def test_a_live_scenario_needs_no_people_and_names_are_checked_at_run_time() -> None:
    s = parse_scenario(LIVE.replace(CAROL, "Nobody Known"), "s.toml")
    assert s.live_roster and s.people == () and s.chains == {}
    with pytest.raises(ScenarioErrors) as err:
        resolve(s, roster(), "s.toml")
    (problem,) = err.value.problems
    assert (problem.line, problem.field) == (21, "injects[1].person")
    assert "unknown person 'Nobody Known' (not in the live roster (sqlite:///live.sqlite))" \
        in problem.message


def test_resolve_takes_the_live_people_and_chains_and_adds_the_facilitator() -> None:
    s = resolve(parse_scenario(LIVE, "s.toml"), roster(), "s.toml")
    assert [p.name for p in s.people] == [ALICE, BOB, CAROL, DAVE, ZOE, ERIN]
    assert s.person(ERIN).role is Role.FACILITATOR  # type: ignore[union-attr]
    assert s.chains == {"communications": (CAROL, ALICE)}


def test_resolve_refuses_what_the_live_roster_cannot_play() -> None:
    s = parse_scenario(LIVE.replace(CAROL, DAVE).replace(ERIN, ALICE), "s.toml")
    with pytest.raises(ScenarioErrors) as err:
        resolve(s, roster(chains={"incident command": (ALICE,)}), "s.toml")
    got = {(p.line, p.field): p.message for p in err.value.problems}
    assert "is not an operator who can record their own availability" in \
        got[(21, "injects[1].recorded_by")]
    assert "Alice Archer is a commander in the live roster" in got[(4, "facilitator")]
    assert "no \"communications\" chain" in got[(5, "live_roster")]


def test_live_availability_moves_onto_the_drill_clock() -> None:
    read_at = datetime(2026, 12, 3, 12, tzinfo=UTC)
    windows = (LiveWindow(ALICE, AvailabilityStatus.VACATION, read_at - timedelta(days=2),
                          read_at + timedelta(hours=1), False, "skiing"),
               LiveWindow(BOB, AvailabilityStatus.OFF_SHIFT, read_at + timedelta(hours=1),
                          read_at + timedelta(hours=9)),
               LiveWindow(CAROL, AvailabilityStatus.TRAVELLING, read_at + timedelta(hours=3),
                          read_at + timedelta(hours=4)),  # after the drill's 2 hours
               LiveWindow(DAVE, AvailabilityStatus.VACATION, read_at - timedelta(days=9),
                          read_at - timedelta(days=8)))  # over
    s = parse_scenario(LIVE, "s.toml")
    got = [(w.person, w.starts_at - s.start, w.ends_at - s.start)
           for w in drill_windows(roster(availability=windows, read_at=read_at), s)]
    assert got == [(ALICE, timedelta(0), timedelta(hours=1)),
                   (BOB, timedelta(hours=1), timedelta(hours=9))]


# --- against a live database ----------------------------------------------------------
def test_the_live_database_is_read_through_a_connection_that_cannot_write(
        people: Services) -> None:
    engine = _read_only_engine(people.settings.database_url)
    try:
        with engine.connect() as conn, pytest.raises(Exception, match=r"(?i)read.only|readonly"):
            conn.execute(text("UPDATE contacts SET title = 'x'"))
    finally:
        engine.dispose()
    live = read_live_roster(people.settings.database_url, datetime(2026, 3, 2, tzinfo=UTC))
    assert live.chains["communications"] == (CAROL, ALICE)
    assert live.person(ERIN).role is Role.FACILITATOR  # type: ignore[union-attr]
    assert live.person(ZOE).role is None  # type: ignore[union-attr]


def test_a_missing_live_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        read_live_roster(f"sqlite:///{tmp_path / 'none.sqlite'}", datetime.now(UTC))
    assert not (tmp_path / "none.sqlite").exists()


def test_validate_checks_the_names_against_the_live_roster(
        people: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = people.settings.database_url
    good = write(tmp_path, "live.toml", LIVE)
    assert main(["--database-url", url, "--json", "drill", "validate", str(good)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] and doc["people"] == 6 and doc["live_roster"]
    bad = write(tmp_path, "bad.toml", LIVE.replace(CAROL, "Nobody Known"))
    assert main(["--database-url", url, "drill", "validate", str(bad)]) == 2
    assert "line 21: injects[1].person: unknown person 'Nobody Known' (not in the live " \
           "roster" in capsys.readouterr().err


def test_run_copies_the_live_roster_and_never_writes_to_the_live_database(
        people: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))  # the runs' folders go here
    now = datetime.now(UTC)
    people.roster.set_availability(ALICE, AvailabilityStatus.VACATION, now - timedelta(hours=1),
                                   now + timedelta(hours=1), note="skiing", by=ADMIN)
    before = snapshot(people)
    scenario = write(tmp_path, "live.toml", LIVE)
    actions = write(tmp_path, "actions.toml", ACTIONS)
    bad = write(tmp_path, "bad-actions.toml", ACTIONS.replace(f'who = "{CAROL}"',
                                                              'who = "Nobody Known"'))
    url = people.settings.database_url
    assert main(["--database-url", url, "drill", "run", str(scenario), "--actions",
                 str(bad)]) == 2
    assert "line 18: actions[2].who: unknown person 'Nobody Known' (not in the live roster)" \
        in capsys.readouterr().err
    assert main(["--database-url", url, "--json", "drill", "run", str(scenario), "--actions",
                 str(actions)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [(o["id"], o["met"], o["measured"]) for o in result["objectives"]] == \
        [("ack", True, "T+4m")]  # approved by Carol, who owns communications in the copy
    assert snapshot(people) == before  # the live database is as it was
    assert Path(result["database"]).is_relative_to(tmp_path / "data" / "drills")

    drill = build_drill(Path(result["database"]).parent,
                        SimulatedClock(datetime(2026, 3, 2, 8, 30, tzinfo=UTC)))
    try:
        contacts = {c.contact.name: c.role for c in drill.roster.contacts()}
        assert contacts == {ALICE: Role.COMMANDER, BOB: Role.SPOKESPERSON,
                            CAROL: Role.SPOKESPERSON, DAVE: Role.OBSERVER,
                            ERIN: Role.FACILITATOR, ZOE: None}
        assert drill.roster.owner("communications").chain == "communications"
        (skiing,) = drill.roster.windows(ALICE)  # the live vacation, on the drill's clock
        assert skiing.status is AvailabilityStatus.VACATION and skiing.note == "skiing"
        assert skiing.starts_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
        assert abs(skiing.ends_at - datetime(2026, 3, 2, 9, 30, tzinfo=UTC)) < \
            timedelta(minutes=5)
        assert drill.roster.sign_in(CAROL, "exercise-passphrase").name == CAROL
    finally:
        drill.close()
    html = tmp_path / "report.html"  # reopened, the report lists the live roster's people
    assert main(["drill", "report", str(Path(result["database"]).parent), "--output",
                 str(html)]) == 0
    page = html.read_text()
    assert all(name in page for name in (ALICE, BOB, CAROL, DAVE, ERIN, ZOE))
    assert "communications: Carol Chen &gt; Alice Archer" in page


def test_a_copied_person_gains_no_authority_the_live_chain_does_not_give(
        people: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy confers only what the live chain does: Alice, second in communications
    behind an available Carol, cannot approve; the author cannot approve his own words;
    and a copied person signs in with the scenario's passphrase only."""
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))
    scenario = write(tmp_path, "live.toml", LIVE)
    not_owner = ACTIONS.replace(f'who = "{CAROL}"', f'who = "{ALICE}"')
    own_words = ACTIONS.replace(f'who = "{CAROL}"', f'who = "{BOB}"')
    url = people.settings.database_url
    for name, body, who, why in (
            ("alice.toml", not_owner, ALICE, "does not own the communications chain"),
            ("bob.toml", own_words, BOB, "is an author of this message")):
        actions = write(tmp_path, name, body)
        assert main(["--database-url", url, "--json", "drill", "run", str(scenario),
                     "--actions", str(actions)]) == 0
        result = json.loads(capsys.readouterr().out)
        approve = next(a for a in result["actions"] if a["do"] == "approve")
        assert approve["who"] == who and not approve["ok"]
        assert why in approve["detail"]
        publish = next(a for a in result["actions"] if a["do"] == "publish")
        assert not publish["ok"]  # nothing goes out unapproved
        assert [(o["id"], o["met"]) for o in result["objectives"]] == [("ack", False)]
    drill = build_drill(Path(result["database"]).parent,
                        SimulatedClock(datetime(2026, 3, 2, 8, 30, tzinfo=UTC)))
    try:
        with pytest.raises(CommandCenterError):
            drill.roster.sign_in(CAROL, "not the exercise passphrase")
    finally:
        drill.close()
