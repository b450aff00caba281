"""No lost update: two workstations (separate processes) acting on one message at once,
on SQLite and on PostgreSQL. Each worker imports first and waits for a shared start
signal, so that both commands hit the database together."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from commandcenter.app import Services
from commandcenter.persistence.models import MessageRevisionRow
from tests.services.support import (
    BOB,
    CAROL,
    PASS,
    all_outbox_entries,
    approvals,
    count,
    in_review,
    message_state,
    open_incident,
    publications,
)

from .conftest import Cli

WORKER = Path(__file__).resolve().parent.parent / "workstation.py"


def at_once(url: str, folder: Path, *actions: list[str]) -> list[subprocess.CompletedProcess]:
    """Run each action in its own process, started together; their results in order."""
    go = folder / "go"
    dirs = [folder / f"ws{i}" for i in range(len(actions))]
    env = {**os.environ, "COMMANDCENTER_PASSPHRASE": PASS}
    procs = [subprocess.Popen([sys.executable, str(WORKER), url, str(d), str(go), *a],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for d, a in zip(dirs, actions, strict=True)]
    deadline = time.monotonic() + 120  # a hang guard, not a speed limit
    while not all(Path(f"{d}.ready").exists() for d in dirs):
        assert time.monotonic() < deadline, "workers did not start"
        assert all(p.poll() is None for p in procs), [p.stderr.read() for p in procs if p.stderr]
        time.sleep(0.01)
    go.touch()
    done = []
    for p, a in zip(procs, actions, strict=True):
        out, err = p.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(a, p.returncode, out, err))
    return done


def outbox_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("ws*/outbox/*/*.json"))


def test_edit_with_a_stale_version_exits_4_and_changes_nothing(cli: Cli, company: Services
                                                              ) -> None:
    mid = in_review(company, open_incident(company))
    shown = cli("message", "show", str(mid), as_json=True).json()
    first = cli("message", "edit", str(mid), "--body", "Scores dropped by half.",
                "--expect-version", str(shown["version"]), "--as", BOB, as_json=True)
    assert first.code == 0, first.err
    assert first.json()["version"] > shown["version"]
    stale = cli("message", "edit", str(mid), "--body", "Scores are fine.",
                "--expect-version", str(shown["version"]), "--as", CAROL)
    assert stale.code == 4, stale.err
    assert f"yours: version {shown['version']}" in stale.error_line
    assert company.messages.get(mid).body == "Scores dropped by half."


def test_simultaneous_edits_of_one_draft_one_wins_the_other_conflicts(
    db_url: str, company: Services, tmp_path: Path,
) -> None:
    mid = in_review(company, open_incident(company))
    version = company.messages.get(mid).version
    bodies = {BOB: "Bob's wording: scores dropped.", CAROL: "Carol's wording: scores dropped."}
    results = at_once(db_url, tmp_path, *[
        ["cli", "message", "edit", str(mid), "--body", body, "--expect-version", str(version),
         "--as", name] for name, body in bodies.items()])
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 4], [(r.returncode, r.stderr) for r in results]
    [winner] = [name for name, r in zip(bodies, results, strict=True) if r.returncode == 0]
    [loser] = [r for r in results if r.returncode == 4]
    assert "changed since you opened it" in loser.stderr
    m = company.messages.get(mid)
    assert m.body == bodies[winner]
    assert count(company, MessageRevisionRow, MessageRevisionRow.message_id == mid) == 2


def test_simultaneous_publish_makes_one_publication_and_one_file(
    db_url: str, company: Services, tmp_path: Path,
) -> None:
    mid = in_review(company, open_incident(company))
    company.messages.approve(mid, CAROL, PASS)
    results = at_once(db_url, tmp_path, ["cli", "message", "publish", str(mid), "--as", BOB],
                      ["cli", "message", "publish", str(mid), "--as", BOB])
    codes = sorted(r.returncode for r in results)
    assert codes == [0, 3], [(r.returncode, r.stderr) for r in results]
    assert publications(company, mid) == 1
    assert len(outbox_files(tmp_path)) == 1, outbox_files(tmp_path)
    assert all_outbox_entries(company) == []  # nothing from the set-up workstation either
    assert message_state(company, mid) == "published"


def test_simultaneous_approval_and_edit_never_approve_unseen_text(
    db_url: str, company: Services, tmp_path: Path,
) -> None:
    mid = in_review(company, open_incident(company), "Scores dropped; we are on it.")
    shown = company.messages.get(mid)
    results = at_once(db_url, tmp_path,
                      ["approve-shown", str(mid), CAROL, shown.content_hash],
                      ["cli", "message", "edit", str(mid), "--body", "Scores are fine.",
                       "--as", BOB])
    approve, edit = results
    assert edit.returncode == 0, edit.stderr
    assert approve.returncode in (0, 3), approve.stderr
    m = company.messages.get(mid)
    assert m.body == "Scores are fine." and m.state.value == "draft"
    found = approvals(company, mid)
    if approve.returncode == 0:  # approved first, then the edit voided it
        [a] = found
        assert a.content_hash == shown.content_hash and a.voided_at is not None
    else:  # the edit came first: the approval was refused
        assert found == []
    assert all(a.content_hash == shown.content_hash for a in found)
