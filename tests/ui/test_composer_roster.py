"""Composer (templates, undo, autosave), review diffs, roster and chains panels."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from commandcenter.domain.compose import TemplateKey, checklist, fill, length_status, unfilled
from commandcenter.domain.messages import Channel, MessageState, Purpose
from commandcenter.domain.roster import AvailabilityStatus
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.models.table import RowRole
from tests.ui.conftest import sign_in, wait_idle
from tests.ui.fixtures import PASSPHRASE

LEFT = Qt.MouseButton.LeftButton


def test_templates_fill_every_placeholder_and_satisfy_the_checklist() -> None:
    from commandcenter.services.templates import load_templates

    values = {"title": "T", "severity": "SEV1", "status": "declared", "detected": "08:30 UTC",
              "next_update": "10:30 UTC"}
    for t in load_templates():
        for text in t.texts:
            body = fill(text.body, values)
            facts = {name: f"<{name}>" for name in unfilled(body)}
            body = fill(body, facts)
            assert "{" not in body, t.key
            done = {c.key for c in checklist(body) if c.satisfied}
            assert len(done) == 4, (t.key, text.channel, done)
            assert not length_status(text.channel, body).over, (t.key, text.channel)
    assert [c.satisfied for c in checklist("Hello")] == [False] * 4


def test_length_counts_links_as_23_and_the_drill_prefix() -> None:
    assert length_status(Channel.X, "see https://example.com/" + "a" * 100).length == 27
    assert length_status(Channel.X, "hi", drill=True).length == len("EXERCISE: hi")


def test_template_apply_can_be_undone(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    composer = window.composer
    window.activateWindow()
    composer.body_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is composer.body_edit)
    qtbot.keyClicks(composer.body_edit, "my own words")
    composer.apply_template(TemplateKey.HOLDING)
    assert composer.body_edit.toPlainText().startswith("We're aware")
    assert composer.channel is Channel.X and composer.purpose is Purpose.HOLDING
    window.actions_by_name["undo"].trigger()
    assert composer.body_edit.toPlainText() == "my own words"
    window.actions_by_name["redo"].trigger()
    assert composer.body_edit.toPlainText().startswith("We're aware")


def test_unsaved_draft_survives_closing(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    window.composer.channel_combo.setCurrentIndex(
        window.composer.channel_combo.findData(Channel.FACEBOOK))
    window.composer.body_edit.setPlainText("Half-written apology")
    qtbot.waitUntil(lambda: window.composer.autosave.path.exists(), timeout=120_000)
    window.close()

    again = MainWindow(company)
    qtbot.addWidget(again)
    assert again.composer.body_edit.toPlainText() == "Half-written apology"
    assert again.composer.channel is Channel.FACEBOOK
    again.close()


def test_saving_clears_the_autosave_and_edits_make_revisions(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    c = window.composer
    c.apply_template(TemplateKey.UPDATE)
    c.flush_autosave()
    assert c.autosave.path.exists()
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    assert c.message is not None and c.message.state is MessageState.DRAFT
    assert not c.autosave.path.exists()
    # The template's facts filled in: only then can it be submitted.
    c.body_edit.setPlainText(c.body_edit.toPlainText().replace(
        "{confirmed}", "a faulty batch").replace("{action}", "recalculating scores"))
    qtbot.mouseClick(c.submit_button, LEFT)
    wait_idle(qtbot, window)
    assert c.message.revision == 2 and c.message.state is MessageState.IN_REVIEW
    sign_in(qtbot, window, "Priya Raman")
    review = window.review
    for i in range(review.queue.count()):
        if review.queue.item(i).data(Qt.ItemDataRole.UserRole + 1).id == c.message.id:
            review.queue.setCurrentRow(i)
    wait_idle(qtbot, window)
    html = review.detail.toHtml()
    assert "Changes since revision 1" in html and "recalculating" in html


def test_rejection_reason_reaches_the_author(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Priya Raman")
    review = window.review
    review.queue.setCurrentRow(0)
    qtbot.mouseClick(review.reject_button, LEFT)
    review.reject_dialog.setTextValue("Say when the next update comes, in UTC")
    review.reject_dialog.accept()
    wait_idle(qtbot, window)
    assert review.queue.count() == 0
    sign_in(qtbot, window, "Tom Becker")
    combo = window.composer.open_combo
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    wait_idle(qtbot, window)
    assert "Rejected: Say when the next update comes" in window.composer.state_label.text()


def test_chains_show_owner_skipped_and_next_change_and_move_with_time(qtbot, window, clock):  # type: ignore[no-untyped-def]
    tree = window.roster.chains
    comms = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                 if tree.topLevelItem(i).text(0) == "communications")
    assert comms.text(1) == "Priya Raman"
    children = [(comms.child(i).text(0), comms.child(i).text(1)) for i in range(comms.childCount())]
    assert ("skipped Maya Lindqvist", children[0][1]) == children[0]
    assert "travelling" in children[0][1] and "not reachable" in children[0][1]
    assert children[-1][0] == "changes next"
    clock.advance(timedelta(hours=2, minutes=1))  # Priya at the dentist now
    window.roster.tick()
    wait_idle(qtbot, window)
    comms = tree.topLevelItem(0)
    assert comms.text(1) == "Omar Haddad"


def test_delegation_with_expiry_changes_the_owner(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")  # owns incident command, not communications
    qtbot.mouseClick(window.roster.delegate_button, LEFT)
    dlg = window.roster.delegation_dialog
    assert [dlg.chain_combo.itemText(i) for i in range(dlg.chain_combo.count())] == [
        "incident command"]
    dlg.reject()
    sign_in(qtbot, window, "Tom Becker")  # owns nothing
    wait_idle(qtbot, window)
    assert not window.roster.delegate_button.isEnabled()
    assert "Only a chain's owner" in window.roster.delegate_button.toolTip()
    sign_in(qtbot, window, "Priya Raman")  # owns communications while Maya flies
    wait_idle(qtbot, window)
    assert window.roster.delegate_button.isEnabled()
    qtbot.mouseClick(window.roster.delegate_button, LEFT)
    dlg = window.roster.delegation_dialog
    assert [dlg.chain_combo.itemText(i) for i in range(dlg.chain_combo.count())] == [
        "communications"]
    dlg.delegate_combo.setCurrentText("Omar Haddad")
    dlg.reason_edit.setText("Priya in a board meeting")
    dlg.accept()
    assert dlg.isVisible() and "passphrase" in dlg.authority.error.text()  # not without it
    dlg.authority.passphrase_edit.setText(PASSPHRASE)
    dlg.accept()
    wait_idle(qtbot, window)
    comms = window.roster.chains.topLevelItem(0)
    assert comms.text(1).startswith("Omar Haddad (delegated until")
    assert "Omar Haddad" in window.review.owner_label.text()


def test_availability_editor_adds_a_window(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    model = window.roster.model
    row = model.find(lambda s: s.contact.name == "Lena Fischer")
    window.roster.table.selectRow(row)
    qtbot.mouseClick(window.roster.availability_button, LEFT)
    dlg = window.roster.availability_dialog
    assert dlg.contact_combo.currentText() == "Lena Fischer"
    dlg.status_combo.setCurrentIndex(dlg.status_combo.findData(AvailabilityStatus.VACATION))
    dlg.from_edit.setDateTime(dlg.from_edit.dateTime().addSecs(-3600))
    dlg.authority.passphrase_edit.setText(PASSPHRASE)
    dlg.accept()
    wait_idle(qtbot, window)
    row = model.find(lambda s: s.contact.name == "Lena Fischer")
    status = model.data(model.index(row, 0), RowRole)
    assert status.availability.status is AvailabilityStatus.VACATION
    assert model.data(model.index(row, 2)) == "NO"


def test_a_hand_over_with_nobody_typing_reaches_the_open_incidents_timeline(  # type: ignore[no-untyped-def]
    qtbot, window, clock,
):
    sign_in(qtbot, window, "Alex Moreau")
    inc = window.session.incident
    assert inc is not None and inc.status.value != "closed"
    before = window.session.services.incidents.timeline(inc.id).total
    clock.advance(timedelta(hours=2, minutes=1))  # Priya at the dentist: Omar owns comms
    window.roster.tick()
    wait_idle(qtbot, window)
    page = window.session.services.incidents.timeline(inc.id)
    assert page.total > before
    handovers = [e.text for e in page.entries if e.kind.value == "ownership_change"]
    assert any("Priya Raman -> Omar Haddad" in t for t in handovers)
    qtbot.waitUntil(lambda: any("Omar Haddad" in window.timeline.model.entry(r).text
                                for r in range(window.timeline.model.rowCount())))
