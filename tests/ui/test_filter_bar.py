"""The filter bar shared by the table panels, and the panels' filter fields as they were."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QTableView, QWidget

from commandcenter.app import Services
from commandcenter.ui.main_window import MainWindow

WAIT_MS = 120_000  # a hang guard, not a speed limit


def test_every_change_filters_once_and_find_goes_to_the_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.ui.widgets.filter_bar import FilterBar, text_filter

    owner = QWidget()
    qtbot.addWidget(owner)
    text = text_filter("Filter things", "Show things containing this (Ctrl+F)")
    assert (text.accessibleName(), text.toolTip(), text.placeholderText()) == (
        "Filter things", "Show things containing this (Ctrl+F)", "Filter…")
    assert text.isClearButtonEnabled()
    combo, box, table = QComboBox(), QCheckBox("Mine only"), QTableView()
    combo.addItems(("all", "open"))
    calls: list[str] = []
    bar = FilterBar(owner, text, combo, box, changed=lambda: calls.append("x"))
    assert calls == []  # the filled combo did not filter
    assert [bar.layout.itemAt(i).widget() for i in range(bar.layout.count())] == [
        text, combo, box]
    assert [bar.layout.stretch(i) for i in range(3)] == [1, 0, 0]
    text.setText("a")
    combo.setCurrentIndex(1)
    box.setChecked(True)
    assert calls == ["x", "x", "x"]
    owner.setLayout(bar.layout)
    bar.layout.addWidget(table)
    bar.route_find(table, combo)
    owner.show()
    qtbot.waitExposed(owner)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=WAIT_MS)
    qtbot.keyClick(table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(text.hasFocus, timeout=WAIT_MS)
    assert text.selectedText() == "a"  # selected, to type over
    assert bar.find_key.parent() is owner


def test_the_panels_filter_fields_keep_their_names_tips_and_wiring(
        qtbot, window: MainWindow, company: Services) -> None:  # type: ignore[no-untyped-def]
    c, ch, li = window.commitments_panel, window.changes_panel, window.listening
    now = company.ctx.clock.now()
    inc = next(i.id for i in company.incidents.list() if i.resolved_at is None)
    company.commitments.add(inc, "an update", now + timedelta(hours=1), "Tom Becker")
    company.changes.add("v2", now + timedelta(days=2), "Alex Moreau")

    def field(edit: QLineEdit) -> tuple[str, str, str, bool]:
        return (edit.accessibleName(), edit.toolTip(), edit.placeholderText(),
                edit.isClearButtonEnabled())

    assert field(c.filter_edit) == (
        "Filter commitments",
        "Show commitments whose promise, owner or incident contains this text (Ctrl+F)",
        "Filter…", True)
    assert field(ch.filter_edit) == (
        "Filter changes", "Show changes whose title or effect contains this (Ctrl+F)",
        "Filter…", True)
    assert field(li.search) == ("Search mentions",
                                "Only mentions whose text or author contains this",
                                "Search text or author…", True)
    assert (c.state_combo.accessibleName(), c.scope_box.accessibleName(),
            c.scope_box.text(), ch.kind_combo.accessibleName()) == (
        "Commitment state filter", "Only the selected incident", "This &incident only",
        "Change filter")
    # Typing filters the commitments and changes at once; the listening search waits
    # for Enter (it is a query): nothing is read as it is typed.
    for panel in (c, ch):
        panel.reload()
        qtbot.waitUntil(lambda p=panel: p.model.rowCount() >= 1, timeout=WAIT_MS)
        before = panel.model.rowCount()
        panel.filter_edit.setText("no such row anywhere")
        assert panel.model.rowCount() == 0
        panel.filter_edit.clear()
        assert panel.model.rowCount() == before
    plain = QLineEdit()  # what Qt itself connects to a field with a clear button
    plain.setClearButtonEnabled(True)
    for signal, added in (("2textChanged(QString)", 0), ("2returnPressed()", 1)):
        assert li.search.receivers(signal) == plain.receivers(signal) + added
