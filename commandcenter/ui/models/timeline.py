"""The timeline as a windowed table model: rows arrive a page at a time from the worker.

Filtering and ordering happen in the database, so 100,000+ entries never
load at once; the view asks for more (canFetchMore/fetchMore) as it scrolls.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from commandcenter.domain.timeline import EntryKind, TimelineEntry

from ..tasks import TaskManager
from ..timefmt import full_text, local_text, localise

Index = QModelIndex | QPersistentModelIndex
EntryRole = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Time", "Kind", "Actor", "Entry", "Correction")
TIME, KIND, ACTOR, TEXT, CORRECTION = range(len(COLUMNS))
PINNED_BG = QColor(241, 196, 15, 60)
MAX_CORRECTIONS = 10_000


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    text: str = ""
    kinds: frozenset[EntryKind] | None = None
    pinned_first: bool = False


@dataclass(frozen=True, slots=True)
class _Loaded:
    entries: tuple[TimelineEntry, ...]
    total: int
    corrections: dict[int, TimelineEntry]
    total_exact: bool = True


class TimelineTableModel(QAbstractTableModel):
    sig_loaded = Signal(int)  # total matching entries (a lower bound unless total_exact)

    def __init__(self, services: Any, tasks: TaskManager, *, page_size: int = 200,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = tasks
        self.page_size = page_size
        self._incident: int | None = None
        self._query = TimelineQuery()
        self._rows: list[TimelineEntry] = []
        self._total = 0
        self._total_exact = True
        self._corrections: dict[int, TimelineEntry] = {}
        self._generation = 0
        self._applied = 0  # the generation whose first page is shown
        self._fetching = False

    # --- what to show -------------------------------------------------------
    @property
    def query(self) -> TimelineQuery:
        return self._query

    @property
    def total(self) -> int:
        return self._total

    @property
    def total_exact(self) -> bool:
        """False when a text filter matched too many to count: ``total`` is a lower bound."""
        return self._total_exact

    def loaded(self, incident_id: int | None) -> bool:
        """True once the first page of ``incident_id``'s timeline (as now filtered) is shown."""
        return self._incident == incident_id and self._applied == self._generation

    def set_incident(self, incident_id: int | None) -> None:
        self._incident = incident_id
        self._reload(keep=0)

    def set_query(self, query: TimelineQuery) -> None:
        if query != self._query:
            self._query = query
            self._reload(keep=0)

    def set_text(self, text: str) -> None:
        self.set_query(replace(self._query, text=text))

    def refresh(self) -> None:
        """Re-read as many rows as are loaded; appended entries arrive as inserted rows."""
        self._reload(keep=len(self._rows))

    def entry(self, row: int) -> TimelineEntry:
        return self._rows[row]

    def correction_of(self, entry_id: int) -> TimelineEntry | None:
        return self._corrections.get(entry_id)

    def _page(self, incident_id: int, query: TimelineQuery, offset: int, limit: int) -> Any:
        return self._services.incidents.timeline(
            incident_id, offset=offset, limit=limit, text=query.text, kinds=query.kinds,
            pinned_first=query.pinned_first)

    def _reload(self, keep: int) -> None:
        self._generation += 1
        generation, incident, query = self._generation, self._incident, self._query
        self._fetching = incident is not None
        if incident is None:
            self._apply(_Loaded((), 0, {}), generation, reset=True)
            return
        limit = max(keep, self.page_size)

        def load() -> _Loaded:
            page = self._page(incident, query, 0, limit)
            fixes = self._services.incidents.timeline(
                incident, kinds=frozenset({EntryKind.CORRECTION}), limit=MAX_CORRECTIONS)
            corrections = {e.corrects_id: e for e in fixes.entries if e.corrects_id is not None}
            return _Loaded(page.entries, page.total, corrections,
                           getattr(page, "total_exact", True))

        self._tasks.run(load, lambda r: self._apply(r, generation, reset=keep == 0))

    def _apply(self, loaded: _Loaded, generation: int, *, reset: bool) -> None:
        if generation != self._generation:
            return  # a newer query replaced this one
        old = self._rows
        new = list(loaded.entries)
        same_prefix = len(new) >= len(old) and all(
            a.id == b.id for a, b in zip(old, new, strict=False))
        if reset or not same_prefix:
            self.beginResetModel()
            self._rows, self._total, self._corrections = new, loaded.total, loaded.corrections
            self._total_exact = loaded.total_exact
            self._fetching = False
            self.endResetModel()
        else:
            # Only rows that differ are redrawn; the usual live re-read differs in none.
            fixes_changed = loaded.corrections != self._corrections
            self._corrections = loaded.corrections
            self._total, self._total_exact = loaded.total, loaded.total_exact
            if old and fixes_changed:
                self.dataChanged.emit(self.index(0, 0), self.index(len(old) - 1, CORRECTION))
            elif old:
                changed = [r for r, (a, b) in enumerate(zip(old, new, strict=False)) if a != b]
                if changed:
                    self._rows[changed[0]:changed[-1] + 1] = new[changed[0]:changed[-1] + 1]
                    self.dataChanged.emit(self.index(changed[0], 0),
                                          self.index(changed[-1], CORRECTION))
            if len(new) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
                self._rows = new
                self.endInsertRows()
            self._fetching = False
        self._applied = generation
        self.sig_loaded.emit(self._total)

    # --- windowed fetching --------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return (not parent.isValid() and not self._fetching and self._incident is not None
                and len(self._rows) < self._total)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, incident, query = self._generation, self._incident, self._query
        offset = len(self._rows)
        assert incident is not None

        def appended(page: Any) -> None:
            if generation != self._generation:
                return
            entries = list(page.entries)
            counted = (self._total, self._total_exact)
            self._total = page.total
            self._total_exact = getattr(page, "total_exact", True)
            if entries:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
                self._rows.extend(entries)
                self.endInsertRows()
            # Only now: views (and the model tester) ask for more from inside the insert.
            self._fetching = False
            if (self._total, self._total_exact) != counted:
                self.sig_loaded.emit(self._total)  # a capped count settled or grew

        self._tasks.run(lambda: self._page(incident, query, offset, self.page_size), appended)

    # --- the table ----------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        e = self._rows[index.row()]
        col = index.column()
        fix = self._corrections.get(e.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(e, col, fix)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == TIME:
                return f"{full_text(e.occurred_at)}\nrecorded {full_text(e.recorded_at)}"
            if col == TEXT and e.corrects_id is not None:
                return f"{e.text}\n\nCorrects: {e.data.get('original', '')}"
            if col == TEXT:
                return e.text  # as recorded, its times in UTC
            if col == CORRECTION and fix is not None:
                return f"→ {fix.text}"
            if col == CORRECTION and e.corrects_id is not None:
                return f"corrects: {e.data.get('original', '')}"
            return None
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(e.pinned)
            font.setStrikeOut(col == TEXT and fix is not None)
            return font if (e.pinned or font.strikeOut()) else None
        if role == Qt.ItemDataRole.BackgroundRole:
            return PINNED_BG if e.pinned else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._display(e, col, fix)
        if role == EntryRole:
            return e
        return None

    @staticmethod
    def _display(e: TimelineEntry, col: int, fix: TimelineEntry | None) -> str:
        if col == TIME:
            return local_text(e.occurred_at)
        if col == KIND:
            return e.kind.value.replace("_", " ")
        if col == ACTOR:
            return e.actor
        if col == TEXT:
            return localise(e.text)
        if col == CORRECTION:
            if fix is not None:
                return f"→ {localise(fix.text)}"
            if e.corrects_id is not None:
                return f"corrects: {localise(e.data.get('original', ''))}"
        return ""
