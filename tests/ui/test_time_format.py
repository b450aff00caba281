"""One date format across the window: short and local on screen, the full time on hover.

Every test here runs with the process zone set to Europe/Paris (restored after), so a
panel that shows a UTC time, or formats a date its own way, fails.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from commandcenter.app import Services
from commandcenter.domain.incidents import Severity
from commandcenter.domain.paging import review_page
from commandcenter.domain.timeline import EntryKind, TimelineEntry
from commandcenter.services.health_views import AlertView
from commandcenter.services.incidents import TimelinePage
from commandcenter.ui.banners import ErrorBar
from commandcenter.ui.charts.series_chart import SeriesChart
from commandcenter.ui.dialogs.when import date_time_edit, from_qt
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.models.alerts import AlertsTableModel
from commandcenter.ui.models.contacts import ContactsModel
from commandcenter.ui.models.incidents import IncidentListModel
from commandcenter.ui.models.timeline import TEXT, TIME, TimelineTableModel
from commandcenter.ui.pager import PageBar
from commandcenter.ui.tasks import TaskManager
from commandcenter.ui.timefmt import full_text, local_text, localise, unbroken_text
from commandcenter.ui.wall import WallState, WallWindow
from commandcenter.ui.widgets.changes_panel import ChangesModel
from commandcenter.ui.widgets.commitments_panel import CommitmentsModel

AT = datetime(2026, 12, 2, 13, 5, 3, tzinfo=UTC)  # a Wednesday; 14:05:03 in Paris (CET)
SHORT = "02 Dec 14:05"
FULL = "Wed 02 Dec 2026 14:05:03 CET (2026-12-02 13:05:03 UTC)"
NB = "\u00a0"  # wrapped labels keep a date on one line
DISPLAY, TIP = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole


@pytest.fixture(autouse=True)
def paris() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def nb(text: str) -> str:
    return text.replace(" ", NB)


def cell(model, row: int, column: int, role: int = DISPLAY):  # type: ignore[no-untyped-def]
    return model.data(model.index(row, column), role)


def test_short_and_full_forms_in_the_viewers_zone() -> None:
    assert local_text(AT) == SHORT
    assert full_text(AT) == FULL
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert local_text(summer) == "01 Jul 12:00"
    assert full_text(summer) == "Wed 01 Jul 2026 12:00:00 CEST (2026-07-01 10:00:00 UTC)"
    assert full_text(AT, "America/New_York") == \
        "Wed 02 Dec 2026 08:05:03 EST (2026-12-02 13:05:03 UTC)"
    assert local_text(None) == "-" and full_text(None) == "-"
    # The last instant storage allows is still in year 9999 UTC, not in Paris: UTC, no crash.
    end = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    assert local_text(end) == "31 Dec 23:30"
    assert full_text(end) == "Fri 31 Dec 9999 23:30:00 UTC (9999-12-31 23:30:00 UTC)"


def test_localise_rewrites_only_times_marked_utc() -> None:
    assert localise("fell 50% at 2026-12-02 13:05:03 UTC: x") == f"fell 50% at {SHORT}: x"
    assert localise("due 2026-12-02 13:05 UTC unkept") == f"due {SHORT} unkept"
    assert localise("2026-12-02T13:05:03.250000+00:00 and 2026-12-02T13:05Z") == \
        f"{SHORT} and {SHORT}"
    # Not UTC-marked, not a real date, or no date at all: left exactly as written
    # (a public message saying "by 18:00 UTC" is the text that was approved).
    for text in ("at 2026-12-02 13:05 local", "2026-13-45 10:00 UTC", "next update by 18:00 UTC",
                 "2026-12-02 13:05+01:00"):
        assert localise(text) == text
    assert localise("since 2026-12-02 13:05 UTC", unbroken_text) == f"since {nb(SHORT)}"


def test_every_table_model_shows_the_short_form_and_the_full_one_on_hover(qtbot) -> None:  # type: ignore[no-untyped-def]
    alerts = AlertsTableModel()
    alerts.set_alerts([AlertView(1, "score_mean", "anomaly", "critical", "firing", AT, None,
                                 0.9, None, None, None, "score_mean fell at "
                                 "2026-12-02 13:05:03 UTC", 1)])
    since = alerts.COLUMNS.index("Since")
    assert (cell(alerts, 0, since), cell(alerts, 0, since, TIP)) == (SHORT, FULL)

    incidents = IncidentListModel()
    incidents.set_rows([SimpleNamespace(id=1, title="Scores halved", severity=Severity.SEV1,
                                        status=SimpleNamespace(value="declared"),
                                        detected_at=AT, drill=False, commander="Alex")])
    assert (cell(incidents, 0, 4), cell(incidents, 0, 4, TIP)) == (SHORT, FULL)

    contacts = ContactsModel()
    available = SimpleNamespace(status=SimpleNamespace(label="available"), reachable=True,
                                can_act=True, describe=lambda: "available")
    contacts.set_rows([SimpleNamespace(
        contact=SimpleNamespace(name="Priya", timezone="America/New_York", title="", email="",
                                phone="", handle=""),
        availability=available, next_change=AT, role=None)])
    contacts.set_now(AT)
    assert (cell(contacts, 0, 3), cell(contacts, 0, 3, TIP)) == (SHORT, FULL)
    assert cell(contacts, 0, 4) == "Wed 08:05 EST"  # her own clock, not the viewer's
    assert cell(contacts, 0, 4, TIP) == ("America/New_York: Wed 02 Dec 2026 08:05:03 EST "
                                         "(2026-12-02 13:05:03 UTC)")

    commitments = CommitmentsModel()
    commitments.set_rows([SimpleNamespace(
        id=1, state=SimpleNamespace(value="open"), kept_late=False, due_at=AT, owner="Alex",
        incident_id=1, incident_title="Scores", drill=False, text="Next update",
        message_id=None, kept_at=None, kept_by=None, kept_message_id=None,
        overdue_at=lambda now: False)])
    assert cell(commitments, 0, 2) == SHORT
    assert cell(commitments, 0, 2, TIP).startswith(f"Due {FULL};")

    changes = ChangesModel()
    changes.set_rows([SimpleNamespace(
        id=1, title="New scoring", effective_at=AT, notice_days=14, notice_days_left=0,
        announced=True, announced_at=AT - timedelta(days=14), released_at=None,
        status=SimpleNamespace(value="scheduled"), effect="", warning="", override_reason="",
        explanation_message_id=None)])
    assert cell(changes, 0, 2) == SHORT
    assert cell(changes, 0, 4) == "yes, 18 Nov 14:05"
    assert cell(changes, 0, 2, TIP).splitlines() == [
        f"Effective {FULL}", f"Announced {full_text(AT - timedelta(days=14))}"]


def test_the_timeline_shows_local_times_and_keeps_the_recorded_utc_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    entry = TimelineEntry(1, 1, 1, AT, AT + timedelta(seconds=7), EntryKind.ALERT, "detector",
                          "score_mean fell 50% at 2026-12-02 13:05:03 UTC")
    incidents = SimpleNamespace(timeline=lambda *a, **k: TimelinePage(
        () if k.get("kinds") else (entry,), 0 if k.get("kinds") else 1))
    tasks = TaskManager()
    model = TimelineTableModel(SimpleNamespace(incidents=incidents), tasks)
    model.set_incident(1)
    qtbot.waitUntil(tasks.idle)
    assert cell(model, 0, TIME) == SHORT
    assert cell(model, 0, TIME, TIP) == (f"{FULL}\nrecorded Wed 02 Dec 2026 14:05:10 CET "
                                         "(2026-12-02 13:05:10 UTC)")
    assert cell(model, 0, TEXT) == f"score_mean fell 50% at {SHORT}"
    assert cell(model, 0, TEXT, TIP) == entry.text  # the words as recorded
    tasks.shutdown()


def test_the_page_bar_reads_local_and_keeps_the_mailed_utc_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    text = review_page(message_id=7, channel="x", purpose="holding", author="Tom",
                       incident="#1 Scores", severity="SEV1", since=AT,
                       now=AT + timedelta(minutes=4), deadline=AT + timedelta(minutes=15),
                       excerpt="We are sorry.")
    bar = PageBar()
    qtbot.addWidget(bar)
    bar.show_page(SimpleNamespace(link="commandcenter://message/7", kind="review",
                                  subject=text.subject, body=text.body,
                                  created_at=AT + timedelta(minutes=1)))
    assert f"waits for your approval since {nb(SHORT)} (4 min)" in bar.label.text()
    assert f"paged {nb('02 Dec 14:06')}" in bar.label.text() and "UTC" not in bar.label.text()
    tip = bar.label.toolTip()
    assert tip.startswith("Paged Wed 02 Dec 2026 14:06:03 CET (2026-12-02 13:06:03 UTC)")
    assert text.body in tip  # what the email says, in UTC


def test_the_wall_shows_local_short_times_and_full_ones_on_hover(qtbot) -> None:  # type: ignore[no-untyped-def]
    now = AT + timedelta(minutes=52)
    services = SimpleNamespace(ctx=SimpleNamespace(clock=SimpleNamespace(now=lambda: now)))
    wall = WallWindow(services)
    qtbot.addWidget(wall)
    inc = SimpleNamespace(severity=Severity.SEV1, title="Scores halved", commander="Alex",
                          status=SimpleNamespace(value="declared"), detected_at=AT)
    published = SimpleNamespace(id=3, published_at=AT + timedelta(minutes=10),
                                channel=SimpleNamespace(value="x"), body="We are sorry.")
    promise = SimpleNamespace(text="Next update", due_at=AT + timedelta(hours=1),
                              overdue_at=lambda t: False)
    wall.show_state(WallState(now, inc, (), (), (published,), commitments=(promise,)))
    assert f"detected {nb(SHORT)}" in wall.status.text()
    assert wall.status.toolTip() == f"Detected {FULL}"
    assert f"{nb('02 Dec 14:15')} x" in wall.published.text()
    assert wall.published.toolTip() == f"#3 published {full_text(published.published_at)}"
    assert f"due {nb('02 Dec 15:05')}" in wall.commitments.text()
    assert wall.commitments.toolTip() == f"Next update: due {full_text(promise.due_at)}"
    assert wall.clock.text() == "T+00:52"
    wall.close()


def test_a_chart_date_axis_reads_local_time(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = SeriesChart("score_mean")
    qtbot.addWidget(chart)
    chart.resize(800, 240)
    hour = AT.replace(minute=0, second=0).timestamp()  # 13:00 UTC, 14:00 in Paris
    chart.set_data(np.arange(hour - 1800, hour + 1800, 60.0), np.ones(60))
    chart.set_x_range(hour - 1800, hour + 1800)
    chart.grab()  # painted: the axis has measured its labels
    axis = chart.plot_widget.getPlotItem().getAxis("bottom")
    levels = axis.tickValues(hour - 1800, hour + 1800, axis.width())
    spacing, ticks = next((sp, list(t)) for sp, t in levels if hour in t)
    labels = dict(zip(ticks, axis.tickStrings(ticks, 1.0, spacing), strict=True))
    assert labels[hour] == "14:00"


def test_the_listening_panel_reads_local_with_the_full_time_on_hover(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, company: Services, tmp_path: Path) -> None:
    from tests.ui.test_listening_panel import import_mentions, show

    inc = import_mentions(company, tmp_path)
    show(qtbot, window, inc)
    panel = window.listening
    m = panel.current()
    doc = panel.detail.document()
    shown = local_text(m.at)
    assert nb(shown) in doc.toRawText()  # kept on one line
    found = doc.find(shown)  # (find reads no-break spaces as spaces)
    assert not found.isNull(), panel.detail.toPlainText()
    cursor = QTextCursor(doc)
    cursor.setPosition(found.selectionStart() + 1)
    assert cursor.charFormat().toolTip() == full_text(m.at)
    assert " UTC" not in panel.detail.toPlainText()



def test_an_error_banner_names_local_times_and_keeps_the_service_words_on_hover(qtbot) -> None:  # type: ignore[no-untyped-def]
    bar = ErrorBar()
    qtbot.addWidget(bar)
    said = "Commitment #3 is overdue (due 2026-12-02 13:05 UTC)"
    bar.show_message(said)
    assert bar.text() == f"Commitment #3 is overdue (due {nb(SHORT)})"
    assert bar.label.toolTip() == said
    bar.show_message("Saved.")
    assert bar.label.toolTip() == ""


def test_the_status_bar_names_local_times(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.session.sig_error.emit("Commitment #3 is overdue (due 2026-12-02 13:05 UTC)")
    assert window.statusBar().currentMessage() == f"Commitment #3 is overdue (due {SHORT})"
    assert window.error_bar.label.toolTip().endswith("13:05 UTC)")
    window.session.sig_info.emit("Snapshot taken at 2026-12-02T13:05:03+00:00")
    assert window.statusBar().currentMessage() == f"Snapshot taken at {SHORT}"


def test_a_date_editor_reads_local_like_the_panels_with_the_full_time_on_hover(qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = date_time_edit(AT, "Due")
    qtbot.addWidget(edit)
    assert edit.text() == "02 Dec 2026 14:05"
    assert edit.toolTip() == f"Due, in your local time zone: {FULL}"
    edit.setDateTime(edit.dateTime().addSecs(3600))
    assert from_qt(edit.dateTime()) == AT + timedelta(hours=1)  # stored as UTC
    assert edit.toolTip() == f"Due, in your local time zone: {full_text(AT + timedelta(hours=1))}"
