"""Table models: pytest-qt's model tester, and the timeline's windowed fetching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from PySide6.QtCore import Qt

from commandcenter.domain.timeline import EntryKind, TimelineEntry
from commandcenter.services.incidents import TimelinePage
from commandcenter.ui.models.contacts import ContactsModel
from commandcenter.ui.models.incidents import IncidentListModel
from commandcenter.ui.models.timeline import TIME, TimelineQuery, TimelineTableModel
from commandcenter.ui.tasks import TaskManager

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class HugeTimeline:
    """150,000 entries generated on demand, filtered like the service would."""

    def __init__(self, n: int = 150_000) -> None:
        self.n = n
        self.calls: list[tuple[int, int | None]] = []

    def _entry(self, i: int) -> TimelineEntry:
        kind = EntryKind.DECISION if i % 100 == 0 else EntryKind.NOTE
        text = f"entry {i}" + (" needle" if i % 10 == 0 else "")
        return TimelineEntry(i + 1, 1, i + 1, T0 + timedelta(seconds=i), T0, kind, "bot", text,
                             pinned=kind is EntryKind.DECISION)

    def timeline(self, incident_id, *, offset=0, limit=None, text="", kinds=None,  # type: ignore[no-untyped-def]
                 pinned_first=False) -> TimelinePage:
        self.calls.append((offset, limit))
        ids = range(self.n)
        if text:
            ids = range(0, self.n, 10) if "needle" in text else range(0)
        if kinds and EntryKind.CORRECTION in kinds:
            ids = range(0)
        elif kinds:
            ids = [i for i in ids if self._entry(i).kind in kinds]
        stop = len(ids) if limit is None else min(len(ids), offset + limit)
        return TimelinePage(tuple(self._entry(ids[i]) for i in range(offset, stop)), len(ids))


def fake_services(incidents: HugeTimeline) -> SimpleNamespace:
    return SimpleNamespace(incidents=incidents)


def test_timeline_loads_a_window_and_fetches_more(qtbot):  # type: ignore[no-untyped-def]
    tasks = TaskManager()
    source = HugeTimeline()
    model = TimelineTableModel(fake_services(source), tasks, page_size=500)
    model.set_incident(1)
    qtbot.waitUntil(tasks.idle)
    assert model.total == 150_000
    assert model.rowCount() == 500
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(tasks.idle)
    assert model.rowCount() == 1000
    assert all(limit is not None and limit <= 10_000 for _offset, limit in source.calls)
    tip = model.data(model.index(0, TIME), Qt.ItemDataRole.ToolTipRole)
    assert "2026-03-02 08:00:00 UTC" in tip
    tasks.shutdown()


def test_windowed_timeline_passes_the_model_tester(qtbot, qtmodeltester):  # type: ignore[no-untyped-def]
    tasks = TaskManager()
    # The tester fetches everything it can while it watches, so keep this one small.
    model = TimelineTableModel(fake_services(HugeTimeline(1_200)), tasks, page_size=500)
    model.set_incident(1)
    qtbot.waitUntil(tasks.idle)
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(tasks.idle)
    ids = [model.entry(r).id for r in range(model.rowCount())]
    assert ids == list(range(1, len(ids) + 1))  # no page fetched twice, none skipped
    tasks.shutdown()


def test_timeline_filters_in_the_source_not_in_python(qtbot):  # type: ignore[no-untyped-def]
    tasks = TaskManager()
    model = TimelineTableModel(fake_services(HugeTimeline()), tasks, page_size=200)
    model.set_incident(1)
    qtbot.waitUntil(tasks.idle)
    model.set_query(TimelineQuery(text="needle"))
    qtbot.waitUntil(tasks.idle)
    assert model.total == 15_000 and model.rowCount() == 200
    assert all("needle" in model.entry(r).text for r in range(model.rowCount()))
    model.set_query(TimelineQuery(kinds=frozenset({EntryKind.DECISION})))
    qtbot.waitUntil(tasks.idle)
    assert model.total == 1_500
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).bold()
    tasks.shutdown()


def test_a_stale_page_is_dropped_when_the_query_changes(qtbot):  # type: ignore[no-untyped-def]
    tasks = TaskManager()
    model = TimelineTableModel(fake_services(HugeTimeline()), tasks, page_size=100)
    model.set_incident(1)
    model.set_query(TimelineQuery(text="needle"))  # before the first page arrives
    qtbot.waitUntil(tasks.idle)
    assert model.total == 15_000
    tasks.shutdown()


def test_timeline_model_with_real_services(qtbot, qtmodeltester, window):  # type: ignore[no-untyped-def]
    model = window.timeline.model
    assert model.rowCount() > 5
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(window.tasks.idle)


def test_incident_and_contact_models(qtbot, qtmodeltester, company):  # type: ignore[no-untyped-def]
    incidents = IncidentListModel()
    incidents.set_rows(company.incidents.list())
    assert incidents.rowCount() == 2
    qtmodeltester.check(incidents, force_py=True)
    contacts = ContactsModel()
    contacts.set_rows(company.roster.contacts())
    contacts.set_now(company.ctx.clock.now())
    assert contacts.rowCount() == 12
    maya = contacts.find(lambda s: s.contact.name == "Maya Lindqvist")
    assert contacts.data(contacts.index(maya, 2)) == "NO"
    assert "PST" in contacts.data(contacts.index(maya, 4))
    qtmodeltester.check(contacts, force_py=True)

