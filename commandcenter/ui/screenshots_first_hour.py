"""The first hour's screenshots: ``python -m commandcenter.ui.screenshots_first_hour OUT``.

On a copy of the demo database (never the user's): the approver's window paged
(``page.png``), the approve dialog it opens (``approve-dialog.png``), and the wall
display at 1920x1080 (``wall-display.png``). Works under ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

WIDTH, HEIGHT = 1920, 1080


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m commandcenter.ui.screenshots_first_hour OUTDIR",
              file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="commandcenter-shots-") as tmp:
        folder = Path(tmp)
        if os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
            config = folder / "offscreen.json"
            config.write_text(json.dumps({"screens": [{
                "name": "shot", "x": 0, "y": 0, "width": WIDTH, "height": HEIGHT,
                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
            os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
        return _shoot(out, folder)


def _shoot(out: Path, folder: Path) -> int:
    from PySide6.QtCore import QCoreApplication, QSettings, Qt

    from commandcenter.services.demo import DEMO_PASSPHRASE

    from .app import make_application
    from .demo_copy import open_demo_copy
    from .main_window import MainWindow
    from .palette import apply_scheme
    from .session import sign_in
    from .wall import WallWindow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(folder / "qsettings"))
    app = make_application(["screenshots"])
    apply_scheme(app, Qt.ColorScheme.Light)
    services = open_demo_copy(folder / "data")

    def settle(*tasks_of: object) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if all(t.idle() for t in tasks_of):  # type: ignore[attr-defined]
                QCoreApplication.processEvents()
                if all(t.idle() for t in tasks_of):  # type: ignore[attr-defined]
                    return
            time.sleep(0.01)
        raise RuntimeError("the window did not settle")

    def save(name: str, widget: object) -> None:
        path = out / name
        if not widget.grab().save(str(path)):  # type: ignore[attr-defined]
            raise OSError(f"could not write {path}")
        print(path)

    window = MainWindow(services, demo=True)
    window.resize(1600, 1000)
    window.show()
    window.start(sign_in=False)
    settle(window.tasks)
    approver = services.messages.owner_now()
    window.session.set_operator(sign_in(services, approver, DEMO_PASSPHRASE))
    window.pager.poll()
    settle(window.tasks)
    window._tick()
    save("page.png", window)
    window.pager.bar.open_button.click()
    settle(window.tasks)
    dialog = window.review.passphrase_dialog
    if dialog is None:
        raise RuntimeError("the page did not open the approve dialog")
    dialog.resize(720, 560)
    QCoreApplication.processEvents()
    save("approve-dialog.png", dialog)
    dialog.reject()
    window.close()

    wall = WallWindow(services)
    wall.resize(WIDTH, HEIGHT)
    wall.show()
    wall.start()
    settle(wall.tasks)
    save("wall-display.png", wall)
    wall.close()
    services.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
