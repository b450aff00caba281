"""The whole incident-room flow, driven through the real window offscreen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from commandcenter.domain.compose import TemplateKey
from commandcenter.domain.messages import MessageState
from commandcenter.domain.timeline import EntryKind
from commandcenter.ui.models.timeline import CORRECTION, TEXT
from tests.ui.conftest import sign_in, wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def timeline_rows(window):  # type: ignore[no-untyped-def]
    m = window.timeline.model
    return [m.entry(r) for r in range(m.rowCount())]


def row_of(window, predicate) -> int:  # type: ignore[no-untyped-def]
    return next(i for i, e in enumerate(timeline_rows(window)) if predicate(e))


def test_sign_in_note_correct_draft_submit_approve_publish(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    assert window.session.operator.name == "Tom Becker"
    assert "Tom Becker" in window.status.operator.text()
    inc = window.session.incident
    assert inc.title == "Scores halved overnight for 38% of profiles"
    assert window.status.clock.text() == "T+00:52"

    # A note, added with Ctrl+Enter.
    window.timeline.entry_edit.setFocus()
    qtbot.keyClicks(window.timeline.entry_edit, "EU shard join dropped 1 in 2 rows")
    qtbot.keyClick(window.timeline.entry_edit, Qt.Key.Key_Return, CTRL)
    wait_idle(qtbot, window)
    assert window.timeline.entry_edit.toPlainText() == ""
    row = row_of(window, lambda e: e.text == "EU shard join dropped 1 in 2 rows")

    # Corrected: the original stays, struck through, the correction beside it.
    window.timeline.table.selectRow(row)
    qtbot.mouseClick(window.timeline.correct_button, LEFT)
    dlg = window.timeline.correct_dialog
    dlg.setTextValue("EU shard join dropped 1 in 3 rows")
    dlg.accept()
    wait_idle(qtbot, window)
    model = window.timeline.model
    original = model.index(row, TEXT)
    assert model.data(original) == "EU shard join dropped 1 in 2 rows"
    font = model.data(original, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.strikeOut()
    assert model.data(model.index(row, CORRECTION)) == "→ EU shard join dropped 1 in 3 rows"
    assert any(e.kind is EntryKind.CORRECTION for e in timeline_rows(window))

    # Draft from a template: placeholders filled, counted, checklist ticked.
    composer = window.composer
    composer.template_combo.setCurrentIndex(
        composer.template_combo.findData(TemplateKey.ACKNOWLEDGEMENT))
    composer.template_combo.activated.emit(composer.template_combo.currentIndex())
    body = composer.body_edit.toPlainText()
    assert "{" not in body and "Next update by" in body
    assert "/ 280 weighted characters" in composer.count_label.text()
    assert all("✔" in lbl.text() for lbl in composer.check_labels)
    qtbot.mouseClick(composer.submit_button, LEFT)
    wait_idle(qtbot, window)
    assert composer.message.state is MessageState.IN_REVIEW
    mid = composer.message.id

    # Priya owns the communications chain (Maya is flying, unreachable).
    sign_in(qtbot, window, "Priya Raman")
    review = window.review
    assert "you can approve" in review.can_label.text()
    _select_in_queue(review, mid)
    qtbot.mouseClick(review.approve_button, LEFT)
    review.passphrase_dialog.passphrase_edit.setText("demo-passphrase")
    review.passphrase_dialog.accept()
    wait_idle(qtbot, window)
    assert window.error_bar.text() == ""
    _select_in_queue(review, mid)
    assert review.selected().state is MessageState.APPROVED
    qtbot.mouseClick(review.publish_button, LEFT)
    wait_idle(qtbot, window)

    published = [e for e in timeline_rows(window) if e.kind is EntryKind.MESSAGE_PUBLISHED]
    assert published and published[-1].data["message"] == mid
    assert window.session.incident.first_public_ack_at is not None


def _select_in_queue(review, message_id: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(review.queue.count()):
        m = review.queue.item(i).data(Qt.ItemDataRole.UserRole + 1)
        if m.id == message_id:
            review.queue.setCurrentRow(i)
            return
    raise AssertionError(f"message {message_id} is not in the review queue")


def test_a_non_owner_cannot_press_approve_and_is_told_why(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Omar Haddad")  # a spokesperson, third in the chain
    review = window.review
    assert "does not own the communications chain now; Priya Raman does" in \
        review.can_label.text()
    assert review.queue.count() == 1
    review.queue.setCurrentRow(0)
    assert not review.approve_button.isEnabled()
    assert not review.reject_button.isEnabled()
    assert "Omar Haddad does not own the communications chain now; Priya Raman does" in \
        review.approve_button.toolTip()
    qtbot.mouseClick(review.approve_button, LEFT)
    assert review.passphrase_dialog is None  # no passphrase asked for a refusal
    review.open_approve()  # the menu's shortcut goes the same way
    assert review.passphrase_dialog is None
    assert review.selected().state is MessageState.IN_REVIEW


def test_wrong_passphrase_keeps_the_dialog_open(qtbot, window):  # type: ignore[no-untyped-def]
    dlg = window.open_sign_in()
    wait_idle(qtbot, window)
    dlg.choose("Alex Moreau")
    dlg.passphrase_edit.setText("not the passphrase")
    qtbot.mouseClick(dlg.ok_button, LEFT)
    wait_idle(qtbot, window)
    assert dlg.isVisible()
    assert "wrong passphrase" in dlg.error_label.text()
    assert window.session.operator is None
    dlg.reject()


def test_an_observer_sees_everything_and_changes_nothing(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Ravi Kapoor")
    assert window.timeline.model.rowCount() > 0
    assert window.review.queue.count() == 1
    for w in (window.timeline.add_button, window.timeline.entry_edit,
              window.composer.body_edit, window.composer.submit_button,
              window.review.approve_button, window.incidents.status_button,
              window.roster.availability_button, window.roster.delegate_button):
        assert not w.isEnabled(), w.accessibleName()
    assert "observer" in window.timeline.entry_edit.placeholderText()
    assert not window.actions_by_name["approve"].isEnabled()


def test_switching_operator_without_restarting(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Ravi Kapoor")
    assert not window.timeline.add_button.isEnabled()
    sign_in(qtbot, window, "Alex Moreau")
    assert window.session.operator.name == "Alex Moreau"
    assert window.timeline.add_button.isEnabled()


def test_status_changes_only_along_allowed_transitions(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    combo = window.incidents.status_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert offered == [s.value for s in window.session.incident.allowed_next]
    combo.setCurrentIndex(combo.findText("acknowledged"))
    qtbot.mouseClick(window.incidents.status_button, LEFT)
    wait_idle(qtbot, window)
    assert window.session.incident.status.value == "acknowledged"
    assert "declared" not in [combo.itemText(i) for i in range(combo.count())]


def test_hand_over_command_is_recorded(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    qtbot.mouseClick(window.incidents.hand_over_button, LEFT)
    wait_idle(qtbot, window)
    dlg = window.incidents.hand_over_dialog
    dlg.setTextValue("Sam Whitfield")
    dlg.accept()
    wait_idle(qtbot, window)
    assert window.session.incident.commander == "Sam Whitfield"
    assert any(e.kind is EntryKind.ROLE_CHANGE and "Sam Whitfield" in e.text
               for e in timeline_rows(window))


def test_refusals_show_in_the_window_not_as_tracebacks(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    window.composer.body_edit.setPlainText("x" * 300)  # over the X limit
    assert "over the limit" in window.composer.count_label.text()
    qtbot.mouseClick(window.composer.save_button, LEFT)
    wait_idle(qtbot, window)
    assert "over the x limit of 280" in window.error_bar.text()
