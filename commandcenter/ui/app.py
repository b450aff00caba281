"""Starting the window: ``commandcenter gui [--demo]`` and ``commandcenter`` call run_gui."""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from . import fast_imports  # noqa: F401  (first: the window's imports skip a source scan)
from .main_window import APPLICATION, HOLD_AT_MOST_MS, ORGANISATION, MainWindow
from .palette import apply_scheme, follow_system
from .smoke import check_when_loaded, fail, smoke_folder

if TYPE_CHECKING:
    from commandcenter.app import Services
    from commandcenter.config import Settings

    from .prefetch import Prefetch

log = logging.getLogger(__name__)
# Benchmarks set this to a file path: once the window has painted, the instant
# (time.time()) is written there and the application quits.
REPORT_FIRST_PAINT = "COMMANDCENTER_REPORT_FIRST_PAINT"
FREEZE_AFTER_MS = 5_000  # gc.freeze() once start-up's long-lived objects exist
# The worker waits this long at most for the window's first paint before building.
PAINT_GATE_S = 2.0
SERVICE_NAMES = frozenset({"roster", "incidents", "messages", "audit", "health", "paging",
                           "first_hour", "changes", "commitments", "mentions"})


class LazyServices:
    """Stands in for ``Services`` so the window paints before the database layer loads.

    Importing SQLAlchemy, the services and (when a migration is due) Alembic
    takes about half a second; the first screen needs none of it. ``settings``
    is there at once; anything else builds the real services on first use,
    which is the first read the panels queue on the worker thread. The build
    waits for ``gate`` (the window's first paint) so it does not compete with
    that paint for the GIL.
    """

    def __init__(self, settings: Settings, factory: Callable[[], Services],
                 gate: threading.Event | None = None, prefetch: Prefetch | None = None) -> None:
        self.settings = settings
        self._factory = factory
        self._gate = gate
        # The start-up reader's answers (ui/prefetch.py), used until the services exist.
        self.prefetch = prefetch
        self._lock = threading.Lock()
        self._services: Services | None = None
        self._error: BaseException | None = None

    @property
    def built(self) -> bool:
        return self._services is not None

    @property
    def ready(self) -> bool:
        """Can the panels' reads be answered without waiting for the build?"""
        return self._services is not None or (self.prefetch is not None and self.prefetch.ok)

    def call(self, service: str, method: str, args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> Any:
        """``services.<service>.<method>(*args, **kwargs)``: from the start-up reader's
        answers while the services are not built and it has this one, else for real."""
        prefetch = self.prefetch
        if self._services is None and prefetch is not None:
            # The answers unpickled (NumPy imported for the points) after the first
            # paint: the lite reader's come before it, and would compete for the GIL.
            self._wait_for_paint()
            found, value = prefetch.answer(service, method, args, kwargs)
            if found:
                return value
        return getattr(getattr(self.get(), service), method)(*args, **kwargs)

    def get(self) -> Services:
        if self._services is not None:
            return self._services
        self._wait_for_paint()
        with self._lock:
            if self._services is None:
                if self._error is not None:
                    raise self._error
                try:
                    self._services = self._factory()
                except BaseException as exc:
                    self._error = exc
                    raise
            return self._services

    def _wait_for_paint(self) -> None:
        """On the worker: until the window's first paint (at most PAINT_GATE_S)."""
        if self._gate is not None and threading.current_thread() is not threading.main_thread():
            self._gate.wait(PAINT_GATE_S)

    def __getattr__(self, name: str) -> Any:
        if (self._services is None and name in SERVICE_NAMES
                and (threading.current_thread() is threading.main_thread()
                     or (self.prefetch is not None and not self.prefetch.retired))):
            # Panels hand bound methods (``services.incidents.list``) to the worker:
            # give them a stand-in whose methods look the real one up when called
            # (or, at start-up, take the forked reader's answer).
            return _DeferredService(self, name)
        return getattr(self.get(), name)

    def close(self) -> None:
        with self._lock:
            if self._services is not None:
                self._services.close()


class _DeferredService:
    """``services.<name>`` before the build: every attribute is a method, resolved on call."""

    def __init__(self, lazy: LazyServices, name: str) -> None:
        self._lazy, self._name = lazy, name

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._lazy.call(self._name, method, args, kwargs)

        call.__name__ = method
        return call


class _FirstPaint(QObject):
    """Sets ``gate`` once ``window`` has been painted (or asked to paint) for the first time."""

    def __init__(self, window: QWidget, gate: threading.Event) -> None:
        super().__init__(window)
        self.window, self.gate = window, gate
        self.after: list[Callable[[], None]] = []  # run on the GUI thread once painted
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() in (QEvent.Type.Paint,
                                                   QEvent.Type.UpdateRequest):
            self.window.removeEventFilter(self)
            QTimer.singleShot(0, self._painted)  # after this paint has finished
        return False

    def _painted(self) -> None:
        self.gate.set()
        for fn in self.after:
            fn()



def demo_settings(folder: Path) -> Settings:
    from .demo_copy import demo_settings as settings_for

    return settings_for(folder)


def load_demo_data(services: Services, progress: Any = None) -> None:
    from commandcenter.services.demo import load_demo

    if progress is None:
        load_demo(services)
    else:
        load_demo(services, progress=progress)


def build_demo_services(folder: Path, *, progress: Any = None, **kwargs: object) -> Services:
    """A fresh demo database in ``folder``: never the user's database."""
    from commandcenter.app import build

    folder.mkdir(parents=True, exist_ok=True)
    services = build(demo_settings(folder), **kwargs)  # type: ignore[arg-type]
    load_demo_data(services, progress)
    return services


class _Progress(QObject):
    """Steps of a long preparation, from the worker thread to the status bar."""

    sig_step = Signal(str, int, int)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sig_step.connect(self._show)

    def _show(self, what: str, step: int, steps: int) -> None:
        self.window.status.show_loading(f"Preparing the demo database, once: {what} "
                                        f"({step}/{steps})")


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


def _report_first_paint(app: QApplication, window: MainWindow, path: Path,
                        marks: dict[str, float]) -> None:
    """For benchmarks: paint the window (and the sign-in dialog), note the time; then,
    once the panels in view have their first data (``MainWindow.sig_first_screen``:
    the incident's timeline rows, the charts in view with their points), paint the
    window again as a user now sees it, write the instants and quit."""
    app.processEvents()
    window.grab()
    if window.sign_in_dialog is not None:
        window.sign_in_dialog.grab()
    marks["painted"] = time.time()
    done = [False]

    def loaded() -> None:
        if done[0]:
            return
        done[0] = True
        marks["loaded"] = time.time()
        window.grab()  # the window as a user now sees it: charts and timeline drawn
        marks["painted_with_data"] = time.time()
        if not window.first_screen:
            marks["gave_up"] = marks["loaded"]
        path.write_text(json.dumps(marks))
        app.quit()

    if window.first_screen:
        loaded()
        return
    window.sig_first_screen.connect(loaded)
    QTimer.singleShot(30_000, loaded)


def _fatal(app: QApplication, window: MainWindow, exc: BaseException) -> None:
    log.error("cannot open the database", exc_info=exc)
    print(f"error: cannot open the database: {exc}", file=sys.stderr)
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "Command Center",
                      f"The database cannot be opened:\n{exc}",
                      QMessageBox.StandardButton.Close, window)
    box.finished.connect(lambda _r: app.exit(1))
    box.open()


