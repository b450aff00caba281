"""Done when: from "alert visible" to "holding statement published", counted.

The commander and the approver each sign in on their own window, on one database.
The approver's window is paged. Every click, key press and typed text counts as one
user action; choosing from a drop-down list counts two (open it, pick).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from commandcenter.app import Services, build
from commandcenter.domain.messages import Channel, MessageState, Purpose
from commandcenter.services.context import Passphrases
from commandcenter.ui.main_window import MainWindow
from tests.ui.conftest import sign_in, wait_idle
from tests.ui.fixtures import PASSPHRASE

LEFT = Qt.MouseButton.LeftButton
COMMANDER_TARGET, APPROVER_TARGET = 8, 3


class Actions:
    def __init__(self) -> None:
        self.count = 0

    def click(self, qtbot, widget, pos: QPoint | None = None) -> None:  # type: ignore[no-untyped-def]
        assert widget.isEnabled() and widget.isVisible(), widget.accessibleName()
        self.count += 1
        if pos is None:
            qtbot.mouseClick(widget, LEFT)
        else:
            qtbot.mouseClick(widget, LEFT, pos=pos)

    def choose(self, combo, data: object) -> None:  # type: ignore[no-untyped-def]
        """Open the list and pick an item: two actions."""
        assert combo.isEnabled() and combo.isVisible()
        self.count += 2
        index = combo.findData(data)
        assert index >= 0, data
        combo.setCurrentIndex(index)
        combo.activated.emit(index)

    def type(self, qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        widget.setFocus()
        qtbot.keyClicks(widget, text)

    def key(self, qtbot, widget, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        qtbot.keyClick(widget, key)


def _feed_an_alert(svc: Services) -> None:
    now = svc.ctx.clock.now().timestamp()
    rng = np.random.default_rng(5)
    n = 600
    t = now - 60.0 * np.arange(n, 0, -1) + 60.0
    values = 50 + np.sin(np.arange(n) / 10.0) + rng.normal(0, 0.1, n)
    values[450:] -= 25
    report = svc.health.ingest_arrays({"score_mean": (t, values)}, source="feed")
    assert len(report.alerts) == 1


def _window(qtbot, services: Services, who: str) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    w.start(sign_in=False)
    wait_idle(qtbot, w)
    sign_in(qtbot, w, who)
    return w


def test_from_a_firing_alert_to_a_published_holding_statement(  # type: ignore[no-untyped-def]
    qtbot, company, settings, clock,
):
    _feed_an_alert(company)
    approver_services = build(settings, clock=clock, passphrases=Passphrases.fast_for_tests())
    commander = _window(qtbot, company, "Alex Moreau")
    approver = _window(qtbot, approver_services, "Priya Raman")  # owns communications now
    try:
        alerts = commander.health.alerts
        qtbot.waitUntil(lambda: alerts.model.rowCount() >= 1, timeout=120_000)
        assert alerts.current() is None  # "alert visible", nothing chosen yet
        c = Actions()

        # Commander: the alert, the incident, the holding statement.
        table = alerts.table
        c.click(qtbot, table.viewport(), table.visualRect(alerts.model.index(0, 1)).center())
        assert alerts.current() is not None
        c.click(qtbot, alerts.open_button)
        wait_idle(qtbot, commander)
        dlg = alerts.from_alert_dialog
        assert dlg.title_edit.text().startswith("Average score moved since")
        assert dlg.declare_check.isChecked()
        c.click(qtbot, dlg.ok_button)
        wait_idle(qtbot, commander)
        inc = commander.session.incident
        assert inc is not None and inc.status.value == "declared"
        assert inc.title.startswith("Average score moved since")
        first = company.incidents.timeline(inc.id).entries[0]
        assert first.kind.value == "detection" and "Alert #" in first.text

        composer = commander.composer
        assert composer.channel is Channel.X and not composer.title_edit.isVisibleTo(composer)
        c.choose(composer.template_combo, "holding")
        assert "{" not in composer.body_edit.toPlainText()
        assert all("✔" in lbl.text() for lbl in composer.check_labels)
        c.click(qtbot, composer.submit_button)
        wait_idle(qtbot, commander)
        m = composer.message
        assert m.state is MessageState.IN_REVIEW and m.purpose is Purpose.HOLDING

        # The approver's window is paged (its timer does this every few seconds).
        approver.pager.poll()
        wait_idle(qtbot, approver)
        qtbot.waitUntil(lambda: any(p.message_id == m.id for p in approver.pager.shown),
                        timeout=120_000)
        bar = approver.pager.bar
        assert bar.isVisible() and f"Message {m.id}" in bar.label.text()
        assert f"commandcenter://review/{m.id}" in bar.label.text()
        assert commander.pager.shown == [] or all(
            p.recipient == "Alex Moreau" for p in commander.pager.shown)

        a = Actions()
        a.click(qtbot, bar.open_button)
        wait_idle(qtbot, approver)
        review = approver.review
        qtbot.waitUntil(lambda: review.passphrase_dialog is not None
                        and review.passphrase_dialog.isVisible(), timeout=120_000)
        approve = review.passphrase_dialog
        assert approve.text_view.toPlainText() == m.body
        assert m.content_hash in approve.hash_label.text() and "x" in approve.channel_label.text()
        assert approve.publish_check.isChecked()
        a.type(qtbot, approve.passphrase_edit, PASSPHRASE)  # approval still needs it
        a.key(qtbot, approve.passphrase_edit, Qt.Key.Key_Return)
        wait_idle(qtbot, approver)

        published = company.messages.get(m.id)
        assert published.state is MessageState.PUBLISHED
        assert published.approved_by == "Priya Raman" and published.title is None
        print(f"\nfirst hour: commander {c.count} actions, approver {a.count} actions")
        assert c.count <= COMMANDER_TARGET and a.count <= APPROVER_TARGET
    finally:
        for w in (approver, commander):
            wait_idle(qtbot, w)
            w.close()
        approver_services.close()
