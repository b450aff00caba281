"""Screenshots of each panel with the demo data: ``python -m commandcenter.ui.screenshots OUT``.

Builds the demo database in a temp dir (never the user's), opens the window at
1600x1000, signs in as a demo operator and saves one PNG per panel or state.
Works under Xvfb and under ``QT_QPA_PLATFORM=offscreen`` (given a 1600x1000
virtual screen so the window is not squeezed onto the default 800x600).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1600, 1000
Shoot = Callable[[Path, Path], int]
Save = Callable[[str, Any], None]


def _offscreen_screen(folder: Path, width: int = WIDTH, height: int = HEIGHT) -> None:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform == "offscreen":
        config = folder / "offscreen.json"
        config.write_text(json.dumps({"screens": [{
            "name": "shot", "x": 0, "y": 0, "width": width, "height": height,
            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"


def run_shots(argv: list[str] | None, module: str, shoot: Shoot, *,
              width: int = WIDTH, height: int = HEIGHT) -> int:
    """The screenshot scripts' shared entry: ``python -m MODULE OUTDIR``.

    Makes OUTDIR, and a temp folder (never the user's data) with, under
    ``QT_QPA_PLATFORM=offscreen``, a virtual screen of ``width`` x ``height``;
    then ``shoot(out, folder)`` gives the exit code.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(f"usage: python -m {module} OUTDIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="commandcenter-shots-") as tmp:
        folder = Path(tmp)
        _offscreen_screen(folder, width, height)
        return shoot(out, folder)


def prepare_app(folder: Path) -> Any:
    """The application in the light scheme, with Qt settings kept in ``folder``
    (the user's saved layout plays no part)."""
    from PySide6.QtCore import QSettings, Qt

    from .app import make_application
    from .palette import apply_scheme

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(folder / "qsettings"))
    app = make_application(["screenshots"])
    apply_scheme(app, Qt.ColorScheme.Light)
    return app


def saver(out: Path) -> Save:
    """``save(name, widget)``: the widget's grab as ``out/name``, its path printed."""
    def save(name: str, widget: Any) -> None:
        path = out / name
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        print(path)
    return save


def wait_until(done: Callable[[], bool], seconds: float, what: str) -> None:
    """Process events until ``done()`` holds twice in a row (its events handled too)."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if done():
            QCoreApplication.processEvents()
            if done():
                return
        time.sleep(0.01)
    raise RuntimeError(f"{what} did not settle")


def main(argv: list[str] | None = None) -> int:
    return run_shots(argv, "commandcenter.ui.screenshots", _shoot)


def _shoot(out: Path, folder: Path) -> int:
    from commandcenter.domain.compose import TemplateKey
    from commandcenter.domain.incidents import Severity
    from commandcenter.services.demo import DEMO_PASSPHRASE

    from .app import build_demo_services
    from .main_window import MainWindow
    from .session import sign_in

    app = prepare_app(folder)  # noqa: F841  (kept alive while the window lives)
    services = build_demo_services(folder / "data")
    incidents = services.incidents
    open_incident = next(i for i in incidents.list() if i.status.value != "closed")
    entry = incidents.add_entry(open_incident.id, "Rollout held at 30% of traffic.",
                                "Sam Lindqvist")
    incidents.correct(open_incident.id, entry.id, "Rollout held at 20% of traffic.",
                      "Sam Lindqvist")

    window = MainWindow(services, demo=True)
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.start(sign_in=False)

    def settle() -> None:
        wait_until(window.tasks.idle, 20, "the window")

    settle()
    approver = services.messages.owner_now()
    window.session.set_operator(sign_in(services, approver, DEMO_PASSPHRASE))
    window.composer.apply_template(TemplateKey.ACKNOWLEDGEMENT)
    window.review.queue.setCurrentRow(0)
    settle()
    window.statusBar().clearMessage()

    save = saver(out)
    save("main-window.png", window)
    save("timeline.png", window.centralWidget())
    save("incidents.png", window.docks["incidents"])
    save("roster-and-chains.png", window.docks["roster"])
    save("composer.png", window.docks["composer"])
    save("review-queue.png", window.docks["review"])

    commander = next(i for i in incidents.list() if i.resolved_at is None).commander
    if commander:  # the incident commander at the desk: alert actions enabled
        window.session.set_operator(sign_in(services, commander, DEMO_PASSPHRASE))
    health = window.docks["health"]
    health.setFloating(True)
    health.resize(WIDTH, HEIGHT)
    window.health.show_range("week")
    settle()
    current = next(i for i in incidents.list() if i.resolved_at is None and not i.drill)
    near = [a for a in services.health.alerts() if a.series == "score_mean"]
    if near:  # the alert that goes with the open incident, zoomed on the chart
        alert = min(near, key=lambda a: abs(a.onset_at - current.detected_at))
        window.health.alerts.select_alert(alert.id)
        settle()
    save("health.png", health)
    save("change-lines.png", window.health.charts["score_mean"])  # the change calendar's lines
    health.setFloating(False)
    _listening(window, services, settle, save)

    # The commander at the desk: planning and releasing changes enabled.
    window.commitments_panel.table.setCurrentIndex(window.commitments_panel.model.index(1, 0))
    window.changes_panel.table.setCurrentIndex(window.changes_panel.model.index(1, 0))
    for key, name in (("commitments", "commitments.png"), ("changes", "change-calendar.png")):
        dock = window.docks[key]
        dock.setFloating(True)
        dock.resize(900, 520)
        dock.show()
        settle()
        save(name, dock)
        dock.setFloating(False)

    drill = incidents.open("Tabletop: a bad batch halves scores", Severity.SEV1, "Sam Lindqvist",
                           drill=True)
    window.refresh()
    settle()
    window.incidents.select_incident(drill.id)
    settle()
    window.statusBar().clearMessage()
    save("drill-banner.png", window)
    window.close()
    services.close()
    return 0


def _listening(window: object, services: object, settle: object, save: object) -> None:
    """The listening panel on the backlash incident, floated to the window's width."""
    current = next(i for i in services.incidents.list()  # type: ignore[attr-defined]
                   if i.resolved_at is None and not i.drill)
    window.incidents.select_incident(current.id)  # type: ignore[attr-defined]
    settle()  # type: ignore[operator]
    dock = window.docks["listening"]  # type: ignore[attr-defined]
    dock.setFloating(True)
    dock.resize(WIDTH, int(HEIGHT * 0.7))
    dock.show()
    settle()  # type: ignore[operator]
    table = window.listening.table  # type: ignore[attr-defined]
    table.selectRow(1)
    settle()  # type: ignore[operator]
    save("listening.png", dock)  # type: ignore[operator]
    dock.setFloating(False)


if __name__ == "__main__":
    raise SystemExit(main())
