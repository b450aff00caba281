"""A second writer is told about the first one's change and shown both versions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from commandcenter.domain.compose import TemplateKey
from commandcenter.ui.dialogs.conflict import ConflictDialog
from tests.ui.conftest import sign_in, wait_idle

LEFT = Qt.MouseButton.LeftButton


def _edit_elsewhere(company, message_id: int, body: str) -> None:  # type: ignore[no-untyped-def]
    company.messages.edit(message_id, body, "Tom Becker")  # another workstation


def test_a_concurrent_edit_shows_both_versions_and_keeps_mine(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    c = window.composer
    c.apply_template(TemplateKey.UPDATE)
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    mid = c.message.id
    _edit_elsewhere(company, mid, "Their careful wording. Next update by 12:00 UTC.")
    c.body_edit.setPlainText("My quick wording. Next update by 11:00 UTC.")
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: c.conflict_dialog is not None and c.conflict_dialog.isVisible())
    dlg = c.conflict_dialog
    assert dlg.mine_view.toPlainText() == "My quick wording. Next update by 11:00 UTC."
    assert dlg.theirs_view.toPlainText() == "Their careful wording. Next update by 12:00 UTC."
    assert company.messages.get(mid).body.startswith("Their careful wording")  # nothing lost
    stored = company.messages.get(mid).version
    assert dlg.mine_label.text() == f"Your version (your edit of version {stored - 1})"
    assert dlg.theirs_label.text() == f"Stored version (version {stored}, saved by someone else)"
    dlg.done(ConflictDialog.KEEP_MINE)
    assert c.body_edit.toPlainText() == "My quick wording. Next update by 11:00 UTC."
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    assert company.messages.get(mid).body == "My quick wording. Next update by 11:00 UTC."


def test_use_theirs_loads_the_stored_version(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    c = window.composer
    c.apply_template(TemplateKey.UPDATE)
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    _edit_elsewhere(company, c.message.id, "Stored text. Next update by 12:00 UTC.")
    c.body_edit.setPlainText("Mine. Next update by 11:00 UTC.")
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: c.conflict_dialog is not None and c.conflict_dialog.isVisible())
    c.conflict_dialog.done(ConflictDialog.USE_THEIRS)
    assert c.body_edit.toPlainText() == "Stored text. Next update by 12:00 UTC."
