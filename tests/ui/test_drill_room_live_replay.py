"""The drill room with ``live_roster = true`` (the live roster handed to the drill's own
engine process) played to its end, then Replay... on the drill bar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from commandcenter.domain.operators import Role
from commandcenter.drills.live_roster import LiveRoster
from commandcenter.drills.scenario import Person
from commandcenter.ui.drill_room import open_drill_room

WAIT = 120_000  # a hang guard, not a speed limit

SCENARIO = '''\
name = "Ten minutes with the live roster"
start = "2026-03-02T08:30:00Z"
duration = "10m"
facilitator = "Morgan Blake"
live_roster = true

[incident]
title = "Scores halved"

[[injects]]
at = "2m"
kind = "message"
text = "A reporter calls."

[[injects]]
at = "10m"
kind = "message"
text = "End of play."

[[objectives]]
id = "ack"
measure = "first_public_message"
within = "10m"
'''


def test_live_roster_room_played_to_the_end_then_replayed(qtbot: QtBot, tmp_path: Path
                                                         ) -> None:
    scenario = tmp_path / "live.toml"
    scenario.write_text(SCENARIO)
    live = LiveRoster((Person("Ada Commander", role=Role.COMMANDER),
                       Person("Sam Speaker", role=Role.SPOKESPERSON)),
                      {"communications": ("Sam Speaker", "Ada Commander")}, (),
                      datetime(2026, 12, 3, 12, tzinfo=UTC), "sqlite:///live.sqlite")
    window, controller, services = open_drill_room(scenario, None, tmp_path / "run", live)
    qtbot.addWidget(window)
    try:
        people = {c.contact.name: c.role for c in services.roster.contacts()}
        assert people == {"Ada Commander": Role.COMMANDER, "Sam Speaker": Role.SPOKESPERSON,
                          "Morgan Blake": Role.FACILITATOR}
        bar = window.drill_bar
        qtbot.waitUntil(lambda: controller.status is not None, timeout=WAIT)
        assert not bar.replay.isEnabled()
        for fired in (1, 2):
            bar.next.click()
            qtbot.waitUntil(lambda f=fired: controller.status.injects_fired >= f, timeout=WAIT)
        qtbot.waitUntil(lambda: controller.status.finished, timeout=WAIT)
        assert bar.replay.isEnabled() and bar.play.text() == "Finished"
        bar.replay.click()
        replay = bar.replay_window
        assert replay is not None and replay.isVisible()
        replay.slider.setValue(replay.slider.maximum())
        whats = [replay.table.item(r, 4).text() for r in range(replay.table.rowCount())]
        assert "Facilitator: A reporter calls." in whats
        assert whats[-1] == "Facilitator: End of play."
        replay.close()
    finally:
        controller.close()
        window.tasks.shutdown()
        services.close()
