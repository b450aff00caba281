"""The first hour's screenshots: ``python -m commandcenter.ui.screenshots_first_hour OUT``.

On a copy of the demo database (never the user's): the approver's window paged
(``page.png``), the approve dialog it opens (``approve-dialog.png``), and the wall
display at 1920x1080 (``wall-display.png``). Works under ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

from pathlib import Path

from .screenshots import prepare_app, run_shots, saver, wait_until

WIDTH, HEIGHT = 1920, 1080


def main(argv: list[str] | None = None) -> int:
    return run_shots(argv, "commandcenter.ui.screenshots_first_hour", _shoot,
                     width=WIDTH, height=HEIGHT)


def _shoot(out: Path, folder: Path) -> int:
    from PySide6.QtCore import QCoreApplication

    from commandcenter.services.demo import DEMO_PASSPHRASE

    from .demo_copy import open_demo_copy
    from .main_window import MainWindow
    from .session import sign_in
    from .wall import WallWindow

    app = prepare_app(folder)  # noqa: F841  (kept alive while the window lives)
    services = open_demo_copy(folder / "data")

    def settle(*tasks_of: object) -> None:
        wait_until(lambda: all(t.idle() for t in tasks_of),  # type: ignore[attr-defined]
                   30, "the window")

    save = saver(out)

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
