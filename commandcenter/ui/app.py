"""Starting the window: ``commandcenter gui [--demo]`` and ``commandcenter`` call run_gui."""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from .main_window import APPLICATION, ORGANISATION, MainWindow
from .palette import apply_scheme, follow_system

if TYPE_CHECKING:
    from commandcenter.app import Services
    from commandcenter.config import Settings

log = logging.getLogger(__name__)


def demo_settings(folder: Path) -> Settings:
    from commandcenter.config import Settings

    return Settings(database_url=f"sqlite:///{folder / 'demo.sqlite'}", data_dir=folder)


def load_demo_data(services: Services) -> None:
    from commandcenter.services.demo import load_demo

    load_demo(services)


def build_demo_services(folder: Path, **kwargs: object) -> Services:
    """A fresh demo database in ``folder``: never the user's database."""
    from commandcenter.app import build

    folder.mkdir(parents=True, exist_ok=True)
    services = build(demo_settings(folder), **kwargs)  # type: ignore[arg-type]
    load_demo_data(services)
    return services


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Command Center")
    apply_scheme(app)
    follow_system(app)
    return app


def _excepthook(window: MainWindow):  # type: ignore[no-untyped-def]
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unhandled error", exc_info=(kind, exc, tb))
        window.session.report(exc)
    return hook


def run_gui(settings: Settings, *, demo: bool = False) -> int:
    """Open the window on ``settings``' database, or on a throw-away demo copy."""
    from commandcenter.app import build

    app = make_application()
    demo_dir: Path | None = None
    if demo:
        demo_dir = Path(tempfile.mkdtemp(prefix="commandcenter-demo-"))
        services = build_demo_services(demo_dir)
    else:
        services = build(settings)
    window = MainWindow(services, demo=demo)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook(window)
    try:
        window.show()
        window.start()
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        services.close()
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
