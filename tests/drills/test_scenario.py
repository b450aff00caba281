"""Scenario files: the shipped ones validate; a broken one reports every error, line and field."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from commandcenter.cli import main
from commandcenter.drills.actions import parse_actions
from commandcenter.drills.durations import format_offset, parse_offset
from commandcenter.drills.patterns import plans
from commandcenter.drills.scenario import ScenarioErrors, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"

BROKEN = '''\
format = 1
name = "Broken"
start = "yesterday at nine"
duration = "2h"
facilitator = "Morgan Blake"

[incident]
title = "x"
severity = "SEV2"

[[people]]
name = "Morgan Blake"
role = "facilitator"

[[people]]
name = "Alex Kim"
role = "commander"

[chains]
communications = ["Alex Kim", "Nobody Atall"]

[[injects]]
at = "-5m"
kind = "mention"
channel = "x"
author = "@a"
text = "hello"

[[injects]]
at = "10m"
kind = "earthquake"

[[injects]]
at = "20m"
kind = "availability"
person = "Maya Okafor"
status = "travelling"
until = "1h"

[[objectives]]
id = "ack"
measure = "vibes"
within = "30m"
'''


def test_shipped_scenarios_validate() -> None:
    files = sorted(f for f in SCENARIOS.glob("*.toml") if ".actions-" not in f.name)
    assert len(files) == 2
    for f in files:
        s = parse_scenario(f.read_text(), f.name)
        assert s.objectives and s.injects and s.people
        for kind in ("meets", "misses"):  # each ships with both sets of scripted players
            actions = f.with_name(f"{f.stem}.actions-{kind}.toml")
            assert parse_actions(actions.read_text(), s, actions.name)


def test_every_error_at_once_with_line_and_field() -> None:
    with pytest.raises(ScenarioErrors) as err:
        parse_scenario(BROKEN, "broken.toml")
    found = {(p.line, p.field) for p in err.value.problems}
    assert (3, "start") in found  # bad time
    assert (20, "chains.communications") in found  # a chain naming nobody in the roster
    assert (23, "injects[0].at") in found  # negative offset
    assert (31, "injects[1].kind") in found  # unknown inject kind
    assert (36, "injects[2].person") in found  # unknown person
    assert (42, "objectives[0].measure") in found  # cannot be measured
    text = str(err.value)
    assert "line 31: injects[1].kind: unknown inject kind 'earthquake'" in text
    assert "Nobody Atall" in text and "negative" in text


def test_validate_command_exit_2_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text(BROKEN)
    assert main(["--json", "drill", "validate", str(bad)]) == 2
    out = capsys.readouterr()
    doc = json.loads(out.out)
    assert doc["exit_code"] == 2 and len(doc["errors"]) >= 6
    assert "line 3: start" in out.err
    good = SCENARIOS / "scores-halved-overnight.toml"
    assert main(["drill", "validate", str(good)]) == 0


def test_not_toml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioErrors) as err:
        parse_scenario('name = "a"\nstart = \n', "x.toml")
    assert err.value.problems[0].line == 2


def test_offsets() -> None:
    assert parse_offset("1h20m") == timedelta(minutes=80)
    assert parse_offset("T+90s") == timedelta(seconds=90)
    assert parse_offset(15) == timedelta(minutes=15)
    for bad in ("-5m", "soon", "", True):
        with pytest.raises(ValueError):
            parse_offset(bad)
    assert format_offset(timedelta(minutes=80)) == "T+1h20m"


def test_patterns_drop_and_stale() -> None:
    text = (SCENARIOS / "scores-halved-overnight.toml").read_text()
    s = parse_scenario(text.replace('pattern = "step"\nto = 42', 'pattern = "drop"\nby = "50%"'
                                    '\nover = "1h"', 1))
    mean = next(p for p in plans(s) if p.name == "score_mean")
    start = s.start.timestamp()
    at = {round((t - start) / 60): v for t, v in zip(mean.ts, mean.values, strict=True)}
    assert at[170] == pytest.approx(31.5, abs=1.5)
    assert at[300] == pytest.approx(15.75, abs=1.5)  # lost half over the hour after T+3h


def test_a_metric_pattern_fired_early_starts_then(tmp_path: Path) -> None:
    from datetime import timedelta

    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.services.drill_runs import DrillSession

    path = SCENARIOS / "scores-halved-overnight.toml"
    s = parse_scenario(path.read_text())
    clock = SimulatedClock(s.start)
    svc = build_drill(tmp_path, clock)
    try:
        session = DrillSession(svc.ctx, clock, s, path.read_text())
        session.advance_to(timedelta(minutes=30))
        fix = next(j for j in s.injects if j.kind == "metric" and j.series == "score_mean"
                   and j.pattern == "step")
        session.fire(fix.index)  # the facilitator restores the scores at T+30m, not T+3h
        session.advance_to(timedelta(minutes=40))
        data = svc.health.points("score_mean", s.start, s.start + timedelta(hours=1))
        at = {round((t - s.start.timestamp()) / 60): v
              for t, v in zip(data.ts, data.value, strict=True)}
        assert at[20] == pytest.approx(31.5, abs=1.5)
        assert at[35] == pytest.approx(42, abs=1.5)
        assert 40 in at and 41 not in at  # nothing from the future
    finally:
        svc.close()
