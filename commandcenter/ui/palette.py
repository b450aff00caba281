"""Light and dark palettes that follow the system colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_DARK = {
    Role.Window: "#232629", Role.WindowText: "#eff0f1", Role.Base: "#1b1e20",
    Role.AlternateBase: "#2a2e32", Role.ToolTipBase: "#31363b", Role.ToolTipText: "#eff0f1",
    Role.Text: "#eff0f1", Role.Button: "#31363b", Role.ButtonText: "#eff0f1",
    Role.BrightText: "#ff6b6b", Role.Highlight: "#3daee9", Role.HighlightedText: "#ffffff",
    Role.Link: "#5dade2", Role.PlaceholderText: "#8b9096",
}
_LIGHT = {
    Role.Window: "#eff0f1", Role.WindowText: "#232629", Role.Base: "#fcfcfc",
    Role.AlternateBase: "#f0f2f4", Role.ToolTipBase: "#fffbe6", Role.ToolTipText: "#232629",
    Role.Text: "#232629", Role.Button: "#e3e5e7", Role.ButtonText: "#232629",
    Role.BrightText: "#c0392b", Role.Highlight: "#2e86c1", Role.HighlightedText: "#ffffff",
    Role.Link: "#1f618d", Role.PlaceholderText: "#7f8c8d",
}


def palette_for(scheme: Qt.ColorScheme) -> QPalette:
    colours = _DARK if scheme == Qt.ColorScheme.Dark else _LIGHT
    pal = QPalette()
    for role, colour in colours.items():
        pal.setColor(role, QColor(colour))
    disabled = QColor("#6e7378") if scheme == Qt.ColorScheme.Dark else QColor("#a0a4a8")
    for role in (Role.Text, Role.WindowText, Role.ButtonText):
        pal.setColor(Group.Disabled, role, disabled)
    return pal


def current_scheme() -> Qt.ColorScheme:
    scheme = QGuiApplication.styleHints().colorScheme()
    return Qt.ColorScheme.Dark if scheme == Qt.ColorScheme.Dark else Qt.ColorScheme.Light


def apply_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> Qt.ColorScheme:
    """Apply ``scheme`` (tests inject one: offscreen cannot switch) or the system's."""
    chosen = scheme if scheme is not None else current_scheme()
    app.setStyle("Fusion")
    app.setPalette(palette_for(chosen))
    return chosen


def follow_system(app: QApplication) -> None:
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda s: apply_scheme(app, s))
