"""The whole flow with the keyboard alone: draft from a template, submit, approve, publish."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from commandcenter.domain.messages import MessageState
from commandcenter.domain.timeline import EntryKind
from tests.ui.conftest import wait_idle

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def _active(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def _press_until(qtbot, widget, key, done) -> None:  # type: ignore[no-untyped-def]
    """Press ``key`` until ``done()``; a bounded loop, so a missing item fails, not hangs."""
    for _ in range(50):
        if done():
            return
        qtbot.keyClick(widget, key)
    raise AssertionError("never reached with the keyboard")


def _keyboard_sign_in(qtbot, window, name: str) -> None:  # type: ignore[no-untyped-def]
    _active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL_SHIFT)  # File > Switch operator
    wait_idle(qtbot, window)
    dlg = window.sign_in_dialog
    qtbot.waitUntil(lambda: dlg.operator_list.count() > 0)
    dlg.operator_list.setFocus()
    qtbot.keyClick(dlg.operator_list, Qt.Key.Key_Home)
    _press_until(qtbot, dlg.operator_list, Qt.Key.Key_Down,
                 lambda: dlg.operator_list.currentItem().text().split(" — ")[0] == name)
    qtbot.keyClick(dlg.operator_list, Qt.Key.Key_Return)
    qtbot.keyClicks(dlg.passphrase_edit, "demo-passphrase")
    qtbot.keyClick(dlg.passphrase_edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert window.session.operator.name == name


def test_draft_submit_approve_publish_without_a_mouse(qtbot, window):  # type: ignore[no-untyped-def]
    _keyboard_sign_in(qtbot, window, "Tom Becker")
    _active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_4, ALT)  # View > Go to composer: the template list
    combo = window.composer.template_combo
    qtbot.waitUntil(lambda: QApplication.focusWidget() is combo)
    _press_until(qtbot, combo, Qt.Key.Key_Down,
                 lambda: "acknowledg" in combo.currentText().lower())
    assert "Next update by" in window.composer.body_edit.toPlainText()
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL_SHIFT)  # Message > Submit for review
    wait_idle(qtbot, window)
    mid = window.composer.message.id
    assert window.composer.message.state is MessageState.IN_REVIEW

    _keyboard_sign_in(qtbot, window, "Priya Raman")  # owns the communications chain
    _active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_5, ALT)  # View > Go to review queue
    queue = window.review.queue
    qtbot.waitUntil(lambda: QApplication.focusWidget() is queue)
    qtbot.keyClick(queue, Qt.Key.Key_Home)
    _press_until(qtbot, queue, Qt.Key.Key_Down,
                 lambda: window.review.selected() is not None
                 and window.review.selected().id == mid)
    qtbot.keyClick(window, Qt.Key.Key_A, CTRL_SHIFT)  # Message > Approve
    dlg = window.review.passphrase_dialog
    qtbot.waitUntil(lambda: dlg.isVisible())
    qtbot.keyClicks(dlg.passphrase_edit, "demo-passphrase")
    qtbot.keyClick(dlg.passphrase_edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert window.session.services.messages.get(mid).state is MessageState.APPROVED

    _active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_5, ALT)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is queue)
    qtbot.keyClick(queue, Qt.Key.Key_Home)
    _press_until(qtbot, queue, Qt.Key.Key_Down,
                 lambda: window.review.selected() is not None
                 and window.review.selected().id == mid)
    qtbot.keyClick(window, Qt.Key.Key_P, CTRL_SHIFT)  # Message > Publish
    wait_idle(qtbot, window)
    assert window.session.services.messages.get(mid).state is MessageState.PUBLISHED
    entries = window.session.services.incidents.timeline(window.session.incident.id).entries
    assert any(e.kind is EntryKind.MESSAGE_PUBLISHED and e.data["message"] == mid
               for e in entries)
