"""The incident room in drill mode: the normal window over the drill's own database,
on the drill's simulated clock, with the facilitator's drill bar on top.

Players sign in as the exercise's people (the scenario's passphrase) and use
the normal panels; every timestamp, theirs and the injects', comes from the
simulated clock.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QVBoxLayout

from .app import make_application
from .main_window import MainWindow
from .widgets.drill_bar import DrillController, build_bar, load_drill

if TYPE_CHECKING:
    from commandcenter.app import Services

GUI_SWITCH_INTERVAL_S = 0.001


def open_drill_room(scenario_path: Path, actions_path: Path | None, folder: Path,
                    live: Any = None) -> tuple[MainWindow, DrillController, Services]:
    """Both files validated, the engine started and the drill set up, then the window."""
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock

    scenario, _text, _actions = load_drill(scenario_path, actions_path, live)
    # The panels follow the drill with bursts of reads on the window's worker thread;
    # the GUI thread must get the interpreter back within 1 ms (not 5) to paint.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)
    controller = DrillController(scenario_path, actions_path, folder, live=live)
    try:
        controller.wait_ready()
    except Exception:
        controller.close()
        raise
    # The window's clock is the engine's: set from every status the engine sends.
    clock = SimulatedClock(scenario.start)
    controller.sig_status.connect(lambda status: clock.set(status.now))
    if controller.status is not None:
        clock.set(controller.status.now)
    services = build_drill(folder, clock)
    window = MainWindow(services)
    window.setWindowTitle(f"Command Center — DRILL: {scenario.name}")
    bar = build_bar(scenario, controller)
    bar.drill_ctx = lambda: services.ctx
    _free_alt_h(window)
    layout = window.centralWidget().layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(0, bar)
    window.drill_banner.show()
    follow = _PanelRefresh(window)
    controller.sig_status.connect(follow.on_status)
    window.drill_refresh = follow  # type: ignore[attr-defined]
    window.drill_bar = bar  # type: ignore[attr-defined]
    return window, controller, services


def _free_alt_h(window: MainWindow) -> None:
    """Alt+H is the drill bar's Hot wash; the Help menu takes Alt+L in the drill room."""
    for action in window.menuBar().actions():
        if action.text() == "&Help":
            action.setText("He&lp")


class _PanelRefresh:
    """Injects and scripted players write behind the panels' backs: reload the panels when
    something happened (an inject fired, an action played), at most once a second.

    The window's live watcher sees the engine's commits too and re-reads on its own;
    the two are one re-read (``LiveUpdates.changed_elsewhere``), never two."""

    AT_MOST_EVERY_S = 1.0

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.seen: tuple[int, int] = (-1, -1)
        self.last = 0.0

    def on_status(self, status: object) -> None:
        import time

        now = time.monotonic()
        happened = (getattr(status, "injects_fired", 0), getattr(status, "actions_done", 0))
        if happened == self.seen or now - self.last < self.AT_MOST_EVERY_S:
            return
        self.seen, self.last = happened, now
        self.window.live.changed_elsewhere()


def run_drill_gui(scenario_path: Path, actions_path: Path | None, folder: Path,
                  live: Any = None) -> int:
    app = make_application()
    window, controller, services = open_drill_room(scenario_path, actions_path, folder, live)
    try:
        window.show()
        window.start()
        return app.exec()
    finally:
        controller.close()
        window.tasks.shutdown()
        services.close()
