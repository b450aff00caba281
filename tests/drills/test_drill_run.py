"""Headless drills: both shipped scenarios, with actions that meet every objective and with
actions that miss some; the result says so truthfully, with the measured simulated times."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from commandcenter.app import build_drill
from commandcenter.cli import main
from commandcenter.cli.drills import run_headless
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import PolicyRefused
from commandcenter.persistence.outbox import LIVE
from commandcenter.services.messages import MessageService

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"
BACKLASH = SCENARIOS / "algorithm-change-backlash.toml"


def _run(tmp: Path, scenario: Path, actions: str) -> dict[str, Any]:
    acts = scenario.with_name(f"{scenario.stem}.actions-{actions}.toml")
    return run_headless(scenario, acts, speed=None, report=None, folder=tmp / "run")


def _objectives(result: dict[str, Any]) -> dict[str, tuple[bool, str | None]]:
    return {o["id"]: (o["met"], o["measured"]) for o in result["objectives"]}


@pytest.fixture
def halved_meets(halved_meets_run: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return halved_meets_run[1]


def test_halved_meets_every_objective(halved_meets: dict[str, Any]) -> None:
    assert _objectives(halved_meets) == {
        "ack-30m": (True, "T+17m"), "algorithm-unchanged-1h": (True, "T+17m"),
        "ceo-explanation-4h": (True, "T+3h12m"), "resolved-4h": (True, "T+3h20m")}
    assert all(a["ok"] for a in halved_meets["actions"])
    # While the CEO was in the air Daniel owned communications; after T+1h the CEO did,
    # and she handed the chain over to have her own post approved.
    approvals = {a["message"]: (a["approver"], a["owner"], a["right_owner"])
                 for a in halved_meets["approvals"]}
    assert approvals[1] == ("Daniel Reyes", "Daniel Reyes", True)
    assert approvals[3] == ("Maya Okafor", "Maya Okafor", True)
    assert approvals[4] == ("Daniel Reyes", "Daniel Reyes", True)
    figures = {f["name"]: (f["measured"], f["benchmark"], f["beat_benchmark"])
               for f in halved_meets["figures"]}
    assert figures["first_public_message"] == (17 * 60.0, 3600.0, True)
    assert figures["explanation"] == ((3 * 60 + 12) * 60.0, 3.5 * 3600, True)
    assert figures["declared"][0] == 180.0
    c = halved_meets["commitments"]
    assert (c["commitments_made"], c["commitments_kept_on_time"], c["commitments_broken"]) == \
        (1, 1, 0)
    assert c["items"][0]["text"] == "Next update by 10:00 UTC"


def test_drill_messages_never_reach_a_live_channel(halved_meets: dict[str, Any]) -> None:
    folder = Path(halved_meets["database"]).parent
    outbox = folder / "outbox"
    assert not (outbox / LIVE).exists() or not any((outbox / LIVE).iterdir())
    drill_files = [p for p in outbox.rglob("*") if p.is_file()]
    assert len(drill_files) == 4
    svc = build_drill(folder, SimulatedClock(halved_meets_end(halved_meets)))
    try:
        messages = MessageService(svc.ctx)
        published = [m for m in messages.list(halved_meets["incident"]) if m.published_at]
        assert all(m.body.startswith("EXERCISE") and m.drill for m in published)
        with pytest.raises(PolicyRefused, match="never go to a live channel"):
            messages.publish(published[0].id, "Tom Becker", destination=LIVE)
    finally:
        svc.close()


def halved_meets_end(result: dict[str, Any]) -> Any:
    from commandcenter.domain.clock import parse_instant

    return parse_instant(result["end"])


def test_halved_misses_are_reported(tmp_path: Path) -> None:
    result = _run(tmp_path, HALVED, "misses")
    assert _objectives(result) == {
        "ack-30m": (False, "T+1h25m"), "algorithm-unchanged-1h": (False, "T+4h25m"),
        "ceo-explanation-4h": (False, None), "resolved-4h": (False, "T+4h40m")}
    refused = {a["at"]: a["detail"] for a in result["actions"] if not a["ok"]}
    assert "nobody approves their own words" in refused["T+40m"]
    assert "x is unavailable (exercise outage)" in refused["T+1h05m"]
    assert result["refused_approvals"][0]["who"] == "Tom Becker"
    c = result["commitments"]  # broken on the drill's clock at T+3h30m, never kept
    assert (c["commitments_made"], c["commitments_broken"]) == (1, 1)
    assert c["items"][0]["state"] == "broken"


def test_backlash_meets_and_misses(tmp_path: Path) -> None:
    met = _run(tmp_path / "a", BACKLASH, "meets")
    assert _objectives(met) == {"top-five-1h": (True, "T+32m"),
                                "how-it-works-3h": (True, "T+1h37m"),
                                "advance-notice-4h": (True, "T+2h37m")}
    missed = _run(tmp_path / "b", BACKLASH, "misses")
    assert _objectives(missed) == {"top-five-1h": (False, None),
                                   "how-it-works-3h": (True, "T+2h47m"),
                                   "advance-notice-4h": (False, None)}
    detail = next(o["detail"] for o in missed["objectives"] if o["id"] == "top-five-1h")
    assert "@growthhackerana" in detail and "Dana" not in detail


def test_bad_actions_exit_2_and_nothing_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMMANDCENTER_DATA_DIR", str(tmp_path))
    bad = tmp_path / "bad.toml"
    bad.write_text('[[actions]]\nat = "-1m"\nwho = "Nobody"\ndo = "approve"\nmessage = "x"\n')
    assert main(["--json", "drill", "run", str(HALVED), "--actions", str(bad)]) == 2
    doc = json.loads(capsys.readouterr().out)
    fields = {(e["line"], e["field"]) for e in doc["errors"]}
    assert {(2, "actions[0].at"), (3, "actions[0].who")} <= fields
    assert not (tmp_path / "drills").exists()


def test_the_window_engine_stores_the_result_once_the_clock_reaches_the_end(
        tmp_path: Path) -> None:
    """The window's engine (drill_worker) scores and stores the run at the end of play,
    so ``drill report`` works on a drill played in the window."""
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.drill_worker import _store_once
    from commandcenter.drills.scenario import parse_scenario
    from commandcenter.services.drill_runs import DrillSession, finished_runs

    text = HALVED.read_text()
    scenario = parse_scenario(text, str(HALVED))
    clock = SimulatedClock(scenario.start)
    svc = build_drill(tmp_path / "run", clock)
    try:
        session = DrillSession(svc.ctx, clock, scenario, text, str(HALVED))
        assert _store_once(session, session.status(), False) is False
        assert finished_runs(svc.ctx)[0]["result"] == {}
        session.advance_to(scenario.duration)
        assert _store_once(session, session.status(), False) is True
        (run,) = finished_runs(svc.ctx)
        assert run["state"] == "finished" and len(run["result"]["objectives"]) == 4
    finally:
        svc.close()
