"""The listening panel: ranked mentions with reasons, keyboard triage, reply to the composer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from commandcenter.app import Services
from commandcenter.domain.messages import Channel, MessageState
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.models.mentions import MentionsTableModel
from tests.ui.conftest import sign_in, wait_idle

HEADER = "channel,author,reach,text,at,link,profile_id\n"


def import_mentions(svc: Services, tmp_path: Path) -> int:
    inc = next(i for i in svc.incidents.list() if i.resolved_at is None)
    now = svc.ctx.clock.now()
    lines = [f"x,@loud,250000,WTF why did my score drop? Unacceptable!,"
             f"{(now - timedelta(minutes=5)).isoformat()},,"]
    lines += [f"x,@user{i},{100 + i},unfair change {i},"
              f"{(now - timedelta(minutes=10 + i)).isoformat()},," for i in range(5)]
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    svc.mentions.import_file(inc.id, path, "Tom Becker")
    return inc.id


def show(qtbot, window: MainWindow, incident: int) -> None:  # type: ignore[no-untyped-def]
    window.session.select_incident(incident)
    wait_idle(qtbot, window)
    window.docks["listening"].show()
    window.docks["listening"].raise_()
    wait_idle(qtbot, window)


def test_the_model_passes_the_model_tester(qtmodeltester, company: Services,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    inc = import_mentions(company, tmp_path)
    model = MentionsTableModel()
    model.set_rows(company.mentions.list(inc))
    qtmodeltester.check(model)
    assert model.index(0, 3).data() == "@loud"
    assert "asks about own score (+10)" in model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_ranked_list_reasons_and_keyboard_bulk_triage(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                      company: Services, tmp_path: Path) -> None:
    inc = import_mentions(company, tmp_path)
    sign_in(qtbot, window, "Tom Becker")
    show(qtbot, window, inc)
    panel = window.listening
    assert panel.model.rowCount() == 6
    assert panel.model.row_object(0).author == "@loud"
    assert "reach 250k (+36)" in panel.detail.toPlainText()
    assert panel.counts_label.text() == "6 open · 0 answered · 0 set aside"
    assert panel.voices.count() == 6 and panel.voices.item(0).text().startswith("@loud")
    # select rows 2 and 3 from the keyboard and set them aside
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.model.index(1, 0))
    qtbot.keyClick(panel.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(panel.selected()) == 2
    qtbot.keyClick(panel.table, Qt.Key.Key_S)
    assert panel.dialog is not None and panel.dialog.isVisible()
    panel.dialog.setTextValue("off topic")
    panel.dialog.accept()
    wait_idle(qtbot, window)
    assert panel.counts_label.text() == "4 open · 0 answered · 2 set aside"
    assert panel.model.rowCount() == 4  # the open filter hides them
    # all the rest to one person
    panel.table.setFocus()
    panel.table.selectAll()
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    wait_idle(qtbot, window)
    assert panel.dialog is not None and panel.dialog.isVisible()
    panel.dialog.setTextValue("Omar Haddad")
    panel.dialog.accept()
    wait_idle(qtbot, window)
    assert {m.assigned_to for m in company.mentions.list(inc, "assigned")} == {"Omar Haddad"}
    assert company.mentions.counts(inc)["assigned"] == 4


def test_reply_opens_a_linked_direct_reply_in_the_composer(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                                           company: Services,
                                                           tmp_path: Path) -> None:
    inc = import_mentions(company, tmp_path)
    sign_in(qtbot, window, "Tom Becker")
    show(qtbot, window, inc)
    panel = window.listening
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    qtbot.keyClick(panel.table, Qt.Key.Key_R)
    wait_idle(qtbot, window)
    composer = window.composer
    assert composer.message is not None
    assert composer.message.channel is Channel.DIRECT_REPLY
    assert composer.message.state is MessageState.DRAFT
    assert composer.body_edit.toPlainText().startswith("@loud thanks for telling us")
    loud = company.mentions.list(inc)[0]
    assert loud.reply_message_id == composer.message.id
    assert loud.state.value == "assigned"


def test_an_observer_cannot_triage(qtbot, window: MainWindow, company: Services,  # type: ignore[no-untyped-def]
                                   tmp_path: Path) -> None:
    inc = import_mentions(company, tmp_path)
    sign_in(qtbot, window, "Ravi Kapoor")
    show(qtbot, window, inc)
    panel = window.listening
    panel.table.selectRow(0)
    assert not panel.assign_button.isEnabled()
    assert not panel.aside_button.isEnabled()
    assert not panel.reply_button.isEnabled()
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_S)
    assert panel.dialog is None
