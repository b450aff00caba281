"""``commandcenter gui --smoke``: the start a user gets, checked end to end, then exit.

The window opens the normal way (services built lazily on the worker thread,
migrations run, demo data loaded, the sign-in dialog shown) on a throw-away
database in a ``smoke-*`` folder of the user's data directory, which is
removed afterwards. Once every panel has finished loading, one frame of each
panel is rendered; one JSON line goes to stdout and the exit code is 0. A
failed load, a blank panel or no progress within ``TIMEOUT_S`` exits 1 with
one error line on stderr. The bundle's smoke test runs exactly this, offscreen
and with the network disabled.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from commandcenter.config import Settings

    from .app import LazyServices
    from .main_window import MainWindow

TIMEOUT_S = 120.0
QUIET_POLLS = 5  # consecutive idle polls before the window counts as loaded


def smoke_folder(settings: Settings) -> Path:
    """A fresh folder for the throw-away database, inside the user's data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="smoke-", dir=settings.data_dir))


def fail(app: QApplication, exc: BaseException) -> None:
    print(f"error: smoke test failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    app.exit(1)


def check_when_loaded(app: QApplication, window: MainWindow, services: LazyServices,
                      folder: Path) -> None:
    """Wait for the first loads to finish, then check what was stored and render the panels.

    Any error the window reports meanwhile (a panel whose module failed to
    import, a failed load) fails the run.
    """
    started = time.monotonic()
    quiet = [0]
    errors: list[str] = []
    window.session.sig_error.connect(errors.append)

    def poll() -> None:
        ready = services.built and window.first_screen and window.tasks.idle()
        quiet[0] = quiet[0] + 1 if ready else 0
        if errors:
            fail(app, RuntimeError(f"the window reported: {errors[0]}"))
        elif quiet[0] >= QUIET_POLLS:
            window.tasks.run(lambda: _stored(services),
                             lambda stored: _render(app, window, folder, stored),
                             lambda exc: fail(app, exc))
        elif time.monotonic() - started > TIMEOUT_S:
            fail(app, TimeoutError(f"the window had not loaded after {TIMEOUT_S:.0f} s"))
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)


def _stored(services: LazyServices) -> dict[str, Any]:
    """On the worker: what the demo load left in the database, and where the schema came from."""
    from commandcenter.persistence.migrate import MIGRATIONS_DIR, current_revision

    real = services.get()
    return {
        "database": real.settings.database_url,
        "migrations": str(MIGRATIONS_DIR),
        "revision": current_revision(real.engine),
        "incidents": len(real.incidents.list()),
        "contacts": len(real.roster.contacts()),
        "series": len(real.health.status()),
    }


def panels(window: MainWindow) -> dict[str, QWidget]:
    return {"timeline": window.centralWidget(),
            **{key: dock.widget() for key, dock in window.docks.items()}}


def painted(widget: QWidget) -> tuple[int, int] | None:
    """Render one frame of ``widget``; its size, or None when nothing but one colour came out."""
    image = widget.grab().toImage()
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return None
    small = image.scaled(24, 24).convertToFormat(QImage.Format.Format_RGB32)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    return (image.width(), image.height()) if len(colours) > 1 else None


def _render(app: QApplication, window: MainWindow, folder: Path,
            stored: dict[str, Any]) -> None:
    if window.error_bar.isVisible():
        fail(app, RuntimeError("the window shows an error"))
        return
    sizes = {name: painted(widget) for name, widget in panels(window).items()}
    blank = sorted(name for name, size in sizes.items() if size is None)
    if blank:
        fail(app, RuntimeError(f"nothing was painted in: {', '.join(blank)}"))
        return
    if not stored["incidents"] or not stored["contacts"]:
        fail(app, RuntimeError(f"the demo data did not load: {stored}"))
        return
    print(json.dumps({"smoke": "ok", "data_dir": str(folder), **stored,
                      "panels": {name: list(size) for name, size in sizes.items() if size}}),
          flush=True)
    app.exit(0)
