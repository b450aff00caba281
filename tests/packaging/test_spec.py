"""The PyInstaller spec keeps every Qt module the code imports and ships resources/ whole."""

from __future__ import annotations

import ast
import re

from .conftest import PACKAGING, ROOT

SPEC = PACKAGING / "commandcenter.spec"
QT_IMPORT = re.compile(r"PySide6\.(Qt\w+)|from PySide6 import \(?([\w, \n]+)\)?")


def spec_constant(name: str) -> object:
    for node in ast.parse(SPEC.read_text()).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in {SPEC}")


def qt_modules_imported() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "commandcenter").rglob("*.py"):
        for dotted, listed in QT_IMPORT.findall(path.read_text(encoding="utf-8")):
            found |= {dotted} if dotted else {n.strip() for n in listed.split(",") if n.strip()}
    return found


def test_every_qt_module_the_code_imports_is_kept_in_the_bundle() -> None:
    used = qt_modules_imported()
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    kept = spec_constant("QT_MODULES_USED")
    assert used <= kept, (f"add {sorted(used - kept)} to QT_MODULES_USED in {SPEC.name}: "  # type: ignore[operator]
                          "the bundle leaves out every other Qt module")


def test_resources_go_into_the_bundle_whole_with_the_migrations_as_source() -> None:
    text = SPEC.read_text()
    assert 'datas = [(str(ROOT / "resources"), "resources")]' in text
    assert 'subdir="persistence/migrations", include_py_files=True' in text
