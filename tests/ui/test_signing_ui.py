"""The window shows what an approval signs, the audit head, and lets an operator whose
passphrase was reset set their own."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from commandcenter.domain.messages import MessageState
from commandcenter.services.authority import Credentials
from tests.ui.conftest import sign_in, wait_idle
from tests.ui.fixtures import PASSPHRASE

LEFT = Qt.MouseButton.LeftButton


def test_the_approve_dialog_shows_exactly_what_is_signed(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Priya Raman")
    review = window.review
    review.queue.setCurrentRow(0)
    m = review.selected()
    qtbot.mouseClick(review.approve_button, LEFT)
    dlg = review.passphrase_dialog
    assert dlg.text_view.toPlainText().endswith(m.body)
    assert dlg.text_view.isReadOnly()
    assert m.channel.value in dlg.channel_label.text()
    assert m.content_hash in dlg.hash_label.text()
    assert all(w.accessibleName() for w in dlg.findChildren(QPlainTextEdit))
    assert dlg.focusWidget() in (None, dlg.passphrase_edit) or dlg.passphrase_edit.hasFocus()
    dlg.passphrase_edit.setText(PASSPHRASE)
    dlg.accept()
    wait_idle(qtbot, window)
    assert window.error_bar.text() == ""
    assert window.services.messages.get(m.id).state is MessageState.APPROVED


def test_the_status_bar_shows_the_audit_head(qtbot, window):  # type: ignore[no-untyped-def]
    head = window.services.audit.signed_head()
    assert window.status.audit.text() == f"Audit {head.hash[:12]}"
    tip = window.status.audit.toolTip()
    assert head.hash in tip and head.signature in tip and f"record {head.seq}" in tip
    sign_in(qtbot, window, "Alex Moreau")
    window.timeline.entry_edit.setFocus()
    qtbot.keyClicks(window.timeline.entry_edit, "One more record in the log")
    qtbot.keyClick(window.timeline.entry_edit, Qt.Key.Key_Return,
                   Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    after = window.services.audit.signed_head()
    assert after.seq > head.seq
    assert window.status.audit.text() == f"Audit {after.hash[:12]}"


def test_after_a_reset_the_operator_sets_their_own_passphrase(qtbot, window):  # type: ignore[no-untyped-def]
    svc = window.services
    svc.roster.reset_passphrase("Priya Raman", "temporary secret",
                                Credentials("Alex Moreau", PASSPHRASE),
                                Credentials("Sam Whitfield", PASSPHRASE))
    sign_in(qtbot, window, "Priya Raman", "temporary secret")
    action = window.actions_by_name["change_passphrase"]
    assert action.isEnabled() and action.shortcut().toString() == "Ctrl+Shift+W"
    action.trigger()
    dlg = window.change_passphrase_dialog
    assert dlg.isVisible()
    # It validates before it closes.
    dlg.old_edit.setText("temporary secret")
    dlg.new_edit.setText("priya's own words")
    dlg.again_edit.setText("priya's own word")
    qtbot.mouseClick(dlg.ok_button, LEFT)
    assert dlg.isVisible() and "differ" in dlg.error_label.text()
    # A wrong current passphrase is refused by the service; the dialog stays.
    dlg.old_edit.setText("not it at all")
    dlg.again_edit.setText("priya's own words")
    qtbot.mouseClick(dlg.ok_button, LEFT)
    wait_idle(qtbot, window)
    assert dlg.isVisible() and "wrong passphrase" in dlg.error_label.text()
    dlg.old_edit.setText("temporary secret")
    qtbot.keyClick(dlg.again_edit, Qt.Key.Key_Return)  # keyboard: Enter accepts
    wait_idle(qtbot, window)
    assert not dlg.isVisible()
    assert svc.roster.sign_in("Priya Raman", "priya's own words").name == "Priya Raman"
    # And now Priya can approve again, signing with her fresh key.
    review = window.review
    review.queue.setCurrentRow(0)
    qtbot.mouseClick(review.approve_button, LEFT)
    review.passphrase_dialog.passphrase_edit.setText("priya's own words")
    review.passphrase_dialog.accept()
    wait_idle(qtbot, window)
    assert window.error_bar.text() == ""
    assert review.selected().state is MessageState.APPROVED
