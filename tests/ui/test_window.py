"""The window itself: layout persistence, palettes, banners, keyboard, accessibility."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from commandcenter.domain.incidents import Severity
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.palette import apply_scheme
from tests.ui.conftest import sign_in, wait_idle

INTERACTIVE = (QAbstractButton, QLineEdit, QPlainTextEdit, QComboBox, QAbstractItemView,
               QDateTimeEdit)


def test_layout_is_saved_and_restored(qtbot, company, qsettings_in_tmp):  # type: ignore[no-untyped-def]
    first = MainWindow(company)
    qtbot.addWidget(first)
    first.show()
    for key in first.docks:
        if key != "review":
            first.docks[key].hide()  # small enough for the offscreen 800x600 screen
    first.removeDockWidget(first.docks["review"])
    first.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, first.docks["review"])
    first.docks["review"].show()
    first.resize(760, 560)
    size = first.size()
    first.close()
    assert list(qsettings_in_tmp.rglob("*.ini"))
    assert QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "CommandCenter",
                     "commandcenter").value("window/state") is not None

    second = MainWindow(company)
    qtbot.addWidget(second)
    second.show()
    assert second.size() == size
    assert not second.docks["roster"].isVisible()
    assert second.docks["review"].isVisible()
    assert second.dockWidgetArea(second.docks["review"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    second.reset_layout()
    assert second.docks["roster"].isVisible()
    second.close()


def test_light_and_dark_palettes(qapp):  # type: ignore[no-untyped-def]
    apply_scheme(qapp, Qt.ColorScheme.Dark)
    dark = qapp.palette().color(QPalette.ColorRole.Window).lightness()
    apply_scheme(qapp, Qt.ColorScheme.Light)
    light = qapp.palette().color(QPalette.ColorRole.Window).lightness()
    assert dark < 80 < 200 < light


def test_status_bar_shows_operator_incident_clock_mode_and_database(qtbot, window, clock):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    s = window.status
    assert s.operator.text() == "Alex Moreau (commander)"
    assert s.incident.text().startswith(f"#{window.session.incident.id} SEV1")
    assert s.clock.text() == "T+00:52"
    clock.advance(timedelta(hours=2, minutes=3))
    window._tick()
    assert s.clock.text() == "T+02:55"
    assert s.mode.text() == "LIVE" and not window.drill_banner.isVisible()
    assert "cc.sqlite" in s.database.text()


def test_drill_is_unmistakable(qtbot, window, company):  # type: ignore[no-untyped-def]
    drill = company.incidents.open("Tabletop: score halving", Severity.SEV2, "Alex Moreau",
                                   drill=True)
    window.refresh()
    wait_idle(qtbot, window)
    window.incidents.select_incident(drill.id)
    wait_idle(qtbot, window)
    assert window.session.incident.drill
    assert window.drill_banner.isVisible() and "DRILL" in window.drill_banner.text()
    assert window.status.mode.text() == "DRILL"
    assert "[DRILL]" in window.windowTitle()


def test_a_reread_on_the_way_keeps_the_incident_just_chosen(qtbot, window, company):  # type: ignore[no-untyped-def]
    """A live re-read of the list, already queued when the user picks another incident,
    must not bring the previous incident back."""
    other = company.incidents.open("Second incident", Severity.SEV2, "Alex Moreau")
    window.refresh()
    wait_idle(qtbot, window)
    assert window.session.incident.id != other.id
    window.incidents.reload()  # the watcher's re-read, queued before the click
    window.incidents.select_incident(other.id)
    wait_idle(qtbot, window)
    assert window.session.incident.id == other.id
    assert window.incidents.wanted_incident() == other.id


def test_keyboard_alone_signs_in_and_writes_a_note(qtbot, window):  # type: ignore[no-untyped-def]
    dlg = window.open_sign_in()
    wait_idle(qtbot, window)
    dlg.operator_list.setFocus()
    while dlg.operator_list.currentItem().text().split(" — ")[0] != "Alex Moreau":
        qtbot.keyClick(dlg.operator_list, Qt.Key.Key_Down)
    qtbot.keyClick(dlg.operator_list, Qt.Key.Key_Return)  # Enter on an operator: passphrase
    qtbot.keyClicks(dlg.passphrase_edit, "demo-passphrase")
    qtbot.keyClick(dlg.passphrase_edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert window.session.operator.name == "Alex Moreau"
    window.actions_by_name["write"].trigger()
    editor = window.timeline.entry_edit
    qtbot.keyClicks(editor, "Typed without a mouse")
    qtbot.keyClick(editor, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    texts = [window.timeline.model.entry(r).text
             for r in range(window.timeline.model.rowCount())]
    assert "Typed without a mouse" in texts


def test_every_command_has_a_shortcut_and_standard_keys_are_used(window):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QKeySequence

    a = window.actions_by_name
    assert a["save"].shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Save)
    assert a["new"].shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.New)
    assert a["quit"].shortcuts()  # Ctrl+Q where the platform has no binding
    for key in ("switch", "refresh", "submit", "approve", "reject", "publish", "correct",
                "hand_over", "write", "find"):
        assert a[key].shortcuts(), key


def test_every_interactive_control_has_an_accessible_name(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    missing = []
    widgets: list[QWidget] = window.findChildren(QWidget)
    for w in widgets:
        if not isinstance(w, INTERACTIVE) or w.objectName().startswith("qt_"):
            continue
        if _inside_a_control(w):
            continue  # a combo's popup, a line edit's clear button: Qt names those
        name = w.accessibleName() or (w.text() if isinstance(w, QAbstractButton) else "")
        if not name.replace("&", "").strip():
            missing.append(f"{type(w).__name__} {w.objectName()!r} in {type(w.parent()).__name__}")
    assert not missing, missing


def _inside_a_control(w: QWidget) -> bool:
    parent = w.parentWidget()
    while parent is not None:
        if isinstance(parent, (QComboBox, QLineEdit, QDateTimeEdit, QAbstractItemView)):
            return True
        parent = parent.parentWidget()
    return False


def test_thousands_of_paints_do_not_crash(qtbot, window):  # type: ignore[no-untyped-def]
    """A PySide6 build that leaks a reference per call aborts after a few thousand paints."""
    window.resize(900, 600)
    for _ in range(3000):
        window.timeline.table.viewport().repaint()
        window.status.clock.repaint()
    window.repaint()
    QApplication.processEvents()
    assert window.isVisible()  # reaching here is the test: a bad wheel aborts the process


def test_a_stray_tab_bar_is_hidden_and_each_group_keeps_its_own(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    # Qt 6.11 gives the second group of tabbed docks a second, unused tab bar, drawn
    # where the group was first placed (over the review queue in `make run`'s window).
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTabBar

    def shown() -> list[QTabBar]:
        return [b for b in window.findChildren(QTabBar, options=Qt.FindChildOption
                                               .FindDirectChildrenOnly) if b.isVisibleTo(window)]

    own = shown()
    groups = sorted(tuple(b.tabText(i).split(" (")[0] for i in range(b.count())) for b in own)
    assert groups == [("Composer", "Commitments", "Change calendar"), ("Score health", "Listening")]
    stray = QTabBar(window)  # what Qt leaves: the group's tabs, away from its docks
    for title in ("Score health", "Listening"):
        stray.addTab(title)
    stray.setGeometry(0, window.height() - 100, 600, 26)
    stray.show()
    window.hide_stray_tab_bars()
    assert shown() == own  # the stray one hidden, each group's own bar kept
    titles = {d.windowTitle(): d for d in window.docks.values()}
    for bar in own:
        dock = titles[bar.tabText(bar.currentIndex())]
        assert (dock.x(), dock.width()) == (bar.x(), bar.width())
    window.reset_layout()  # View > Reset layout: the check runs again, the groups keep theirs
    qtbot.wait(50)
    assert len(shown()) == 2
