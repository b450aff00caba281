"""The drill room's screenshots: ``python -m commandcenter.ui.screenshots_drill OUT``.

Plays the shipped "Scores halved overnight" with its scripted players in a temp
folder (never the user's data), jumps to a few injects, and saves the drill bar
(``drill-bar.png``), the whole room (``drill-room.png``) and the hot-wash dialog
(``drill-hot-wash.png``), then the replay of a finished run (``drill-replay.png``).
Works under ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import time
from pathlib import Path

from .screenshots import HEIGHT, WIDTH, prepare_app, run_shots, saver, wait_until

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"


def main(argv: list[str] | None = None) -> int:
    return run_shots(argv, "commandcenter.ui.screenshots_drill", _shoot)


def _shoot(out: Path, folder: Path) -> int:
    from .drill_room import open_drill_room

    app = prepare_app(folder)  # noqa: F841  (kept alive while the window lives)
    actions = HALVED.with_name(f"{HALVED.stem}.actions-meets.toml")
    window, controller, services = open_drill_room(HALVED, actions, folder / "run")

    def wait(done: object, seconds: float = 60) -> None:
        wait_until(done, seconds, "the drill room")  # type: ignore[arg-type]

    save = saver(out)

    try:
        window.resize(WIDTH, HEIGHT)
        window.show()
        window.start(sign_in=False)
        bar = window.drill_bar  # type: ignore[attr-defined]
        for fired in (6, 7, 8):  # three injects on: mentions in, the CEO in the air
            controller.jump_to_next()
            wait(lambda f=fired: controller.status is not None
                 and controller.status.injects_fired >= f)
        wait(lambda: window.tasks.idle())
        time.sleep(1.1)  # the panels follow the drill at most once a second
        bar.show_status(controller.status)
        controller.sig_status.emit(controller.status)
        wait(lambda: window.tasks.idle())
        window.statusBar().clearMessage()
        save("drill-bar.png", bar)
        save("drill-room.png", window)

        bar.open_hot_wash()
        dialog = bar.hot_wash_dialog
        dialog.strengths.setPlainText(
            "The acknowledgement went out at T+17m, approved by the owner of the moment.\n"
            "Replies to the biggest complainers were drafted from the listening panel.")
        dialog.improvements.setPlainText(
            "The CEO's post needed a delegation: plan the hand-over before she writes.")
        dialog.add_row({"action": "Add a pre-approved delegation for the CEO's own posts",
                        "owner": "Daniel Reyes", "due": "2026-03-16"})
        dialog.add_row({"action": "Rehearse the X outage with the status page as fallback",
                        "owner": "Tom Becker", "due": "next week"})
        dialog.ok_button.click()  # refused: the second due is no date; the dialog says so
        wait(lambda: dialog.error_label.isVisible())
        save("drill-hot-wash.png", dialog)
        dialog.reject()
        _replay(folder, wait, save)
    finally:
        controller.close()
        window.tasks.shutdown()
        window.close()
        services.close()
    return 0


def _replay(folder: Path, wait: object, save: object) -> None:
    """The replay of a finished run (played headless first), at T+1h30m."""
    from datetime import UTC, datetime, timedelta

    from commandcenter.app import build_drill
    from commandcenter.cli.drills import run_headless
    from commandcenter.domain.clock import SimulatedClock

    from .drill_replay import open_replay

    misses = HALVED.with_name(f"{HALVED.stem}.actions-misses.toml")
    run_headless(HALVED, misses, speed=None, report=None, folder=folder / "finished")
    services = build_drill(folder / "finished", SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    try:
        window = open_replay(services.ctx, 1, speed=60)
        window.resize(1400, 640)
        window.show()
        window.seek(timedelta(hours=1, minutes=30))
        wait(lambda: True)  # type: ignore[operator]
        save("drill-replay.png", window)  # type: ignore[operator]
        window.close()
    finally:
        services.close()


if __name__ == "__main__":
    raise SystemExit(main())
