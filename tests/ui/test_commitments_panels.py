"""The commitments and change-calendar docks, and the change lines on the score charts."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from PySide6.QtCore import Qt

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.widgets.changes_panel import ChangesModel
from commandcenter.ui.widgets.commitments_panel import CommitmentsModel
from tests.ui.conftest import sign_in, wait_idle

WAIT_MS = 120_000  # a hang guard, not a speed limit


def current_incident(company: Services) -> int:
    return next(i.id for i in company.incidents.list() if i.resolved_at is None)


def test_a_promise_in_a_submitted_message_is_offered_and_confirmed(
        qtbot, window: MainWindow, company: Services, clock: SimulatedClock) -> None:  # type: ignore[no-untyped-def]
    panel = window.commitments_panel
    sign_in(qtbot, window, "Priya Raman")
    window.session.select_incident(current_incident(company))
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.offer_list.count() == 1, timeout=WAIT_MS)
    assert "by 10:30 UTC" in panel.offer_list.item(0).text()
    assert company.commitments.list() == []  # offered, not applied
    assert "to confirm" in window.docks["commitments"].windowTitle()
    panel.offer_list.setFocus()
    qtbot.keyClick(panel.offer_list, Qt.Key.Key_Return)  # confirm from the keyboard
    wait_idle(qtbot, window)
    (c,) = company.commitments.list()
    assert c.due_at == clock.now().replace(hour=10, minute=30) and c.message_id is not None
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and panel.offer_list.count() == 0,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "commitments 1: 1 open" in window.incidents.summary.text(),
                    timeout=WAIT_MS)  # part of the incident's response figures

    # Due passes on the simulated clock: the panel's tick breaks it, with an alert.
    clock.advance(timedelta(hours=2, minutes=1))
    panel.tick()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1
                    and panel.model.index(0, 1).data() == "broken", timeout=WAIT_MS)
    assert any(a.detector == "commitment" for a in company.health.alerts(firing_only=True))
    panel.state_combo.setCurrentText("overdue")
    assert panel.model.rowCount() == 1
    panel.filter_edit.setText("no such promise")
    assert panel.model.rowCount() == 0
    panel.filter_edit.clear()
    panel.state_combo.setCurrentText("all")
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)  # Enter keeps it
    wait_idle(qtbot, window)
    assert company.commitments.list()[0].state.value == "kept"


def test_the_calendar_warns_refuses_and_records_an_override(
        qtbot, window: MainWindow, company: Services, clock: SimulatedClock) -> None:  # type: ignore[no-untyped-def]
    panel = window.changes_panel
    company.changes.add("Network weighting v2", clock.now() + timedelta(days=3), "Alex Moreau")
    sign_in(qtbot, window, "Alex Moreau")
    panel.reload()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)
    assert not panel.warning.isHidden() and "no advance notice" in panel.warning.text()
    assert "⚠ 1" in window.docks["changes"].windowTitle()
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    dlg = panel.release_selected()
    assert dlg is not None  # unannounced: the release asks for an override reason
    dlg.setTextValue("the old model leaks data")
    dlg.accept()
    wait_idle(qtbot, window)
    (c,) = company.changes.list()
    assert c.released_by == "Alex Moreau" and c.override_reason == "the old model leaks data"
    assert panel.warning.isHidden()
    panel.kind_combo.setCurrentText("warnings")
    assert panel.model.rowCount() == 0


def test_every_score_chart_draws_every_change_as_a_labelled_line(
        qtbot, window: MainWindow, company: Services, clock: SimulatedClock) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    t = now.timestamp() - 60.0 * np.arange(30, 0, -1)
    company.health.ingest_arrays({"score_mean": (t, np.full(30, 50.0)),
                                  "psi": (t, np.full(30, 0.04))}, source="test", evaluate=False)
    effective = now - timedelta(minutes=10)
    change = company.changes.add("Decay tuning", effective, "Alex Moreau", notice_days=0)
    window.health.reload()
    qtbot.waitUntil(lambda: {"score_mean", "psi"} <= set(window.health.charts)
                    and not window.health.charts_pending(), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    for chart in window.health.charts.values():
        (line,) = [ln for ln in chart.change_lines if ln.isVisible()]
        assert line.value() == effective.timestamp()
        assert f"#{change.id} Decay tuning" in line.label.format
        assert "NOT ANNOUNCED" in line.label.format


def test_the_models_are_well_behaved(qtmodeltester, company: Services) -> None:  # type: ignore[no-untyped-def]
    inc = current_incident(company)
    now = company.ctx.clock.now()
    company.commitments.add(inc, "an update", now + timedelta(hours=1), "Tom Becker")
    company.changes.add("v2", now + timedelta(days=2), "Alex Moreau")
    commitments, changes = CommitmentsModel(), ChangesModel()
    commitments.now = now
    commitments.set_rows(company.commitments.list())
    changes.set_rows(company.changes.list())
    qtmodeltester.check(commitments)
    qtmodeltester.check(changes)


def test_find_goes_to_the_filter_of_the_panel_in_focus(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    for dock, panel in ((window.docks["commitments"], window.commitments_panel),
                        (window.docks["changes"], window.changes_panel)):
        window.focus_panel(dock, panel.table)
        qtbot.waitUntil(panel.table.hasFocus, timeout=WAIT_MS)
        qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(panel.filter_edit.hasFocus, timeout=5000)
