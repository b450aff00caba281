"""The incident room window: docked panels around the timeline, banners, a status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from .actions import build_menus
from .autosave import DraftAutosave
from .banners import ConnectionBanner, DrillBanner, ErrorBar, StatusFields
from .dialogs.sign_in import SignInDialog
from .session import Session
from .tasks import TaskManager
from .timefmt import localise
from .widgets.changes_panel import ChangesPanel
from .widgets.commitments_panel import CommitmentsPanel
from .widgets.composer_panel import ComposerPanel
from .widgets.health_panel import HealthPanel
from .widgets.incidents_panel import IncidentsPanel
from .widgets.review_panel import ReviewPanel
from .widgets.roster_panel import RosterPanel
from .widgets.timeline_panel import TimelinePanel

if TYPE_CHECKING:  # the dialogs a user opens: imported when first opened
    from commandcenter.app import Services

    from .dialogs.change_passphrase import ChangePassphraseDialog
    from .dialogs.new_incident import NewIncidentDialog

ORGANISATION = "CommandCenter"
APPLICATION = "commandcenter"
LAYOUT_VERSION = 2  # 2: full-height left column, wide Score health
# Hidden panels wait for the first screen at most this long (a failed first read
# shows its error; the other panels still load).
HOLD_AT_MOST_MS = 10_000
# After a start on the start-up reader's answers, LIVE waits for the re-read this long
# at most.
RE_READ_AT_MOST_MS = 3_000
# The heap is settled (ui/heap.py) this long after LIVE shows, once the screen is painted.
SETTLE_HEAP_AFTER_MS = 500


def window_settings() -> QSettings:
    """Always INI, so tests can redirect it with ``QSettings.setPath``."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def describe_database(url: str) -> str:
    if url.startswith("sqlite:///"):
        return f"SQLite {url.removeprefix('sqlite:///')}"
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class MainWindow(QMainWindow):
    # Once: the panels in view have their first data (the incident's timeline, the
    # charts in view with their points); hidden panels load after it, and LIVE shows.
    sig_first_screen = Signal()

    def __init__(self, services: Services, *, demo: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.demo = demo
        self.tasks = TaskManager(self)
        self.session = Session(services, self.tasks, self)
        self.sign_in_dialog: SignInDialog | None = None
        self.first_screen = False
        self._live_started = False
        self.new_incident_dialog: NewIncidentDialog | None = None
        self.setWindowTitle("Command Center" + (" — demo copy" if demo else ""))
        self.setAccessibleName("Command Center")
        self.setDockNestingEnabled(True)
        self._build_panels()
        self.status = StatusFields(self.statusBar(), describe_database(
            services.settings.database_url) + (" (demo copy)" if demo else ""))
        self.actions_by_name = build_menus(self)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._connect()
        self._connect_live()
        from .pager import Pager

        self.pager = Pager(self)  # pages for whoever signs in here
        self.centralWidget().layout().insertWidget(2, self.pager.bar)
        self.clock_timer = QTimer(self, interval=1000)
        self.clock_timer.timeout.connect(self._tick)
        self.clock_timer.start()
        self.resize(1600, 1000)
        self._sized = self.restore_layout()

    # --- building ----------------------------------------------------------
    def _build_panels(self) -> None:
        s = self.session
        self.drill_banner = DrillBanner()
        self.error_bar = ErrorBar()
        self.connection_banner = ConnectionBanner()
        self.timeline = TimelinePanel(s)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.drill_banner)
        layout.addWidget(self.error_bar)
        layout.addWidget(self.connection_banner)
        layout.addWidget(self.timeline, 1)
        self.setCentralWidget(central)
        self.incidents = IncidentsPanel(s)
        self.roster = RosterPanel(s)
        self.composer = ComposerPanel(s, DraftAutosave(self.services.settings.data_dir
                                                       / "autosave"))
        self.review = ReviewPanel(s)
        self.health = HealthPanel(s)
        self.commitments_panel = CommitmentsPanel(s)
        self.changes_panel = ChangesPanel(s)
        self.docks: dict[str, QDockWidget] = {}
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        for key, title, widget, area in (
            ("incidents", "Incidents", self.incidents, left),
            ("roster", "Roster and chains", self.roster, left),
            ("review", "Review queue", self.review, left),
            ("composer", "Composer", self.composer, right),
            ("health", "Score health", self.health, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("commitments", "Commitments", self.commitments_panel, right),
            ("changes", "Change calendar", self.changes_panel, right),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{key}")
            dock.setAccessibleName(title)
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        self._tabify_promises()
        self._build_listening()
        # The left column (who and what) runs the full height; Score health takes
        # the rest of the width below the timeline and the composer, where its
        # charts and alerts have room side by side.
        self.setCorner(Qt.Corner.TopLeftCorner, left)
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.TopDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)

    def _build_listening(self) -> None:
        """The listening panel, tabbed with Score health; a reply opens in the composer."""
        from .widgets.listening_panel import ListeningPanel

        self.listening = ListeningPanel(self.session)
        dock = QDockWidget("Listening", self)
        dock.setObjectName("dock-listening")
        dock.setAccessibleName("Listening")
        dock.setWidget(self.listening)
        dock.setFeatures(self.docks["health"].features())
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.tabifyDockWidget(self.docks["health"], dock)
        self.docks["health"].raise_()
        self.docks["listening"] = dock
        self.listening.sig_reply_drafted.connect(self._open_reply)

    def _open_reply(self, message: object) -> None:
        self.composer.load_message(message)
        self.focus_panel(self.docks["composer"], self.composer.body_edit)

    def _tabify_promises(self) -> None:
        """Commitments and the change calendar share the composer's column, as tabs."""
        d = self.docks
        self.tabifyDockWidget(d["composer"], d["commitments"])
        self.tabifyDockWidget(d["commitments"], d["changes"])
        d["composer"].raise_()
        self.changes_panel.sig_warnings.connect(
            lambda n: d["changes"].setWindowTitle("Change calendar" + (f" (⚠ {n})" if n else "")))
        self.commitments_panel.sig_offers_changed.connect(
            lambda n: d["commitments"].setWindowTitle("Commitments" + (f" ({n} to confirm)"
                                                                       if n else "")))

    def apply_default_sizes(self) -> None:
        """Dock sizes for the default layout, scaled to the window (made for 1600x1000)."""
        w, h = max(self.width(), 800), max(self.height(), 600)
        d = self.docks
        self.resizeDocks([d["incidents"], d["composer"]], [int(w * 0.23), int(w * 0.23)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([d["incidents"], d["roster"], d["review"]],
                         [int(h * 0.27), int(h * 0.36), int(h * 0.30)], Qt.Orientation.Vertical)
        self.resizeDocks([d["health"]], [int(h * 0.50)], Qt.Orientation.Vertical)

    def _connect(self) -> None:
        s = self.session
        s.sig_error.connect(self._show_error)
        s.sig_info.connect(lambda text: self.statusBar().showMessage(localise(text), 6000))
        s.sig_operator_changed.connect(self._operator_changed)
        s.sig_incident_changed.connect(self._incident_changed)
        s.sig_data_changed.connect(s.reload_incident)
        s.sig_data_changed.connect(self.reload_audit_head)
        # A later success of the user's own clears the banner; another desk's change
        # arriving live does not hide an error nobody has read yet.
        s.sig_written.connect(self.error_bar.hide)
        self._operator_changed(None)

    # --- other workstations' changes (ui/live.py) ------------------------------
    def _connect_live(self) -> None:
        from .live import LiveUpdates

        self.live = LiveUpdates(self.services.settings.database_url, self)
        self.live.sig_changed.connect(self._live_changed)
        self.live.sig_connection.connect(self._live_connection)

    def _live_refreshers(self) -> dict[str, tuple[Any, ...]]:
        incidents = (self.incidents.reload, self.session.reload_incident)
        messages = (self.review.reload, self.composer._reload_messages)
        roster = (self.roster.reload,)
        health = (self.health.reload,)
        return {"incidents": incidents, "timeline_entries": (self.timeline.model.refresh,),
                "messages": messages, "message_revisions": messages, "approvals": messages,
                "publications": messages, "contacts": roster, "operators": roster,
                "availability_windows": roster, "chains": roster, "chain_members": roster,
                "delegations": roster, "alerts": health, "metric_series": health,
                "snapshots": health,
                # New points: the health panel's own live tick reads them for its charts.
                "metric_points": (), "metric_rollups": (),
                "audit_log": (self.reload_audit_head,),
                "commitments": (self.commitments_panel.reload,),
                "scoring_changes": (self.changes_panel.reload, self.health.reload),
                "mentions": (self.listening.reload,), "mention_replies": (self.listening.reload,),
                "mention_authors": (self.listening.reload,)}

    def _live_changed(self, tables: Any) -> None:
        """Refresh only the panels showing what changed (None: everything)."""
        if tables is None:
            # Every panel re-reads on sig_data_changed; refresh() as well would read
            # everything twice (twice a second on SQLite while a drill runs).
            self.session.sig_data_changed.emit()
            return
        refreshers = self._live_refreshers()
        if not set(tables) <= set(refreshers):  # a table this window does not know yet
            self._live_changed(None)
            return
        todo: list[Any] = []
        for table in sorted(tables):
            for fn in refreshers.get(table, ()):
                if fn not in todo:
                    todo.append(fn)
        for fn in todo:
            fn()

    def _live_connection(self, connected: bool, text: str) -> None:
        self.connection_banner.show_state(connected, text)
        self.session.set_read_only(None if connected else text)
        if text:
            self.statusBar().showMessage(text, 0 if not connected else 10000)

    def panel_targets(self) -> list[tuple[str, QDockWidget | None, QWidget]]:
        return [("timeline", None, self.timeline.table),
                ("incidents", self.docks["incidents"], self.incidents.table),
                ("roster and chains", self.docks["roster"], self.roster.chains),
                ("composer", self.docks["composer"], self.composer.template_combo),
                ("review queue", self.docks["review"], self.review.queue),
                ("score health", self.docks["health"], self.health.range_buttons["hour"]),
                ("alerts", self.docks["health"], self.health.alerts.table),
                ("commitments", self.docks["commitments"], self.commitments_panel.table),
                ("change calendar", self.docks["changes"], self.changes_panel.table),
                ("listening", self.docks["listening"], self.listening.table)]

    # --- starting -----------------------------------------------------------
    def start(self, *, sign_in: bool = True, live: bool = True) -> None:
        """Load everything in the background and, normally, ask who is at the desk.

        ``live=False``: the first reads are answered by the start-up reader
        (ui/prefetch.py); :meth:`start_live_and_reread` follows once the services exist."""
        # Listening starts once the database is open (the worker's first task builds the
        # services) and before the first reads, so no change slips in between.
        if live:
            self.session.read(lambda: self.services.settings, lambda _s: self._start_live())
        self._hold_hidden_panels()
        # Built while the timeline's read waited for its turn, they delayed the first
        # screen by about 0.1 s (the demo: five charts below the fold).
        self.health.hold_below_fold = True
        self.tasks.burst = True  # until the first screen (ui/tasks.py)
        QTimer.singleShot(HOLD_AT_MOST_MS, self, self._release_hidden_panels)
        self.tasks.sig_delivered.connect(self._check_first_screen)
        self.health.sig_first_view.connect(self._check_first_screen)
        self.refresh()
        self.health.start_live()
        if sign_in:
            self.open_sign_in()

    def _start_live(self) -> None:
        self.live.start()
        self._live_started = True

    def start_live_and_reread(self) -> None:
        """After a start on the start-up reader's answers, once this window's services
        are built: the watcher starts, then everything is read again (what changed
        between the reader's read and the watcher's start is in that re-read); LIVE
        once those reads are back."""
        self.live.start()
        self.session.sig_data_changed.emit()  # every panel re-reads, as after a reconnect
        if self.health.charts and self.health.first_view:
            self.health.load_range(*self.health.current_window())  # the charts' points
        # The reads those answers start (a changed incident is read again, then its
        # timeline) come back too before LIVE shows; at most RE_READ_AT_MOST_MS later.
        self.tasks.sig_delivered.connect(self._re_read_back)
        QTimer.singleShot(RE_READ_AT_MOST_MS, self, self._live_marked)

    def _re_read_back(self) -> None:
        if self.tasks.idle():
            self._live_marked()

    def _live_marked(self) -> None:
        if self._live_started:
            return
        self.tasks.sig_delivered.disconnect(self._re_read_back)
        self._live_started = True
        self._tick()

    def _hold_hidden_panels(self) -> None:
        """Panels out of sight (tabbed behind another, or closed) read after the first
        screen has its data, or as soon as the user brings one forward."""
        for key, panel in (("listening", self.listening), ("commitments",
                           self.commitments_panel), ("changes", self.changes_panel)):
            dock = self.docks[key]
            # A tab behind another stays "visible" to Qt, with nothing of it on screen.
            if not dock.isVisible() or dock.visibleRegion().isEmpty():
                panel.hold_loads()
                dock.visibilityChanged.connect(
                    lambda shown, p=panel: shown and p.release_loads())

    def _release_hidden_panels(self) -> None:
        """After the first screen (or at the latest HOLD_AT_MOST_MS): the panels out of
        sight read, and paging ticks (escalations due meanwhile are one second late)."""
        for panel in (self.listening, self.commitments_panel, self.changes_panel):
            panel.release_loads()
        self.health.release_below_fold()
        self.tasks.burst = False  # the first screen came, or never will: paced from now on
        if self.isVisible() and not self.pager.timer.isActive():
            self.pager.start()

    def _check_first_screen(self) -> None:
        """Has every panel in view its first data? Then the rest load, and LIVE shows."""
        if self.first_screen or not getattr(self.services, "ready", True):
            return
        wanted = self.incidents.wanted_incident()
        incident = self.session.incident
        shown = incident.id if incident is not None else None
        if not (self.incidents.loaded and wanted == shown
                and self.timeline.model.loaded(shown) and self.health.first_view):
            return
        self.first_screen = True
        self.tasks.burst = False
        self.tasks.sig_delivered.disconnect(self._check_first_screen)
        self._tick()
        # Told before the panels out of sight read: a start on the start-up reader's
        # answers (ui/app.py) stops using them here, so those reads are the services'.
        self.sig_first_screen.emit()
        self._release_hidden_panels()

    def refresh(self) -> None:
        # Score health first: its charts (and pyqtgraph) take the GUI thread longest,
        # and can be built while the worker reads the other panels.
        self.health.reload()
        self.incidents.reload()
        self.roster.reload()
        self.review.reload()
        self.commitments_panel.reload()
        self.changes_panel.reload()
        self.session.reload_incident()
        self.reload_audit_head()

    def reload_audit_head(self) -> None:
        self.session.read(self.services.audit.signed_head, self.status.show_audit_head)

    def open_change_passphrase(self) -> ChangePassphraseDialog | None:
        if self.session.operator is None:
            return None
        from .dialogs.change_passphrase import ChangePassphraseDialog

        dlg = ChangePassphraseDialog(self.session, self)
        self.change_passphrase_dialog = dlg
        dlg.open()
        return dlg

    def open_sign_in(self) -> SignInDialog:
        dlg = SignInDialog(self.session, self)
        self.sign_in_dialog = dlg
        dlg.open()
        return dlg

    # --- reacting ------------------------------------------------------------
    def _show_error(self, text: str) -> None:
        self.error_bar.show_message(text)
        self.statusBar().showMessage(localise(text), 10000)

    def _operator_changed(self, op: Any) -> None:
        self.status.show_operator(op)
        can = self.session.may
        from commandcenter.domain.operators import Action

        a = getattr(self, "actions_by_name", {})
        if "change_passphrase" in a:
            a["change_passphrase"].setEnabled(op is not None)
        for key, action in (("write", Action.WRITE_TIMELINE), ("correct", Action.WRITE_TIMELINE),
                            ("status", Action.RUN_INCIDENT), ("hand_over", Action.RUN_INCIDENT),
                            ("new", Action.DRAFT), ("save", Action.DRAFT),
                            ("submit", Action.DRAFT), ("approve", Action.APPROVE),
                            ("reject", Action.APPROVE), ("publish", Action.PUBLISH),
                            ("ack_alert", Action.ACK_ALERT),
                            ("alert_incident", Action.RUN_INCIDENT)):
            if key in a:
                a[key].setEnabled(can(action))
        if "new_incident" in a:
            why = self._why_no_new_incident()
            a["new_incident"].setEnabled(not why)
            tip = why or "Open an incident: title, severity, kind, drill (Ctrl+Shift+N)"
            a["new_incident"].setToolTip(tip)
            a["new_incident"].setStatusTip(tip)

    def _why_no_new_incident(self) -> str:
        from commandcenter.domain.operators import Action

        op = self.session.operator
        if op is None:
            return "Sign in to open an incident"
        if self.session.may(Action.RUN_INCIDENT) or self.session.may(Action.RUN_DRILL):
            return ""
        return f"A {op.role.value} may not open incidents (commanders and, for drills, " \
               "facilitators may)"

    def _incident_changed(self, inc: Any) -> None:
        self.status.show_incident(inc)
        self.drill_banner.setVisible(bool(inc and inc.drill))
        base = "Command Center" + (" — demo copy" if self.demo else "")
        self.setWindowTitle(base + (f" — #{inc.id} {inc.title}" if inc else "")
                            + (" [DRILL]" if inc and inc.drill else ""))
        self._tick()

    def _tick(self) -> None:
        self.status.tick(self.session.incident, self.session.now())
        # LIVE only once the data shown is live: the first screen loaded, the watcher on.
        if not self.status.live and self.first_screen and self._live_started:
            self.status.set_live()
            from .heap import settle_heap

            # Loaded: full collections no longer re-scan start-up's objects. Its full
            # collection (60-80 ms) waits until the loaded window has been painted.
            QTimer.singleShot(SETTLE_HEAP_AFTER_MS, settle_heap)

    def focus_panel(self, dock: QDockWidget | None, target: QWidget) -> None:
        if dock is not None:
            dock.show()
            dock.raise_()
        target.setFocus()

    def open_new_incident(self) -> NewIncidentDialog | None:
        if self._why_no_new_incident():
            return None
        from .dialogs.new_incident import NewIncidentDialog

        dlg = NewIncidentDialog(self.session, self)
        dlg.sig_opened.connect(self._incident_opened)
        self.new_incident_dialog = dlg
        dlg.open()
        return dlg

    def _incident_opened(self, inc: Any) -> None:
        """Select the new incident; the list reloads and keeps it selected."""
        self.session.set_incident(inc)
        self.session.sig_data_changed.emit()
        self.session.sig_info.emit(f"Incident #{inc.id} opened: {inc.severity.value} "
                                   f"{inc.title}" + (" (drill)" if inc.drill else ""))
        self.timeline.table.setFocus()

    def new_message(self) -> None:
        self.focus_panel(self.docks["composer"], self.composer.template_combo)
        self.composer.new_message()

    def open_wall(self) -> None:
        """The read-only wall display for the room, on this window's database."""
        from .wall import WallWindow

        self.wall = WallWindow(self.services)
        self.wall.setWindowFlag(Qt.WindowType.Window)
        self.wall.resize(1920, 1080)
        self.wall.showFullScreen()
        self.wall.start()

    def show_shortcuts(self) -> None:
        from .dialogs.shortcuts import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self.actions_by_name.values(), self)
        self.shortcuts_dialog.open()

    def about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "About Command Center",
                          "Command Center — incident command for a public scoring service.",
                          QMessageBox.StandardButton.Ok, self)
        box.open()

    # --- layout persistence ---------------------------------------------------
    def restore_layout(self) -> bool:
        qs = window_settings()
        geometry, state = qs.value("window/geometry"), qs.value("window/state")
        # The docks first, and the layout told: with every dock still shown, the
        # window's minimum size can exceed the saved size, which would then be clamped.
        restored = isinstance(state, QByteArray) and not state.isEmpty() and bool(
            self.restoreState(state, LAYOUT_VERSION))
        self.layout().activate()
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            restored = self.restoreGeometry(geometry) and restored
        else:
            restored = False
        return restored

    def save_layout(self) -> None:
        qs = window_settings()
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState(LAYOUT_VERSION))
        qs.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.apply_default_sizes()
        QTimer.singleShot(0, self.hide_stray_tab_bars)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:  # sizes only take once the window has its real geometry
            self._sized = True
            self.apply_default_sizes()
        QTimer.singleShot(0, self.hide_stray_tab_bars)  # once the layout has placed them

    def hide_stray_tab_bars(self) -> None:
        """Hide the tab bars that belong to no group of tabbed docks.

        Qt 6.11 gives the second group of tabbed docks a second tab bar that no dock
        uses, drawn where the group was first placed: over the review queue or the
        timeline, catching clicks. A group's own bar lies along its current dock, as
        wide as it; a bar whose current tab's dock is elsewhere (or hidden) is stray.
        """
        docks = {d.windowTitle(): d for d in self.docks.values() if not d.isFloating()}
        for bar in self.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if not bar.isVisibleTo(self) or bar.count() == 0:
                continue
            dock = docks.get(bar.tabText(bar.currentIndex()))
            if dock is None or not dock.isVisibleTo(self) or (dock.x(), dock.width()) != (
                    bar.x(), bar.width()):
                bar.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.composer.flush_autosave()
        self.save_layout()
        self.clock_timer.stop()
        self.roster.timer.stop()
        self.commitments_panel.timer.stop()
        self.changes_panel.timer.stop()
        self.health.stop_live()
        self.pager.stop()
        self.live.stop()
        self.tasks.shutdown()
        super().closeEvent(event)
