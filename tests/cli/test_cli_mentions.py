"""``mention ...`` on the command line: import, list, triage, and the reply's approval path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from commandcenter.app import Services
from commandcenter.persistence.mention_models import MentionRow
from commandcenter.persistence.models import TimelineRow
from tests.services.support import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    assert_nothing_published,
    count,
    open_incident,
)

from .conftest import Cli

HEADER = "channel,author,reach,text,at,link,profile_id\n"


def stamp(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def mentions_file(tmp_path: Path) -> Path:
    path = tmp_path / "mentions.csv"
    at = stamp(5)
    path.write_text(HEADER
                    + f"x,@loud,250000,WTF why did my score drop? Unacceptable!,{at},,\n"
                    + f"x,@quiet,40,Reading about the new model,{at},,\n"
                    + f"x,@quiet,40,Reading about the new model,{at},,\n"
                    + f'facebook,Kalani,9000,"Made us look like fools, thanks",{stamp(9)},'
                      "https://fb.example/p/1,\n", encoding="utf-8")
    return path


def test_import_and_list_json(cli: Cli, company: Services, tmp_path: Path) -> None:
    inc = open_incident(company)
    r = cli("mention", "import", str(mentions_file(tmp_path)), "--incident", str(inc),
            as_json=True)
    assert r.code == 0, r.err
    assert {k: r.json()[k] for k in ("rows", "stored", "duplicates")} == {
        "rows": 4, "stored": 3, "duplicates": 1}
    listed = cli("mention", "list", str(inc), as_json=True)
    assert listed.code == 0
    doc = listed.json()
    assert [m["author"] for m in doc] == ["@loud", "Kalani", "@quiet"]
    assert doc[0]["state"] == "new" and doc[0]["own_score"] is True
    assert doc[0]["reasons"][0] == "reach 250k (+36)"
    text = cli("mention", "list", str(inc))
    assert text.out.splitlines()[0].startswith("mention ")
    assert "asks about own score (+10)" in text.out.splitlines()[1]


def test_a_malformed_file_exits_2_names_the_lines_and_stores_nothing(
        cli: Cli, company: Services, tmp_path: Path) -> None:
    inc = open_incident(company)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + f"x,a,10,ok,{stamp(1)},,\nx,b,-3,neg,{stamp(1)},,\n"
                    f"x,c,10,bad,noon,,\nx,d,10,short\n", encoding="utf-8")
    r = cli("mention", "import", str(path), "--incident", str(inc))
    assert r.code == 2
    line = r.error_line
    assert line.startswith("error: line 3: reach: -3 is negative; ")
    assert line.endswith("(3 bad lines in bad.csv, nothing imported)")
    assert "line 3: reach: -3 is negative" in line and "line 4: at: 'noon'" in line
    assert "line 5: 4 fields where the header has 7" in line
    assert count(company, MentionRow) == 0
    missing = tmp_path / "missing.csv"
    missing.write_text("channel,author,text,at\nx,a,t,2026-12-02T10:00:00Z\n")
    r = cli("mention", "import", str(missing), "--incident", str(inc), as_json=True)
    assert r.code == 2 and "missing column reach" in r.json()["error"]


def test_triage_commands_and_their_exit_codes(cli: Cli, company: Services,
                                              tmp_path: Path) -> None:
    inc = open_incident(company)
    cli("mention", "import", str(mentions_file(tmp_path)), "--incident", str(inc))
    loud, kalani, quiet = (m["id"] for m in cli("mention", "list", str(inc),
                                                 as_json=True).json())
    r = cli("mention", "assign", str(loud), CAROL, "--as", BOB, as_json=True)
    assert r.code == 0 and r.json()["state"] == "assigned" and r.json()["assigned_to"] == CAROL
    r = cli("mention", "set-aside", str(quiet), "--reason", "not about us", "--as", BOB,
            as_json=True)
    assert r.code == 0 and r.json()["set_aside_reason"] == "not about us"
    assert cli("mention", "assign", str(quiet), CAROL, "--as", BOB).code == 3  # set aside
    assert cli("mention", "assign", str(kalani), CAROL, "--as", DAVE).code == 3  # observer
    assert cli("mention", "assign", "9999", CAROL, "--as", BOB).code == 2
    assert cli("mention", "set-aside", str(kalani), "--reason", " ", "--as", BOB).code == 2
    assert cli("mention", "assign", str(kalani), CAROL, "--as", BOB,
               passphrase="wrong horse battery").code == 3
    opened = cli("mention", "list", str(inc), "--state", "open", as_json=True).json()
    assert [m["author"] for m in opened] == ["@loud", "Kalani"]
    assert cli("mention", "list", str(inc), "--state", "gone").code == 2


def test_a_reply_is_published_only_with_the_communications_owners_approval(
        cli: Cli, company: Services, tmp_path: Path) -> None:
    inc = open_incident(company)
    cli("mention", "import", str(mentions_file(tmp_path)), "--incident", str(inc))
    loud = cli("mention", "list", str(inc), as_json=True).json()[0]["id"]
    r = cli("mention", "reply", str(loud), "--body",
            "Sorry! A bad batch halved some scores; yours is being restored.", "--as", BOB,
            as_json=True)
    assert r.code == 0, r.err
    mid = r.json()["message"]["id"]
    assert r.json()["message"]["channel"] == "direct_reply"
    assert r.json()["mention"]["state"] == "assigned"
    assert r.json()["mention"]["reply_message_id"] == mid
    assert cli("mention", "reply", str(loud), "--body", "again", "--as", BOB).code == 3
    # not submitted, not approved: refused, and the mention is not answered
    assert cli("message", "publish", str(mid), "--as", BOB).code == 3
    assert cli("message", "submit", str(mid), "--as", BOB).code == 0
    assert cli("message", "publish", str(mid), "--as", BOB).code == 3
    # Alice is a commander but does not own the communications chain (Carol does)
    denied = cli("message", "approve", str(mid), "--as", ALICE)
    assert denied.code == 3 and "does not own the communications chain" in denied.error_line
    assert cli("message", "publish", str(mid), "--as", BOB).code == 3
    assert_nothing_published(company, mid)
    assert company.mentions.get(loud).state.value == "assigned"
    # the owner approves; publishing answers the mention, on the timeline too
    assert cli("message", "approve", str(mid), "--as", CAROL).code == 0
    assert cli("message", "publish", str(mid), "--as", BOB).code == 0
    answered = cli("mention", "list", str(inc), "--state", "answered", as_json=True).json()
    assert [m["id"] for m in answered] == [loud]
    assert answered[0]["answered_at"] is not None
    assert count(company, TimelineRow, TimelineRow.incident_id == inc,
                 TimelineRow.kind == "mention_answered") == 1
    assert cli("mention", "reply", str(loud), "--body", "more", "--as", BOB).code == 3
