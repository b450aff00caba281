"""Listening: inbound mentions ranked, with the reasons and our own data; triage and reply.

Keyboard: the list takes the focus; arrows and Shift/Ctrl select, Ctrl+A all;
A assigns the selected mentions to a person, S sets them aside with a reason,
R drafts a reply to the current one and opens it in the composer. The list
shows the first ``FIRST_SCREEN`` of the filter, read from the database in
rank order (an indexed query), never sorted in the view.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.operators import Action

from ..models.mentions import MentionsTableModel, reach_text, state_text
from ..models.table import RowRole
from ..session import Session
from ..steady import set_html
from ..timefmt import html_stamp
from .filter_bar import text_filter
from .held_loads import HeldLoads
from .timeline_panel import labelled

FIRST_SCREEN = 200
FILTERS = (("Open (new and assigned)", "open"), ("New", "new"), ("Assigned", "assigned"),
           ("Answered", "answered"), ("Set aside", "set_aside"), ("All", None))


@dataclass(frozen=True, slots=True)
class ListeningState:
    mentions: tuple[Any, ...]
    voices: tuple[Any, ...]
    counts: dict[str, int]


def reply_suggestion(m: Any) -> str:
    """A start for the spokesperson to edit: personal, names what our data shows."""
    name = m.author if m.author.startswith("@") else m.author.split()[0]
    if m.confirmed:
        return (f"{name} we're sorry: you're right, your score fell ({m.data_check}). "
                "We're on it and will update you here.")
    return f"{name} thanks for telling us. We're looking into it and will update you here."


class ListeningPanel(HeldLoads, QWidget):
    sig_reply_drafted = Signal(object)  # MessageView: the composer opens it

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.dialog: QInputDialog | None = None
        self._shown: tuple[int | None, ListeningState] | None = None  # what is on screen
        self._build()
        session.sig_data_changed.connect(self.reload)
        session.sig_incident_changed.connect(lambda _i: self.reload())
        session.sig_operator_changed.connect(lambda _op: self._update_buttons())

    def _build(self) -> None:
        self.filter_combo = labelled(QComboBox(), "Mention filter", "Which mentions to list")
        for text, key in FILTERS:
            self.filter_combo.addItem(text, key)
        self.filter_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.search = text_filter("Search mentions",
                                  "Only mentions whose text or author contains this",
                                  "Search text or author…")
        self.search.returnPressed.connect(self.reload)
        self.counts_label = labelled(QLabel(), "Mention counts")
        top = QHBoxLayout()
        top.addWidget(self.filter_combo)
        top.addWidget(self.search, 1)
        top.addWidget(self.counts_label)

        self.model = MentionsTableModel(self)
        self.table = labelled(QTableView(), "Ranked mentions",
                              "Biggest and angriest first. A assign, S set aside, R reply")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for col, width in enumerate((56, 150, 70, 140, 60, 0, 230)):
            if width:
                header.resizeSection(col, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_current())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())

        self.detail = labelled(QTextBrowser(), "Mention details",
                               "The mention, why it ranks where it does, and our data")
        self.voices = labelled(QListWidget(), "Top voices",
                               "The highest-reach authors nobody has answered yet")
        self.voices.setWordWrap(True)
        voices_label = QLabel("<b>Top voices</b> (not answered yet)")
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail, 3)
        rl.addWidget(voices_label)
        rl.addWidget(self.voices, 2)
        self.voices.itemActivated.connect(self._voice_chosen)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        self.assign_button = labelled(QPushButton("&Assign…"), "Assign mentions",
                                      "Assign the selected mentions to a person (A)")
        self.aside_button = labelled(QPushButton("&Set aside…"), "Set mentions aside",
                                     "Set the selected mentions aside with a reason (S)")
        self.reply_button = labelled(QPushButton("&Reply…"), "Reply to mention",
                                     "Draft a direct reply and open it in the composer (R)")
        self.assign_button.clicked.connect(self.open_assign)
        self.aside_button.clicked.connect(self.open_set_aside)
        self.reply_button.clicked.connect(self.reply)
        buttons = QHBoxLayout()
        for b in (self.assign_button, self.aside_button, self.reply_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        # Plain letters on the list; an item view takes letters for its keyboard
        # search before any QShortcut sees them, so the list's keys are filtered here.
        self._keys = {Qt.Key.Key_A: self.open_assign, Qt.Key.Key_S: self.open_set_aside,
                      Qt.Key.Key_R: self.reply}
        self.table.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.table and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier)):
            slot = self._keys.get(Qt.Key(event.key()))
            if slot is not None:
                slot()
                return True
        return super().eventFilter(watched, event)

    # --- loading ------------------------------------------------------------
    def reload(self) -> None:
        if self.loads_held():
            return
        inc = self.session.incident
        if inc is None:
            self._loaded(ListeningState((), (), {}))
            return
        svc, state, text = self.session.services, self.filter_combo.currentData(), \
            self.search.text()
        inc_id = inc.id

        def load() -> ListeningState:
            m = svc.mentions
            return ListeningState(tuple(m.list(inc_id, state, limit=FIRST_SCREEN, search=text)),
                                  tuple(m.top_voices(inc_id, limit=10)), m.counts(inc_id))

        self.session.read(load, self._loaded)

    def _loaded(self, state: ListeningState) -> None:
        inc = self.session.incident
        shown = (inc.id if inc is not None else None, state)
        if shown == self._shown:
            return  # a live re-read of the same mentions: nothing on screen changes
        self._shown = shown
        # A re-read (a live update, another desk's triage) keeps the selection and the
        # mention being read; the model's reset would otherwise drop both.
        chosen = {m.id for m in self.selected()}
        was = self.current()
        self.model.set_rows(state.mentions)
        selection = self.table.selectionModel()
        current = 0 if state.mentions else None
        for r, m in enumerate(state.mentions):
            if was is not None and m.id == was.id:
                current = r
        if current is not None:
            selection.setCurrentIndex(self.model.index(current, 0),
                                      selection.SelectionFlag.NoUpdate)
            if not chosen:
                selection.select(self.model.index(current, 0),
                                 selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
        for r, m in enumerate(state.mentions):
            if m.id in chosen:
                selection.select(self.model.index(r, 0), selection.SelectionFlag.Select
                                 | selection.SelectionFlag.Rows)
        c = state.counts
        opened = c.get("new", 0) + c.get("assigned", 0)
        self.counts_label.setText(f"{opened} open · {c.get('answered', 0)} answered · "
                                  f"{c.get('set_aside', 0)} set aside" if c else "")
        self.voices.clear()
        for v in state.voices:
            mark = " · data confirms" if v.confirmed else ""
            self.voices.addItem(f"{v.author} · {v.channel} · {reach_text(v.reach)} · "
                                f"{v.mentions} mention{'s' if v.mentions > 1 else ''}{mark}")
            self.voices.item(self.voices.count() - 1).setData(Qt.ItemDataRole.UserRole,
                                                               v.author)
        self._show_current()

    def selected(self) -> list[Any]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_object(r) for r in rows if r < self.model.rowCount()]

    def current(self) -> Any:
        index = self.table.currentIndex()
        return index.data(RowRole) if index.isValid() else None

    def _show_current(self) -> None:
        m = self.current()
        if m is None:
            set_html(self.detail, "<i>No mention selected.</i>" if self.session.incident
                                else "<i>Select an incident to see its mentions.</i>")
        else:
            data = (f"<p style='color:#c0392b'><b>Our data confirms:</b> "
                    f"{html.escape(m.data_check)}</p>" if m.confirmed else
                    f"<p><b>Our data:</b> {html.escape(m.data_check or 'no profile found')}</p>")
            link = (f" · <a href='{html.escape(m.link)}'>link</a>" if m.link else "")
            set_html(self.detail,
                f"<h3>{html.escape(m.author)} · {html.escape(m.channel)} · reach "
                f"{reach_text(m.reach)}</h3>"
                f"<p>{html.escape(m.text)}</p>"
                f"<p>{html_stamp(m.at)} · {html.escape(state_text(m))}{link}"
                f"{' · DRILL' if m.drill else ''}</p>{data}"
                f"<p><b>Priority {m.priority:.0f}</b></p><ul>"
                + "".join(f"<li>{html.escape(r)}</li>" for r in m.reasons) + "</ul>")
        self._update_buttons()

    def _voice_chosen(self, item: Any) -> None:
        """Their mentions: the list filtered to the author (open ones first by rank)."""
        self.search.setText(item.data(Qt.ItemDataRole.UserRole))
        self.reload()
        self.table.setFocus()

    def _update_buttons(self) -> None:
        chosen = [m for m in self.selected() if m.state.is_open]
        may = self.session.may(Action.WRITE_TIMELINE)
        self.assign_button.setEnabled(bool(chosen) and may)
        self.aside_button.setEnabled(bool(chosen) and may)
        m = self.current()
        self.reply_button.setEnabled(m is not None and m.state.is_open
                                     and self.session.may(Action.DRAFT))

    # --- acting -------------------------------------------------------------
    def open_assign(self) -> None:
        chosen = [m for m in self.selected() if m.state.is_open]
        if not chosen or not self.assign_button.isEnabled():
            return
        self.session.read(lambda: [c.contact.name for c in
                                   self.session.services.roster.contacts()],
                          lambda names: self._ask_assignee(chosen, names))

    def _ask_assignee(self, chosen: list[Any], names: list[str]) -> None:
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Assign mentions")
        dlg.setLabelText(f"Who answers {len(chosen)} mention{'s' if len(chosen) > 1 else ''}?")
        dlg.setComboBoxItems(names)
        dlg.setAccessibleName("Assign mentions")
        dlg.textValueSelected.connect(lambda name: self.assign(chosen, name))
        self.dialog = dlg
        dlg.open()

    def assign(self, chosen: list[Any], name: str) -> None:
        svc, actor, ids = self.session.services.mentions, self.session.actor(), \
            [m.id for m in chosen]
        self.session.write(lambda: svc.assign_many(ids, name, actor),
                           success=f"{len(ids)} mention(s) assigned to {name}")

    def open_set_aside(self) -> None:
        chosen = [m for m in self.selected() if m.state.is_open]
        if not chosen or not self.aside_button.isEnabled():
            return
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Set mentions aside")
        dlg.setLabelText(f"Why set {len(chosen)} mention{'s' if len(chosen) > 1 else ''} "
                         "aside? (spam, not about us, already answered elsewhere…)")
        dlg.setAccessibleName("Set mentions aside")
        dlg.textValueSelected.connect(lambda reason: self.set_aside(chosen, reason))
        self.dialog = dlg
        dlg.open()

    def set_aside(self, chosen: list[Any], reason: str) -> None:
        svc, actor, ids = self.session.services.mentions, self.session.actor(), \
            [m.id for m in chosen]
        self.session.write(lambda: svc.set_aside_many(ids, reason, actor),
                           success=f"{len(ids)} mention(s) set aside")

    def reply(self) -> None:
        m = self.current()
        if m is None or not self.reply_button.isEnabled():
            return
        svc, actor, body = self.session.services.mentions, self.session.actor(), \
            reply_suggestion(m)
        self.session.write(lambda: svc.reply(m.id, body, actor),
                           lambda r: self.sig_reply_drafted.emit(r.message),
                           success=f"Reply to mention {m.id} drafted: edit it in the composer, "
                                   "then submit it for approval")
