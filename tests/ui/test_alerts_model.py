"""The alerts table model: a window of rows, updated in place, firing first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from commandcenter.services.health_views import AlertView
from commandcenter.ui.models.alerts import AlertIdRole, AlertsTableModel

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def alert(i: int, state: str = "resolved") -> AlertView:
    return AlertView(i, "score_mean", "anomaly", "critical", state, T0 + timedelta(minutes=i),
                     None, 0.9, None, None, None, f"evidence {i}", 1)


def test_model_is_a_well_behaved_table(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = AlertsTableModel()
    model.set_alerts([alert(i, "firing" if i % 3 == 0 else "resolved") for i in range(30)])
    qtmodeltester.check(model)
    assert model.text(0, 0) == "firing" and model.data(model.index(0, 0), AlertIdRole) == 27


def test_ten_thousand_alerts_cost_only_the_rows_drawn(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.ui.models import alerts as module
    from commandcenter.ui.widgets.alerts_panel import AlertsPanel

    made = []
    real = module._texts
    monkeypatch.setattr(module, "_texts", lambda a: made.append(a.id) or real(a))

    from tests.benchmarks.bench_memory import SignedOut

    panel = AlertsPanel(SignedOut())  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.resize(700, 300)
    panel.show()
    many = [alert(i) for i in range(10_000)]
    panel.set_alerts(many)
    qtbot.waitExposed(panel)
    panel.grab()
    assert panel.model.rowCount() == 10_000
    assert 0 < len(made) < 100  # the visible rows, never all 10,000
    panel.select_alert(5)
    made.clear()
    changed = list(many)
    changed[9994] = replace(many[9994], acknowledged_by="Alex Moreau")
    panel.set_alerts(changed)  # same alerts, same order: one row updated in place
    assert made == [9994] or made == []
    assert panel.current().id == 5
    assert panel.model.text(panel.model.row_of(9994), 5) == "ack Alex Moreau"
