"""Menus and the toolbar: every command reachable from the keyboard, standard keys first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QPlainTextEdit, QToolBar

if TYPE_CHECKING:
    from .main_window import MainWindow

Key = QKeySequence.StandardKey


def _action(window: MainWindow, menu: QMenu, text: str, slot: Callable[[], object],
            key: Key | str | None = None, tip: str = "") -> QAction:
    action = QAction(text, window)
    if isinstance(key, Key):
        action.setShortcuts(QKeySequence.keyBindings(key))
    elif key:
        action.setShortcut(QKeySequence(key))
    action.setStatusTip(tip or text.replace("&", "").rstrip("…"))
    action.setToolTip(tip or text.replace("&", "").rstrip("…"))
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    window.addAction(action)
    return action


class EditorTracker:
    """The text editor Undo/Redo act on: the focused one, else the one last focused."""

    def __init__(self) -> None:
        self.last: QPlainTextEdit | QLineEdit | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: object, new: object) -> None:
        if isinstance(new, (QPlainTextEdit, QLineEdit)):
            self.last = new

    def run(self, method: str) -> Callable[[], None]:
        def act() -> None:
            w = QApplication.focusWidget()
            target = w if isinstance(w, (QPlainTextEdit, QLineEdit)) else self.last
            if target is not None:
                try:
                    getattr(target, method)()
                except RuntimeError:  # the editor was deleted with its dialog
                    self.last = None
        return act


def build_menus(w: MainWindow) -> dict[str, QAction]:
    bar = w.menuBar()
    a: dict[str, QAction] = {}
    file = bar.addMenu("&File")
    a["switch"] = _action(w, file, "&Switch operator…", w.open_sign_in, "Ctrl+Shift+O",
                          "Sign in as another operator without restarting")
    a["change_passphrase"] = _action(w, file, "&Change my passphrase…",
                                     w.open_change_passphrase, "Ctrl+Shift+W",
                                     "Set your own passphrase (needed after a reset before "
                                     "you can approve)")
    a["refresh"] = _action(w, file, "&Refresh", w.refresh, Key.Refresh)
    if not a["refresh"].shortcuts():
        a["refresh"].setShortcut(QKeySequence("F5"))
    file.addSeparator()
    a["quit"] = _action(w, file, "&Quit", w.close, Key.Quit)
    if not a["quit"].shortcuts():  # no platform binding (offscreen, some desktops)
        a["quit"].setShortcut(QKeySequence("Ctrl+Q"))

    edit = bar.addMenu("&Edit")
    w.editor_tracker = EditorTracker()
    a["undo"] = _action(w, edit, "&Undo", w.editor_tracker.run("undo"), Key.Undo)
    a["redo"] = _action(w, edit, "&Redo", w.editor_tracker.run("redo"), Key.Redo)
    edit.addSeparator()
    a["find"] = _action(w, edit, "&Find in timeline", w.timeline.focus_filter, Key.Find)

    inc = bar.addMenu("&Incident")
    # Ctrl+N (StandardKey.New) is New message; an incident is opened far less often.
    a["new_incident"] = _action(w, inc, "&New incident…", w.open_new_incident, "Ctrl+Shift+N",
                                "Open an incident: title, severity, kind, drill (Ctrl+Shift+N)")
    inc.addSeparator()
    a["write"] = _action(w, inc, "&Write timeline entry", w.timeline.entry_edit.setFocus,
                         "Ctrl+T", "Type a note or decision; Ctrl+Enter adds it")
    a["correct"] = _action(w, inc, "&Correct selected entry…", w.timeline.open_correction,
                           "Ctrl+Shift+E")
    a["status"] = _action(w, inc, "Change &status", w.incidents.status_combo.setFocus,
                          "Ctrl+Shift+T", "Choose the next status (allowed transitions only)")
    a["hand_over"] = _action(w, inc, "&Hand over command…", w.incidents.open_hand_over,
                             "Ctrl+Shift+H")
    inc.addSeparator()
    a["ack_alert"] = _action(w, inc, "Ac&knowledge alert", w.health.alerts.acknowledge,
                             "Ctrl+Shift+K", "Acknowledge the selected score-health alert")
    a["alert_incident"] = _action(w, inc, "Open incident from &alert",
                                  w.health.alerts.open_incident, "Ctrl+Shift+I",
                                  "Open an incident from the selected score-health alert")

    msg = bar.addMenu("&Message")
    a["new"] = _action(w, msg, "&New message", w.new_message, Key.New)
    a["save"] = _action(w, msg, "&Save draft", w.composer.save, Key.Save)
    a["submit"] = _action(w, msg, "Su&bmit for review", w.composer.submit, "Ctrl+Shift+Return")
    msg.addSeparator()
    a["approve"] = _action(w, msg, "&Approve…", w.review.open_approve, "Ctrl+Shift+A",
                           "Approve the selected message (asks for your passphrase)")
    a["reject"] = _action(w, msg, "&Reject…", w.review.open_reject, "Ctrl+Shift+R")
    a["publish"] = _action(w, msg, "&Publish", w.review.publish, "Ctrl+Shift+P")

    view = bar.addMenu("&View")
    for i, (name, dock, target) in enumerate(w.panel_targets(), start=1):
        _action(w, view, f"Go to {name}", lambda d=dock, t=target: w.focus_panel(d, t),
                f"Alt+{i % 10}" if i <= 10 else None)  # the tenth is Alt+0
    view.addSeparator()
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    a["reset_layout"] = _action(w, view, "Reset &layout", w.reset_layout)

    help_menu = bar.addMenu("&Help")
    a["shortcuts"] = _action(w, help_menu, "&Keyboard shortcuts…", w.show_shortcuts,
                             "F1")
    a["about"] = _action(w, help_menu, "&About Command Center", w.about)

    tools = QToolBar("Main toolbar", w)
    tools.setObjectName("main-toolbar")
    tools.setAccessibleName("Main toolbar")
    for key in ("switch", "refresh", "new_incident", "new", "save", "submit", "approve",
                "reject", "publish"):
        tools.addAction(a[key])
    w.addToolBar(tools)
    for b in tools.findChildren(type(tools.widgetForAction(a["switch"]))):
        if b.defaultAction() is not None:
            b.setAccessibleName(b.defaultAction().text().replace("&", "").rstrip("…"))
    return a
