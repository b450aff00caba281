"""The incident room in drill mode: the normal window over the drill's own database,
on the drill's simulated clock, with the facilitator's drill bar on top.

Players sign in as the exercise's people (the scenario's passphrase) and use
the normal panels; every timestamp, theirs and the injects', comes from the
simulated clock.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QVBoxLayout

from .app import make_application
from .main_window import MainWindow
from .widgets.drill_bar import build_bar, load_drill


def open_drill_room(scenario_path: Path, actions_path: Path | None, folder: Path
                    ) -> tuple[MainWindow, object, object]:
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.services.drill_runs import DrillSession

    scenario, text, actions = load_drill(scenario_path, actions_path)
    clock = SimulatedClock(scenario.start)
    services = build_drill(folder, clock)
    session = DrillSession(services.ctx, clock, scenario, text, str(scenario_path), actions)
    window = MainWindow(services)
    window.setWindowTitle(f"Command Center — DRILL: {scenario.name}")
    bar, controller = build_bar(scenario, lambda: session)
    layout = window.centralWidget().layout()
    assert isinstance(layout, QVBoxLayout)
    layout.insertWidget(0, bar)
    window.drill_banner.show()
    follow = _PanelRefresh(window)
    controller.sig_status.connect(follow.on_status)
    window.drill_refresh = follow  # type: ignore[attr-defined]
    return window, controller, services


class _PanelRefresh:
    """Injects and scripted players write behind the panels' backs: reload them when an
    inject fires, and otherwise at most every 2 s of wall time while the clock runs."""

    EVERY_S = 2.0

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.fired = -1
        self.last = 0.0

    def on_status(self, status: object) -> None:
        import time

        now = time.monotonic()
        fired = getattr(status, "injects_fired", 0)
        if fired != self.fired or now - self.last >= self.EVERY_S:
            self.fired, self.last = fired, now
            self.window.refresh()
            self.window.timeline.model.refresh()


def run_drill_gui(scenario_path: Path, actions_path: Path | None, folder: Path) -> int:
    app = make_application()
    window, controller, services = open_drill_room(scenario_path, actions_path, folder)
    try:
        window.show()
        window.start()
        return app.exec()
    finally:
        controller.close()  # type: ignore[attr-defined]
        window.tasks.shutdown()
        services.close()  # type: ignore[attr-defined]