def check_templates() -> str | None:
    """The message templates (resources/templates), checked before the window opens."""
    from commandcenter.domain.errors import InvalidInput
    from commandcenter.services.templates import shipped_templates

    try:
        shipped_templates()
    except InvalidInput as exc:
        return str(exc)
    return None


class _StartupCollection:
    """No cyclic garbage collection while the window starts.

    Start-up makes about a million long-lived objects (SQLAlchemy, pyqtgraph, Qt
    wrappers); the collector scanned them again and again as they were made, about
    15 % of start-up's CPU. It runs again, with what exists by then frozen out of
    its scans, once the first screen has its data, or FREEZE_AFTER_MS at the latest.
    """

    def __init__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def resume(self, *, freeze: bool = True) -> None:
        if self.was_enabled and not gc.isenabled():
            if freeze:
                gc.freeze()
            gc.enable()

    def freeze_later(self) -> None:
        self.resume()
        gc.freeze()  # what the first seconds' loads made, too


def run_gui(settings: Settings, *, demo: bool = False, smoke: bool = False,
            prefetch: Prefetch | None = None) -> int:
    """Open the window on ``settings``' database, or on a throw-away demo copy.

    ``smoke``: the demo copy lives in the user's data directory, the panels are
    checked once loaded and the run ends by itself (see ``smoke.py``).
    ``prefetch``: the start-up reader forked by the command line (ui/prefetch.py);
    with ``demo``, its folder is the demo copy's.
    """
    marks = {"gui_entered": time.time()}
    try:
        problem = check_templates()
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        collection = _StartupCollection()
        try:
            return _run_window(settings, demo, smoke, marks, collection, prefetch)
        finally:
            collection.resume(freeze=False)
    finally:
        if prefetch is not None:
            prefetch.close()
            if prefetch.demo_folder is not None:
                shutil.rmtree(prefetch.demo_folder, ignore_errors=True)


