"""A drill on PostgreSQL: migration 0006 there, the outage refusal in the publish
transaction, and the same scoring as on SQLite."""

from __future__ import annotations

from pathlib import Path

from commandcenter.app import build, exercise_passphrases
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.drills.actions import parse_actions
from commandcenter.drills.scenario import parse_scenario
from commandcenter.services.drill_runs import DrillSession

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"


def test_halved_misses_on_postgres(pg_url: str, tmp_path: Path) -> None:
    text = HALVED.read_text()
    scenario = parse_scenario(text)
    actions = parse_actions(HALVED.with_name(f"{HALVED.stem}.actions-misses.toml").read_text(),
                            scenario)
    clock = SimulatedClock(scenario.start)
    svc = build(Settings(database_url=pg_url, data_dir=tmp_path), clock=clock,
                passphrases=exercise_passphrases())
    try:
        result = DrillSession(svc.ctx, clock, scenario, text, str(HALVED), actions).finish()
    finally:
        svc.close()
    got = {o["id"]: (o["met"], o["measured"]) for o in result["objectives"]}
    assert got["ack-30m"] == (False, "T+1h25m")
    refused = {a["at"]: a["detail"] for a in result["actions"] if not a["ok"]}
    assert "x is unavailable (exercise outage)" in refused["T+1h05m"]
