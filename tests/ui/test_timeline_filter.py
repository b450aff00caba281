"""The timeline filter: debounced, from three characters, and counts that stop early."""

from __future__ import annotations

import pytest

from commandcenter.services import incidents as incidents_service
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.widgets import timeline_panel
from tests.ui.conftest import wait_idle


def test_filter_waits_for_a_pause_and_three_characters(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.timeline
    model = panel.model
    qtbot.waitUntil(lambda: model.rowCount() > 5, timeout=10_000)
    assert timeline_panel.FILTER_DELAY_MS == 200
    panel.filter_edit.setFocus()
    qtbot.keyClicks(panel.filter_edit, "ba")
    assert panel.filter_hint.isVisible()  # the hint at once
    assert panel.filter_hint.text() == "type 3 or more characters to filter"
    qtbot.wait(timeline_panel.FILTER_DELAY_MS + 100)
    wait_idle(qtbot, window)
    assert model.query.text == ""  # two characters: no text query
    qtbot.keyClicks(panel.filter_edit, "t")
    assert not panel.filter_hint.isVisible()
    assert model.query.text == ""  # not yet: debounced
    qtbot.waitUntil(lambda: model.query.text == "bat", timeout=2_000)
    wait_idle(qtbot, window)
    assert model.rowCount() >= 1
    assert all("bat" in (model.entry(r).text + model.entry(r).actor).lower()
               for r in range(model.rowCount()))
    panel.filter_edit.clear()
    qtbot.waitUntil(lambda: model.query.text == "" and not panel.filter_hint.isVisible(),
                    timeout=2_000)


def test_a_capped_count_reads_more_than(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    panel = window.timeline
    model = panel.model
    qtbot.waitUntil(lambda: model.rowCount() > 5, timeout=10_000)
    incident = window.session.incident
    assert incident is not None
    window.live.stop()  # no re-read from the live watcher while the pages are counted
    for i in range(8):
        window.services.incidents.add_entry(incident.id, f"zebra crossing {i}", "Alex Moreau")
    monkeypatch.setattr(incidents_service, "COUNT_CAP", 3)
    monkeypatch.setattr(model, "page_size", 4)
    seen: list[str] = []  # the label as each page lands (the view fetches on by itself)
    model.sig_loaded.connect(lambda _t: seen.append(panel.count_label.text()))
    model.rowsInserted.connect(lambda *_: seen.append(panel.count_label.text()))
    panel.filter_edit.setText("zebra")
    qtbot.waitUntil(lambda: model.query.text == "zebra", timeout=2_000)
    wait_idle(qtbot, window)
    while model.canFetchMore():
        model.fetchMore()
        wait_idle(qtbot, window)
    assert seen[0] == "4 of more than 4 shown"  # 4 read, at least one more to come
    assert model.rowCount() == 8 and model.total_exact and model.total == 8
    assert panel.count_label.text() == "8 of 8 shown"