def _run_window(settings: Settings, demo: bool, smoke: bool, marks: dict[str, float],
                collection: _StartupCollection, prefetch: Prefetch | None) -> int:
    app = make_application()
    demo_dir: Path | None = None
    if smoke or (demo and (prefetch is None or prefetch.demo_folder is None)):
        prefetch = None  # the smoke test prepares a new demo database: nothing to read
    if demo or smoke:
        demo_dir = (smoke_folder(settings) if smoke
                    else prefetch.demo_folder if prefetch is not None
                    else Path(tempfile.mkdtemp(prefix="commandcenter-demo-")))
        folder = demo_dir
        steps: list[_Progress] = []  # set once the window exists
        copied = prefetch

        def build_demo() -> Services:
            report = steps[0].sig_step.emit if steps else None
            if smoke:  # the whole first start, checked: a new demo database
                return build_demo_services(folder, progress=report)
            if copied is not None and copied.ok:  # the reader made the copy and read it
                from commandcenter.app import build

                return build(demo_settings(folder))
            from .demo_copy import open_demo_copy

            return open_demo_copy(folder, report)

        services = LazyServices(demo_settings(folder), build_demo, gate := threading.Event(),
                                prefetch)
    else:
        def build_services() -> Services:
            from commandcenter.app import build

            return build(settings)

        services = LazyServices(settings, build_services, gate := threading.Event(), prefetch)
    window = MainWindow(services, demo=demo or smoke)  # type: ignore[arg-type]
    window.sig_first_screen.connect(collection.resume)
    if demo or smoke:
        steps.append(_Progress(window))
    first_paint = _FirstPaint(window, gate)
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook(window)
    marks["window"] = time.time()

    def fatal(exc: BaseException) -> None:
        fail(app, exc) if smoke else _fatal(app, window, exc)

    try:
        window.show()
        if smoke:  # watching before anything loads, so no error goes unseen
            check_when_loaded(app, window, services, folder)
        if prefetch is None:
            # The first task: a database that cannot be opened or migrated ends the run.
            window.tasks.run(services.get, None, fatal)
            window.start()
        else:
            _start_prefetched(window, services, prefetch, first_paint, fatal)
        # Start-up leaves ~10^6 long-lived objects (Qt wrappers, SQLAlchemy, pyqtgraph);
        # a full collection scanning them stalled the GUI for ~100 ms while streaming.
        QTimer.singleShot(FREEZE_AFTER_MS, collection.freeze_later)
        report = os.environ.get(REPORT_FIRST_PAINT)
        if report:
            QTimer.singleShot(
                0, lambda: _report_first_paint(app, window, Path(report), marks))
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        window.tasks.shutdown()  # no queued write may land in a demo folder being removed
        services.close()
        if prefetch is not None:
            prefetch.close()
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)


def _start_prefetched(window: MainWindow, services: LazyServices, prefetch: Prefetch,
                      first_paint: _FirstPaint,
                      fatal: Callable[[BaseException], None]) -> None:
    """The window's start on the forked reader's answers (ui/prefetch.py).

    The worker's first task waits for the reader; when it has no usable answer
    (it failed, timed out, or left a migration to this process) the services are
    built there and then, as without it. With one, the first reads are answered
    from it, and once the first screen has its data (or HOLD_AT_MOST_MS has
    passed) the window builds its own services, starts the live watcher and
    re-reads everything: the answers may be a moment old, and a change committed
    between the reader's read and the watcher's start is in that re-read.
    pyqtgraph is imported just after the first paint, while the reader reads.
    """
    def first_task() -> None:
        if not prefetch.wait():
            services.get()

    window.tasks.run(first_task, None, fatal)
    window.start(live=False)
    switched = [False]

    def own_services() -> None:
        if switched[0]:
            return
        switched[0] = True
        prefetch.retire()
        log.debug("start-up reader: %d answers used; not read: %s", len(prefetch.hits),
                  prefetch.misses)
        window.tasks.run(services.get, lambda _s: window.start_live_and_reread(), fatal)

    window.sig_first_screen.connect(own_services)
    QTimer.singleShot(HOLD_AT_MOST_MS, window, own_services)

    def import_charts() -> None:
        from .charts import series_chart  # noqa: F401  (pyqtgraph, before the data)

    first_paint.after.append(import_charts)


def run_wall(settings: Settings, *, demo: bool = False) -> int:
    """``commandcenter gui --wall``: the read-only wall display, full screen, no sign-in."""
    from .wall import WallWindow

    app = make_application()
    demo_dir: Path | None = None
    if demo:
        from .demo_copy import open_demo_copy

        demo_dir = Path(tempfile.mkdtemp(prefix="commandcenter-wall-"))
        services: Any = open_demo_copy(demo_dir)
    else:
        from commandcenter.app import build

        services = build(settings)
    wall = WallWindow(services)
    try:
        if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
            wall.resize(1920, 1080)
            wall.show()
        else:
            wall.showFullScreen()
        wall.start()
        return app.exec()
    finally:
        wall.tasks.shutdown()
        services.close()
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
