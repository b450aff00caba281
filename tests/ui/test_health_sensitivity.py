"""Score health dock: a commander calms one series; every alert shows what it saw."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QDialog

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.sensitivity import Sensitivity
from commandcenter.ui.dialogs.sensitivity import SensitivityDialog
from commandcenter.ui.main_window import MainWindow
from tests.ui.conftest import sign_in
from tests.ui.fixtures import PASSPHRASE

WAIT_MS = 120_000  # a hang guard, not a speed limit


def feed(company: Services, clock: SimulatedClock) -> None:
    now = clock.now().timestamp()
    n = 1500
    t = now - 60.0 * np.arange(n, 0, -1) + 60.0
    values = 40 + np.random.default_rng(3).normal(0, 0.2, n)
    values[1400:] *= 0.5
    report = company.health.ingest_arrays({"score_mean": (t, values),
                                           "batch_freshness": (t, np.full(n, 300.0))},
                                          source="feed")
    assert [a.series for a in report.alerts] == ["score_mean"]


def test_the_selected_alert_shows_its_explanation(qtbot, company, clock, window: MainWindow  # type: ignore[no-untyped-def]
                                                  ) -> None:
    feed(company, clock)
    panel = window.health
    panel.reload()
    qtbot.waitUntil(lambda: len(panel.alerts.alerts) == 1, timeout=WAIT_MS)
    panel.alerts.select_alert(panel.alerts.alerts[0].id)
    text = panel.alerts.evidence.text()
    assert text.startswith("score_mean fell 50% in one point")
    assert "larger than any move in the last" in text
    assert panel.alerts.evidence.accessibleName() == "Alert evidence"


def test_only_a_commander_may_change_sensitivity(qtbot, company, clock, window: MainWindow,  # type: ignore[no-untyped-def]
                                                 monkeypatch) -> None:
    feed(company, clock)
    panel = window.health
    button = panel.sensitivity_button
    assert not button.isEnabled() and "Sign in as a commander" in button.toolTip()
    sign_in(qtbot, window, "Priya Raman")  # a spokesperson
    assert not button.isEnabled() and "may not change alerting" in button.toolTip()
    sign_in(qtbot, window, "Maya Lindqvist")
    assert button.isEnabled()
    panel.reload()
    qtbot.waitUntil(lambda: {s.series for s in panel.meta.status} == {
        "score_mean", "batch_freshness"}, timeout=WAIT_MS)

    def choose(dialog: SensitivityDialog) -> int:
        dialog.series_combo.setCurrentText("batch_freshness")
        assert not dialog.ok.isEnabled()  # unchanged: nothing to set
        dialog.level_combo.setCurrentIndex(list(Sensitivity).index(Sensitivity.LOW))
        assert not dialog.ok.isEnabled()  # not signed yet
        dialog.passphrase_edit.setText(PASSPHRASE)
        assert dialog.ok.isEnabled() and "normal to low" in dialog.note.text()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SensitivityDialog, "exec", choose)
    button.click()
    qtbot.waitUntil(lambda: {s.series: s.sensitivity for s in panel.meta.status}.get(
        "batch_freshness") == "low", timeout=WAIT_MS)
    assert {s.series: s.sensitivity for s in company.health.status()} == {
        "batch_freshness": "low", "score_mean": "normal"}


def test_dialog_keeps_ok_off_until_something_changes(qtbot) -> None:  # type: ignore[no-untyped-def]
    class S:
        def __init__(self, series: str, sensitivity: str) -> None:
            self.series, self.sensitivity = series, sensitivity

    dialog = SensitivityDialog([S("psi", "off"), S("ks", "normal")], "psi")
    qtbot.addWidget(dialog)
    assert dialog.series() == "psi" and dialog.level() is Sensitivity.OFF
    assert not dialog.ok.isEnabled()
    dialog.accept()  # Return on an unchanged choice does not close
    assert dialog.result() != QDialog.DialogCode.Accepted
    dialog.level_combo.setCurrentIndex(2)
    dialog.passphrase_edit.setText("x")
    assert dialog.ok.isEnabled() and dialog.passphrase() == "x"
    for widget in (dialog.series_combo, dialog.level_combo, dialog.passphrase_edit, dialog.ok):
        assert widget.accessibleName()
