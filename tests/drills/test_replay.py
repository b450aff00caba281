"""Replaying a finished drill: entries appear at their simulated times on the replay's own
clock (moved by the caller, never read from the wall), and ``drill replay`` prints the
timeline as it unfolds, one JSON object per line with --json."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commandcenter.cli import main
from commandcenter.drills.replay import Replay, ReplayEntry, paced

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def entry(minutes: float, text: str) -> ReplayEntry:
    at = timedelta(minutes=minutes)
    return ReplayEntry(at, START + at, "note", "Tom Becker", text)


ENTRIES = [entry(0, "detected"), entry(5, "mention"), entry(17, "published"),
           entry(90, "resolved")]


def texts(entries: list[ReplayEntry]) -> list[str]:
    return [e.text for e in entries]


def test_entries_appear_at_their_simulated_times() -> None:
    r = Replay(list(reversed(ENTRIES)), timedelta(hours=2), speed=60)
    assert texts(r.visible) == ["detected"]  # T+0 is on screen from the start
    assert r.tick(600) == [] and r.position == timedelta(0)  # paused: nothing moves
    r.play()
    assert texts(r.tick(4)) == []  # 4 wall seconds at x60: T+4m
    assert texts(r.tick(1)) == ["mention"]  # T+5m
    r.set_speed(600)
    assert texts(r.tick(1.2)) == ["published"]  # T+17m
    assert r.position == timedelta(minutes=17) and r.next_entry == ENTRIES[3]
    assert texts(r.tick(100)) == ["resolved"]  # clamped to the end, which stops it
    assert r.finished and not r.playing and r.position == timedelta(hours=2)


def test_step_seek_and_restart() -> None:
    r = Replay(ENTRIES, timedelta(hours=2))
    assert texts(r.step()) == ["mention"] and r.position == timedelta(minutes=5)
    assert texts(r.seek(timedelta(hours=1))) == ["published"]
    assert r.seek(timedelta(minutes=10)) == [] and texts(r.visible) == ["detected", "mention"]
    r.seek(timedelta(hours=5))
    assert r.finished and r.shown == 4
    r.play()  # playing a finished replay starts it again
    assert r.playing and r.position == timedelta(0) and texts(r.visible) == ["detected"]
    r.restart()
    assert r.shown == 1
    with pytest.raises(ValueError):
        r.set_speed(0)


def test_paced_waits_the_simulated_gap_divided_by_the_speed() -> None:
    waits: list[float] = []
    out = list(paced(ENTRIES, 60, waits.append))
    assert texts(out) == ["detected", "mention", "published", "resolved"]
    assert waits == [5.0, 12.0, 73.0]  # minutes of drill -> seconds at x60
    waits.clear()
    assert len(list(paced(ENTRIES, None, waits.append))) == 4 and waits == []


@pytest.fixture
def drill(halved_meets_run: tuple[Path, dict[str, Any]]) -> Path:
    return halved_meets_run[0] / "run"


def test_drill_replay_prints_json_lines_in_time_order(drill: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert main(["--json", "drill", "replay", str(drill)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["at"] == "T+0m" and lines[0]["kind"] == "detection"
    offsets = [line["offset_s"] for line in lines]
    assert offsets == sorted(offsets)
    assert set(lines[0]) == {"at", "offset_s", "time", "kind", "who", "text"}
    kinds = {line["kind"] for line in lines}
    assert {"mention", "message published", "status change"} <= kinds
    published = next(line for line in lines if line["kind"] == "message published")
    assert published["at"] == "T+17m" and published["time"] == "2026-03-02T08:47:00+00:00"


def test_drill_replay_paced_sleeps_on_the_simulated_clock(
        drill: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)  # no wall-clock wait in the test
    assert main(["drill", "replay", str(drill), "--speed", "600"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("replay: Scores halved overnight (run 1)")
    assert "at x600" in out[0]
    last = out[-1].split()[0]  # e.g. T+3h20m
    assert last.startswith("T+")
    assert waits and abs(sum(waits) * 600 - _seconds(last)) < 1


def _seconds(offset: str) -> float:
    from commandcenter.drills.durations import parse_offset

    return parse_offset(offset).total_seconds()


def test_drill_replay_refuses_a_bad_speed_and_a_folder_without_a_drill(
        drill: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drill", "replay", str(drill), "--speed", "0"]) == 2
    assert "--speed: 0 is outside 1..3600" in capsys.readouterr().err
    assert main(["drill", "replay", str(tmp_path)]) == 2
    assert "holds no drill database" in capsys.readouterr().err
