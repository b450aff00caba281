"""The README's Drills section is a format reference: its examples parse and behave as it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from commandcenter.cli.drills import parse_hot_wash, run_headless
from commandcenter.drills.actions import parse_actions
from commandcenter.drills.scenario import ScenarioErrors, parse_scenario

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text()
    section = text[text.index("## Drills"):text.index("## The rules it enforces")]
    return re.findall(r"```toml\n(.*?)```", section, re.S)


def test_readme_examples(tmp_path: Path) -> None:
    scenario_text, live_text, actions_text, hot_wash_text = _blocks()
    live = parse_scenario(live_text, "README")
    assert live.live_roster and live.people == ()
    assert [(r.field, r.message) for r in live.references] == [("injects[0].person",
                                                                "Maya Okafor")]
    scenario = parse_scenario(scenario_text, "README")
    assert {j.kind for j in scenario.injects} == {"metric", "snapshot", "availability",
                                                   "mention", "outage", "message"}
    with pytest.raises(ScenarioErrors) as err:  # as the README says it would
        parse_actions(actions_text, scenario, "README")
    assert "line 61: actions[8].who: unknown person 'Alex Kim'" in str(err.value)
    fixed = actions_text.replace('who = "Alex Kim"', 'who = "Maya Okafor"')
    (tmp_path / "s.toml").write_text(scenario_text)
    (tmp_path / "a.toml").write_text(fixed)
    result = run_headless(tmp_path / "s.toml", tmp_path / "a.toml", speed=None, report=None,
                          folder=tmp_path / "run")
    got = {o["id"]: (o["met"], o["measured"]) for o in result["objectives"]}
    assert got["ack-30m"] == (True, "T+17m")
    assert got["ceo-explanation"] == (False, None)  # drafted from the template, never published
    assert got["answer-biggest"] == (False, None)  # the reply was drafted, not published
    hot = parse_hot_wash(hot_wash_text, "README")
    assert hot["plan"][0]["owner"] == "Daniel Reyes"
