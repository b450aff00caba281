"""The command line contract: --json documents, one-line errors, exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commandcenter.app import Services
from commandcenter.domain.roster import AvailabilityStatus
from commandcenter.persistence.models import AvailabilityRow, IncidentRow
from tests.services.support import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    TIMEZONES,
    contact_count,
    count,
    open_incident,
    signed,
)

from .conftest import Cli


def iso(t: datetime) -> str:
    return t.isoformat()


def test_roster_list_json(cli: Cli, company: Services) -> None:
    r = cli("roster", "list", as_json=True)
    assert r.code == 0
    doc = r.json()
    by_name = {row["contact"]["name"]: row for row in doc}
    assert set(by_name) == set(TIMEZONES)
    assert by_name[CAROL]["contact"]["timezone"] == "Asia/Tokyo"
    assert by_name[CAROL]["role"] == "spokesperson"
    assert by_name[DAVE]["role"] == "observer"
    assert by_name[CAROL]["availability"]["status"] == "available"


def test_roster_list_text_is_not_json(cli: Cli, company: Services) -> None:
    r = cli("roster", "list")
    assert r.code == 0
    assert CAROL in r.out and "Asia/Tokyo" in r.out
    assert not r.out.lstrip().startswith(("[", "{"))


def test_chain_owner_json(cli: Cli, company: Services) -> None:
    now = datetime.now(UTC)
    company.roster.set_availability(CAROL, AvailabilityStatus.TRAVELLING,
                                    now - timedelta(hours=1), now + timedelta(hours=5),
                                    by=signed(CAROL))
    r = cli("chain", "owner", "communications", as_json=True)
    assert r.code == 0
    doc = r.json()
    assert doc["chain"] == "communications"
    assert doc["owner"] == ALICE
    assert [s["name"] for s in doc["skipped"]] == [CAROL]
    assert "travelling until" in doc["skipped"][0]["reason"]
    assert "not reachable" in doc["skipped"][0]["reason"]
    assert datetime.fromisoformat(doc["next_change"]) == (now + timedelta(hours=5))
    later = cli("chain", "owner", "communications", "--at", iso(now + timedelta(hours=6)),
                as_json=True).json()
    assert later["owner"] == CAROL
    assert later["skipped"] == []
    assert later["next_change"] is None


def test_chain_owner_text(cli: Cli, company: Services) -> None:
    r = cli("chain", "owner", "communications")
    assert r.code == 0
    assert f"owner: {CAROL}" in r.out
    assert "next change: none planned" in r.out


def test_incident_open_list_show_timeline_json(cli: Cli, company: Services) -> None:
    opened = cli("incident", "open", "Scores halved overnight", "--severity", "sev1",
                 "--as", ALICE, as_json=True)
    assert opened.code == 0, opened.err
    inc = opened.json()
    assert inc["title"] == "Scores halved overnight"
    assert inc["severity"] == "SEV1"
    assert inc["status"] == "declared"
    assert inc["commander"] == ALICE
    assert inc["drill"] is False
    listed = cli("incident", "list", as_json=True).json()
    assert [i["id"] for i in listed] == [inc["id"]]
    shown = cli("incident", "show", str(inc["id"]), as_json=True).json()
    assert shown["id"] == inc["id"]
    assert shown["figures"]["time_to_declare"] is not None
    assert shown["figures"]["time_to_resolve"] is None
    timeline = cli("incident", "timeline", str(inc["id"]), as_json=True).json()
    kinds = [e["kind"] for e in timeline]
    assert kinds[:2] == ["detection", "declaration"]
    assert all(e["incident_id"] == inc["id"] for e in timeline)


def test_message_draft_and_list_json(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    drafted = cli("message", "draft", str(incident), "--channel", "twitter", "--body",
                  "We see the score drop and are on it.", "--as", BOB, as_json=True)
    assert drafted.code == 0, drafted.err
    m = drafted.json()
    assert m["channel"] == "x"
    assert m["state"] == "draft"
    assert m["author"] == BOB
    assert len(m["content_hash"]) == 64
    listed = cli("message", "list", str(incident), as_json=True).json()
    assert [x["id"] for x in listed] == [m["id"]]
    assert listed[0]["body"] == "We see the score drop and are on it."


def test_bad_severity_is_exit_2_naming_the_field(cli: Cli, company: Services) -> None:
    r = cli("incident", "open", "Scores halved", "--severity", "SEV9", "--as", ALICE)
    assert r.code == 2
    assert r.error_line.startswith("error: severity: 'SEV9'")
    assert r.out == ""
    assert count(company, IncidentRow) == 0


def test_errors_with_json_still_go_to_stderr(cli: Cli, company: Services) -> None:
    r = cli("incident", "show", "4242", as_json=True)
    assert r.code == 2
    assert "incident" in r.error_line and "4242" in r.error_line
    assert r.json()["exit_code"] == 2


@pytest.mark.parametrize("args", [
    ("incident", "show", "999"),
    ("incident", "timeline", "999"),
    ("message", "list", "999"),
])
def test_unknown_incident_is_exit_2(cli: Cli, company: Services, args: tuple[str, ...]) -> None:
    r = cli(*args)
    assert r.code == 2
    assert "999" in r.error_line


def test_policy_refusal_is_exit_3(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    r = cli("incident", "status", str(incident), "closed", "--as", ALICE)
    assert r.code == 3
    assert "cannot go from declared to closed" in r.error_line
    assert company.incidents.get(incident).status.value == "declared"
    r = cli("incident", "status", str(incident), "resolved", "--as", DAVE)
    assert r.code == 3
    assert "permission" in r.error_line
    ok = cli("incident", "status", str(incident), "resolved", "--as", ALICE)
    assert ok.code == 0
    assert company.incidents.get(incident).status.value == "resolved"


def test_unknown_status_is_exit_2(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    r = cli("incident", "status", str(incident), "fixed", "--as", ALICE)
    assert r.code == 2
    assert r.error_line.startswith("error: status: 'fixed'")


@pytest.mark.parametrize("args", [
    ("incident", "open", "No operator given", "--severity", "SEV2"),  # --as is required
    ("incident", "frobnicate"),
    ("incident", "show", "not-a-number"),
])
def test_bad_usage_is_exit_2(cli: Cli, company: Services, args: tuple[str, ...]) -> None:
    r = cli(*args)
    assert r.code == 2
    assert r.error_line.startswith("error: usage:")


def test_wrong_passphrase_is_exit_3(cli: Cli, company: Services) -> None:
    r = cli("incident", "open", "Scores halved", "--severity", "SEV1", "--as", ALICE,
            passphrase="not the passphrase")
    assert r.code == 3
    assert "wrong passphrase" in r.error_line
    assert count(company, IncidentRow) == 0


@pytest.mark.parametrize("until", [timedelta(0), timedelta(hours=-2)])
def test_availability_until_not_after_from_is_exit_2(cli: Cli, company: Services,
                                                     until: timedelta) -> None:
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    r = cli("availability", "set", CAROL, "vacation", "--from", iso(start), "--until",
            iso(start + until), "--as", CAROL)
    assert r.code == 2
    assert r.error_line.startswith("error: until: ")
    assert count(company, AvailabilityRow) == 0


def test_availability_set_and_bad_date(cli: Cli, company: Services) -> None:
    r = cli("availability", "set", CAROL, "travelling", "--from", "2026-12-01T09:00:00+09:00",
            "--until", "2026-12-01T20:00Z", "--reachable", "--note", "NRT-SFO", "--as", CAROL)
    assert r.code == 0, r.err
    [w] = company.roster.windows(CAROL)
    assert w.starts_at == datetime(2026, 12, 1, 0, tzinfo=UTC)
    assert w.reachable
    bad = cli("availability", "set", CAROL, "vacation", "--from", "tomorrow", "--until",
              "2026-12-02T00:00Z", "--as", CAROL)
    assert bad.code == 2
    assert bad.error_line.startswith("error: from: 'tomorrow'")


def test_roster_import_bad_csv_is_exit_2_and_imports_nothing(
    cli: Cli, company: Services, tmp_path: Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,title,email,phone,handle,timezone\n"
                    "Joe Fernandez,CEO,joe@klout.example,,,America/Los_Angeles\n"
                    "Megan Berry,,megan@klout,,,UTC\n")
    before = contact_count(company)
    r = cli("roster", "import", str(path), "--as", ALICE)
    assert r.code == 2
    assert "line 3" in r.error_line and "email" in r.error_line
    assert contact_count(company) == before
    path.write_text(path.read_text().replace("megan@klout", "megan@klout.example"))
    ok = cli("roster", "import", str(path), "--as", ALICE, as_json=True)
    assert ok.code == 0
    assert ok.json() == {"imported": ["Joe Fernandez", "Megan Berry"]}
    assert contact_count(company) == before + 2


def test_availability_import_ics(cli: Cli, company: Services, tmp_path: Path) -> None:
    path = tmp_path / "carol.ics"
    path.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Flight\n"
                    "DTSTART:20261201T090000Z\nDTEND:20261201T200000Z\nEND:VEVENT\n"
                    "BEGIN:VEVENT\nSUMMARY:Oops\nDTSTART:20261302T090000Z\nDURATION:PT1H\n"
                    "END:VEVENT\n"
                    "END:VCALENDAR\n")
    r = cli("availability", "import", str(path), "--contact", CAROL, "--as", CAROL)
    assert r.code == 2
    assert "line 9" in r.error_line
    assert count(company, AvailabilityRow) == 0
    path.write_text(path.read_text().replace("20261302", "20261202"))
    ok = cli("availability", "import", str(path), "--contact", CAROL, "--as", CAROL,
             as_json=True)
    assert ok.code == 0
    assert [w["status"] for w in ok.json()] == ["travelling", "unavailable"]
    assert count(company, AvailabilityRow) == 2


def test_a_database_in_a_missing_folder_is_one_line_naming_it(
        tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from commandcenter.cli import main

    folder = tmp_path / "no" / "such"
    for args in (["incident", "list"], ["roster", "list"]):
        code = main(["--database-url", f"sqlite:///{folder / 'cc.sqlite'}", *args])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err.splitlines() == [f"error: database-url: the folder {folder} does not exist "
                                    "(create it, or give another --database-url)"]
    assert not folder.exists()


def test_an_unexpected_database_error_is_one_line(
        cli: Cli, company: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from commandcenter.services.roster import RosterService

    def broken(*_args: object, **_kwargs: object) -> object:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(RosterService, "contacts", broken)
    r = cli("roster", "list")
    assert r.code == 1
    assert r.err.splitlines() == ["error: unexpected OperationalError: "
                                  "(builtins.Exception) disk I/O error"]
