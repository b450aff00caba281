"""A small read-only table model over a list of frozen rows, for short lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
RowRole = Qt.ItemDataRole.UserRole + 1
T = TypeVar("T")


def same_rows(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """Equal row for row; rows that cannot be compared (arrays inside) count as changed."""
    if len(a) != len(b):
        return False
    try:
        return all(x == y for x, y in zip(a, b, strict=True))
    except (TypeError, ValueError):
        return False


class RowsModel(QAbstractTableModel, Generic[T]):
    """Subclasses set COLUMNS and implement ``cell(row, column, role)``."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> bool:
        """Show these rows; False (and no reset) when they equal the rows shown.

        Live re-reads mostly bring the same rows back: a reset would drop the
        view's selection and scroll state and make it lay every row out again.
        """
        new = list(rows)
        if same_rows(new, self._rows):
            return False
        self.beginResetModel()
        self._rows = new
        self.endResetModel()
        return True

    def row_object(self, row: int) -> T:
        return self._rows[row]

    def rows(self) -> list[T]:
        return list(self._rows)

    def find(self, predicate: Callable[[T], bool]) -> int:
        return next((i for i, r in enumerate(self._rows) if predicate(r)), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.AccessibleTextRole:
            role = Qt.ItemDataRole.DisplayRole
        return self.cell(row, index.column(), role)

    def cell(self, row: T, column: int, role: int) -> Any:
        raise NotImplementedError
