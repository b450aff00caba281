"""The replay window: a finished drill's timeline appears entry by entry on the replay's
simulated clock; play/pause, speed, next entry, the position slider and restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from commandcenter.app import build_drill
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ui.drill_replay import open_replay
from tests.drills.conftest import halved_meets_run  # noqa: F401


@pytest.fixture
def drill(request: pytest.FixtureRequest) -> Any:
    folder: Path = request.getfixturevalue("halved_meets_run")[0]
    svc = build_drill(folder / "run",
                      SimulatedClock(datetime(2026, 3, 2, 14, tzinfo=UTC)))
    yield svc
    svc.close()


def whats(window: Any) -> list[str]:
    return [window.table.item(r, 4).text() for r in range(window.table.rowCount())]


def test_replay_window_steps_through_the_timeline(qtbot: QtBot, drill: Any) -> None:
    window = open_replay(drill.ctx, 1, speed=60)
    qtbot.addWidget(window)
    window.show()
    r = window.replay
    at_start = [e for e in r.entries if e.at == timedelta(0)]
    assert window.table.rowCount() == len(at_start) > 0
    assert window.clock.text().startswith("T+0m / T+6h00m")
    assert window.advance(60) == []  # paused: the replay clock does not move

    window.play_button.click()
    window.timer.stop()  # the test moves the clock itself
    assert r.playing and window.play_button.text() == "&Pause"
    appeared = window.advance(17)  # 17 wall seconds at x60: T+17m
    assert appeared and appeared[-1].at <= timedelta(minutes=17)
    assert window.clock.text().startswith("T+17m / T+6h00m")
    assert any("EXERCISE: We know many of you" in w for w in whats(window))
    assert window.table.rowCount() == len([e for e in r.entries
                                           if e.at <= timedelta(minutes=17)])
    assert window.slider.value() == 17 * 60

    window.speed.setCurrentIndex(window.speed.findData(600))
    window.advance(6)  # x600: another hour
    assert window.clock.text().startswith("T+1h17m")
    assert window.count.text() == f"entries {r.shown}/{len(r.entries)}"

    nxt = r.next_entry
    assert nxt is not None
    window.step_button.click()  # jump to the next entry
    assert r.position == nxt.at and whats(window)[-1] == nxt.text

    window.slider.setValue(5 * 60)  # back to T+5m: later entries disappear
    assert window.table.rowCount() == len([e for e in r.entries
                                           if e.at <= timedelta(minutes=5)])
    window.slider.setValue(window.slider.maximum())
    assert r.finished and not r.playing and window.play_button.text() == "&Play"
    assert window.table.rowCount() == len(r.entries)
    window.restart_button.click()
    assert window.table.rowCount() == len(at_start)


def test_gui_drill_replay_refuses_a_folder_without_a_finished_drill(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from commandcenter.cli import main

    assert main(["gui", "--drill-replay", str(tmp_path)]) == 2
    assert "holds no drill database (drill.sqlite)" in capsys.readouterr().err
