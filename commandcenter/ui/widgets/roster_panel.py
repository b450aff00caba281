"""Roster and chains: who can be reached now, who owns each chain, and when that changes."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.incidents import is_open
from commandcenter.domain.operators import Action

from ..models.contacts import ContactsModel
from ..models.table import RowRole
from ..session import Session
from ..timefmt import full_text, local_text, localise
from .timeline_panel import compact_rows, labelled

if TYPE_CHECKING:  # opened by the user: imported when first opened
    from ..dialogs.availability import AvailabilityDialog, DelegationDialog

TICK_MS = 15_000  # the local-time column and the next-change check
RELOAD_EVERY_TICKS = 20  # re-read availability every five minutes regardless


@dataclass(frozen=True, slots=True)
class RosterState:
    contacts: tuple[Any, ...]
    owners: tuple[Any, ...]


class RosterPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = ContactsModel(self)
        self.owners: tuple[Any, ...] = ()
        self.next_change: Any = None
        self.next_owner_change: Any = None
        self.availability_dialog: AvailabilityDialog | None = None
        self.delegation_dialog: DelegationDialog | None = None
        self._ticks = 0
        self._build()
        self.timer = QTimer(self, interval=TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        session.sig_data_changed.connect(self.reload)
        session.sig_operator_changed.connect(lambda _op: self._update_enabled())

    def _build(self) -> None:
        self.table = labelled(QTableView(), "Contacts",
                              "Availability now, next change, reachability and local time")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_rows(self.table)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Widths fitted when the contacts change, never ResizeToContents: the local
        # time column changes every minute (every second of a drill at x60), and
        # each change would measure every cell again.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.chains = labelled(QTreeWidget(), "Chains of command",
                               "Owner now, who is skipped and why, when it changes next")
        self.chains.setHeaderLabels(["Chain", "Now"])
        self.chains.setColumnWidth(0, 170)
        self.chains.setWordWrap(True)
        self.availability_button = labelled(QPushButton("Set a&vailability…"),
                                            "Set availability",
                                            "Add an availability window for a contact")
        self.delegate_button = labelled(QPushButton("&Delegate…"), "Delegate authority",
                                        "Delegate a chain to someone until a set time")
        self.availability_button.clicked.connect(self.open_availability)
        self.delegate_button.clicked.connect(self.open_delegation)
        self.note = QLabel()
        self.note.setAccessibleName("Roster note")
        buttons = QHBoxLayout()
        buttons.addWidget(self.availability_button)
        buttons.addWidget(self.delegate_button)
        buttons.addStretch(1)
        buttons.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chains)
        split.addWidget(self.table)
        split.setSizes([180, 320])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self._update_enabled()

    # --- reading --------------------------------------------------------------
    def reload(self) -> None:
        roster = self.session.services.roster

        def load() -> RosterState:
            return RosterState(tuple(roster.contacts()), tuple(roster.owners()))

        self.session.read(load, self._loaded)

    def _loaded(self, state: RosterState) -> None:
        now = self.session.now()
        selected = self.selected_name()
        changed = self.model.set_rows(state.contacts)
        self.model.set_now(now)
        if changed:
            self.table.resizeColumnsToContents()
            if selected:
                row = self.model.find(lambda s: s.contact.name == selected)
                if row >= 0:
                    self.table.selectRow(row)
        if state.owners == self.owners and not changed and self.chains.topLevelItemCount():
            return  # the same roster re-read: the chains tree and note stand
        self.owners = state.owners
        owner_changes = [o.next_change for o in state.owners if o.next_change]
        self.next_owner_change = min(owner_changes) if owner_changes else None
        changes = [o.next_change for o in state.owners if o.next_change]
        changes += [s.next_change for s in state.contacts if s.next_change]
        self.next_change = min(changes) if changes else None
        self._show_chains(state.owners)
        self._update_enabled()  # who may delegate follows who owns what
        reachable = sum(1 for s in state.contacts if s.availability.reachable)
        self.note.setText(f"{reachable} of {len(state.contacts)} reachable now")

    def _show_chains(self, owners: tuple[Any, ...]) -> None:
        self.chains.clear()
        for o in owners:
            owner = o.owner.name if o.owner else "NOBODY can act"
            via = f" (delegated until {local_text(o.delegation.expires_at)})" if o.delegation \
                else ""
            top = QTreeWidgetItem([o.chain, f"{owner}{via}"])
            top.setToolTip(1, html.escape(o.describe()) + (
                f"\ndelegated until {full_text(o.delegation.expires_at)}" if o.delegation else ""))
            for s in o.skipped:
                item = QTreeWidgetItem(top, [f"skipped {s.contact.name}", localise(s.reason)])
                item.setToolTip(1, s.reason)
            nxt = QTreeWidgetItem(top, ["changes next", local_text(o.next_change)
                                        if o.next_change else "no change planned"])
            nxt.setToolTip(1, full_text(o.next_change) if o.next_change else "")
            self.chains.addTopLevelItem(top)
            top.setExpanded(True)
        if not owners:
            self.chains.addTopLevelItem(QTreeWidgetItem(["(no chains)", "set one with "
                                                         "'commandcenter chain set'"]))
        self.chains.resizeColumnToContents(0)

    def tick(self) -> None:
        """Time moved: refresh clocks, and re-read when someone's state has changed."""
        now = self.session.now()
        self.model.set_now(now)
        self._ticks += 1
        if self.next_owner_change is not None and now >= self.next_owner_change:
            self.next_owner_change = None
            self._record_hand_over()
        if (self.next_change is not None and now >= self.next_change) \
                or self._ticks % RELOAD_EVERY_TICKS == 0:
            self.reload()

    def _record_hand_over(self) -> None:
        """A chain changed hands with nobody typing: write it into the open incident now."""
        inc = self.session.incident
        if inc is None or not is_open(inc.status):
            return
        incidents = self.session.services.incidents
        self.session.write(lambda: incidents.catch_up(inc.id))

    def selected_name(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.data(self.model.index(index.row(), 0), RowRole).contact.name

    # --- editing --------------------------------------------------------------
    def owned_chains(self) -> list[str]:
        """The chains the signed-in operator owns now: the ones they may delegate."""
        op = self.session.operator
        return [o.chain for o in self.owners
                if op is not None and o.owner is not None and o.owner.id == op.contact_id]

    def _update_enabled(self) -> None:
        op = self.session.operator
        commander = self.session.may(Action.EDIT_ROSTER)
        observer = op is not None and op.role.value == "observer"
        self.availability_button.setEnabled(op is not None and not observer)
        self.availability_button.setToolTip(
            "Sign in to record availability" if op is None
            else "An observer changes nothing" if observer
            else self.availability_button.accessibleDescription() if commander
            else "Record your own availability (a commander records anyone's)")
        owned = self.owned_chains()
        self.delegate_button.setEnabled(bool(owned))
        self.delegate_button.setToolTip(
            "Sign in to delegate" if op is None
            else f"Delegate {', '.join(owned)} until a set time" if owned
            else "Only a chain's owner can delegate it; you own no chain now")

    def open_availability(self) -> None:
        op = self.session.operator
        names = [s.contact.name for s in self.model.rows()]
        if op is not None and not self.session.may(Action.EDIT_ROSTER):
            names = [op.name]  # everyone else's availability is a commander's to record
        cosigners = [s.contact.name for s in self.model.rows()
                     if s.role is not None and s.role.value == "commander"
                     and (op is None or s.contact.name != op.name)]
        from ..dialogs.availability import AvailabilityDialog

        dlg = AvailabilityDialog(names, self.session.now(), self.selected_name(), self,
                                 cosigners=cosigners)
        dlg.accepted.connect(lambda: self._save_window(dlg))
        self.availability_dialog = dlg
        dlg.open()

    def _save_window(self, dlg: AvailabilityDialog) -> None:
        r, roster = dlg.request(), self.session.services.roster
        by, cosigner = dlg.authority.credentials(self.session.actor())
        self.session.write(
            lambda: roster.set_availability(r.name, r.status, r.starts_at, r.ends_at,
                                            reachable=r.reachable, note=r.note, by=by,
                                            cosigner=cosigner),
            success=f"Availability saved for {r.name}",
            on_error=lambda exc: self._retry(dlg, exc))

    def _retry(self, dlg: AvailabilityDialog | DelegationDialog, exc: BaseException) -> None:
        """Reopen the dialog with what was typed, so nothing entered is lost."""
        text = str(exc)
        if "co-sign" in text:
            dlg.authority.require_cosigner(text)
        else:
            dlg.authority.show_error(text)
        dlg.authority.passphrase_edit.clear()
        dlg.open()

    def open_delegation(self) -> None:
        names = [s.contact.name for s in self.model.rows()]
        from ..dialogs.availability import DelegationDialog

        dlg = DelegationDialog(self.owned_chains(), names, self.session.now(), self)
        dlg.accepted.connect(lambda: self._save_delegation(dlg))
        self.delegation_dialog = dlg
        dlg.open()

    def _save_delegation(self, dlg: DelegationDialog) -> None:
        r, roster = dlg.request(), self.session.services.roster
        by, _ = dlg.authority.credentials(self.session.actor())
        self.session.write(
            lambda: roster.delegate(r.chain, r.delegate, r.starts_at, r.expires_at,
                                    reason=r.reason, by=by),
            success=f"{r.chain} delegated to {r.delegate} until {local_text(r.expires_at)}",
            on_error=lambda exc: self._retry(dlg, exc))
