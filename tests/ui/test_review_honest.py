"""Review that cannot mislead: Approve only for the owner now, banners that clear, dialogs
that keep what was typed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from commandcenter.domain.messages import Channel, Purpose
from tests.ui.conftest import sign_in, wait_idle
from tests.ui.fixtures import PASSPHRASE

LEFT = Qt.MouseButton.LeftButton


def test_approve_is_enabled_for_the_owner_now_and_not_for_his_own_words(  # type: ignore[no-untyped-def]
    qtbot, window, company,
):
    inc = window.session.incident or company.incidents.list()[-1]
    own = company.messages.draft(inc.id, Channel.X, "We know. Sorry. Fixing. Next update by "
                                 "10:00 UTC.", "Priya Raman", purpose=Purpose.HOLDING)
    company.messages.submit(own.id, "Priya Raman")
    sign_in(qtbot, window, "Priya Raman")  # owns communications (Maya is flying)
    review = window.review
    rows = {review.queue.item(i).data(Qt.ItemDataRole.UserRole + 1).id: i
            for i in range(review.queue.count())}
    others = next(mid for mid in rows if mid != own.id)
    review.queue.setCurrentRow(rows[others])
    assert review.approve_button.isEnabled()
    review.queue.setCurrentRow(rows[own.id])
    assert not review.approve_button.isEnabled()
    assert "Priya Raman's own" in review.approve_button.toolTip()

    sign_in(qtbot, window, "Tom Becker")  # a spokesperson who owns nothing
    review.queue.setCurrentRow(0)
    assert not review.approve_button.isEnabled()
    assert "Tom Becker does not own the communications chain now; Priya Raman does" in \
        review.approve_button.toolTip()


def test_an_error_banner_clears_once_a_later_action_succeeds(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    tl = window.timeline
    tl.entry_edit.setPlainText("x" * 10_001)  # refused: too long
    qtbot.mouseClick(tl.add_button, LEFT)
    wait_idle(qtbot, window)
    assert window.error_bar.text()
    tl.entry_edit.setPlainText("EU shard verified")
    qtbot.mouseClick(tl.add_button, LEFT)
    wait_idle(qtbot, window)
    assert window.error_bar.text() == ""


def test_the_availability_dialog_keeps_its_input_when_the_fields_are_wrong(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    qtbot.mouseClick(window.roster.availability_button, LEFT)
    dlg = window.roster.availability_dialog
    dlg.note_edit.setText("flight LH 455")
    dlg.until_edit.setDateTime(dlg.from_edit.dateTime().addSecs(-60))
    dlg.authority.passphrase_edit.setText(PASSPHRASE)
    dlg.accept()
    assert dlg.isVisible()
    assert "Until must be after From" in dlg.authority.error.text()
    assert dlg.note_edit.text() == "flight LH 455"
    assert dlg.authority.passphrase_edit.text() == PASSPHRASE
    dlg.until_edit.setDateTime(dlg.from_edit.dateTime().addSecs(3600))
    dlg.accept()
    wait_idle(qtbot, window)
    assert not dlg.isVisible()
    assert window.error_bar.text() == ""
