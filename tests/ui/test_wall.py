"""The wall display: readable at 1920x1080, read-only, no sign-in."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit

from commandcenter.persistence.models import TimelineRow
from commandcenter.ui.units import format_value
from commandcenter.ui.wall import WallWindow
from tests.services.support import count
from tests.ui.conftest import IDLE_MS


def test_the_wall_shows_the_incident_owners_and_what_waits_and_changes_nothing(  # type: ignore[no-untyped-def]
    qtbot, company,
):
    before = count(company, TimelineRow)
    head = company.audit.signed_head()
    wall = WallWindow(company)
    qtbot.addWidget(wall)
    wall.resize(1920, 1080)
    wall.show()
    wall.start()
    qtbot.waitUntil(lambda: wall.state is not None and wall.tasks.idle(), timeout=IDLE_MS)
    assert "Scores halved overnight for 38% of profiles" in wall.title.text()
    assert "SEV1" in wall.title.text() and wall.clock.text().startswith("T+00:52")
    assert "communications</b>: Priya Raman" in wall.owners.text()
    assert "x acknowledgement" in wall.waiting.text()
    assert "Priya Raman" in wall.waiting.text()
    assert "None open" in wall.commitments.text()
    # Nothing to press or type into, and reading changed nothing.
    assert not wall.findChildren(QAbstractButton)
    assert not wall.findChildren(QLineEdit) and not wall.findChildren(QPlainTextEdit)
    wall.refresh()
    qtbot.waitUntil(wall.tasks.idle, timeout=IDLE_MS)
    assert count(company, TimelineRow) == before
    assert company.audit.signed_head().seq == head.seq
    # A promise made on the shown incident appears with its due time; a past-due one
    # reads as overdue, though the wall itself never marks it broken.
    shown = wall.state.incident
    now = company.ctx.clock.now()
    company.commitments.add(shown.id, "Next update within the hour", now + timedelta(hours=1),
                            "Alex Moreau")
    wall.refresh()
    qtbot.waitUntil(lambda: "Next update within the hour" in wall.commitments.text(),
                    timeout=IDLE_MS)
    assert "due " in wall.commitments.text()
    company.ctx.clock.advance(timedelta(hours=2))
    wall.refresh()
    qtbot.waitUntil(lambda: "overdue since" in wall.commitments.text(), timeout=IDLE_MS)
    assert wall.grab().size().width() == 1920
    wall.close()


def test_values_carry_units_and_sensible_precision() -> None:
    assert format_value(0.0416299, "", "drop_share_50") == "4.2 %"
    assert format_value(34.88151, "score", "score_mean") == "34.9 score"
    assert format_value(20000.0, "profiles", "profile_count") == "20,000 profiles"
    assert format_value(228.4, "s", "batch_freshness") == "228 s"
    assert format_value(None, "", "psi") == "–"


def test_the_view_menu_opens_the_wall_on_the_same_database(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.actions_by_name["wall"].trigger()
    wall = window.wall
    qtbot.waitUntil(lambda: wall.state is not None and wall.tasks.idle(), timeout=IDLE_MS)
    assert "Scores halved overnight" in wall.title.text()
    wall.close()
