"""Opening an incident from the window: keyboard only, roles, errors kept in the dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from commandcenter.domain.incidents import Severity
from commandcenter.domain.timeline import EntryKind
from tests.ui.conftest import sign_in, wait_idle

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def focused_dialog(qtbot, window):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.new_incident_dialog is not None
                    and window.new_incident_dialog.isVisible(), timeout=5000)
    dlg = window.new_incident_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dlg.title_edit, timeout=5000)
    return dlg


def test_commander_opens_an_incident_with_the_keyboard_only(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    action = window.actions_by_name["new_incident"]
    assert action.isEnabled()
    assert action.shortcut() == QKeySequence("Ctrl+Shift+N")
    assert action.shortcut() not in QKeySequence.keyBindings(QKeySequence.StandardKey.New)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL_SHIFT)
    dlg = focused_dialog(qtbot, window)
    assert dlg.drill_check.isVisible() and dlg.drill_check.isEnabled()

    # Enter on an empty title: the problem is shown in the dialog, which stays open.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dlg.isVisible() and "title" in dlg.error_label.text()

    assert QApplication.focusWidget() is dlg.title_edit
    qtbot.keyClicks(dlg.title_edit, "Leaderboard shows yesterday's scores")
    qtbot.keyClick(dlg.title_edit, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dlg.severity_combo
    qtbot.keyClick(dlg.severity_combo, Qt.Key.Key_Up)  # SEV2 (the default) -> SEV1
    qtbot.keyClick(dlg.severity_combo, Qt.Key.Key_Tab)
    kind = QApplication.focusWidget()
    assert kind is dlg.kind_combo.lineEdit() or kind is dlg.kind_combo
    qtbot.keyClick(kind, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # replace it
    qtbot.keyClicks(kind, "stale data")
    qtbot.keyClick(kind, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert dlg.error_label.text() == ""

    inc = window.session.incident
    assert inc.title == "Leaderboard shows yesterday's scores"
    assert inc.severity is Severity.SEV1 and inc.kind == "stale data" and not inc.drill
    assert inc.commander == "Alex Moreau"
    qtbot.waitUntil(lambda: window.incidents.table.currentIndex().isValid()
                    and window.incidents.model.row_object(
                        window.incidents.table.currentIndex().row()).id == inc.id,
                    timeout=5000)
    wait_idle(qtbot, window)
    model = window.timeline.model
    kinds = [model.entry(r).kind for r in range(model.rowCount())]
    assert kinds[:2] == [EntryKind.DETECTION, EntryKind.DECLARATION]
    assert all(model.entry(r).incident_id == inc.id for r in range(model.rowCount()))
    assert f"#{inc.id}" in window.windowTitle()


def test_spokesperson_sees_the_action_disabled_with_the_reason(qtbot, window):  # type: ignore[no-untyped-def]
    action = window.actions_by_name["new_incident"]
    assert not action.isEnabled() and "Sign in" in action.toolTip()
    sign_in(qtbot, window, "Tom Becker")
    assert not action.isEnabled()
    assert "spokesperson may not open incidents" in action.toolTip()
    assert window.open_new_incident() is None


def test_facilitator_may_open_drills_only(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Nina Sorensen")
    action = window.actions_by_name["new_incident"]
    assert action.isEnabled()
    dlg = window.open_new_incident()
    assert dlg is not None
    assert dlg.drill_check.isChecked() and not dlg.drill_check.isEnabled()
    dlg.title_edit.setText("Tabletop: a bad batch")
    dlg.accept()
    wait_idle(qtbot, window)
    assert not dlg.isVisible()
    assert window.session.incident.drill and window.session.incident.title == \
        "Tabletop: a bad batch"


def test_service_refusal_stays_in_the_dialog(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    before = len(company.incidents.list())
    dlg = window.open_new_incident()
    assert dlg is not None
    dlg.title_edit.setText("   \t ")  # whitespace only: refused before the worker
    dlg.accept()
    assert dlg.isVisible() and "title" in dlg.error_label.text()
    # The role changed behind the dialog's back: the service refuses, the dialog says so.
    window.session.operator = window.session.operator.__class__(
        window.session.operator.id, window.session.operator.contact_id, "Tom Becker",
        window.session.operator.role)
    dlg.title_edit.setText("Should not open")
    dlg.accept()
    wait_idle(qtbot, window)
    assert dlg.isVisible()
    assert "spokesperson may not run incidents" in dlg.error_label.text()
    assert "Traceback" not in dlg.error_label.text()
    assert len(company.incidents.list()) == before
    dlg.reject()
