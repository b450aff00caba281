"""ui/fast_imports.py: PySide6's per-import source scan skipped, Qt's names unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_imports_after_qt_skip_the_scan_and_keep_the_default_names(tmp_path: Path) -> None:
    (tmp_path / "plain_mod.py").write_text(textwrap.dedent("""
        from PySide6.QtCore import QObject

        def name():
            o = QObject()
            o.setObjectName("plain")
            return o.objectName()
    """))
    # A module opting in to snake_case still gets it, and the others keep Qt's names.
    (tmp_path / "snake_mod.py").write_text(textwrap.dedent("""
        from __feature__ import snake_case  # noqa
        from PySide6.QtCore import QObject

        def name():
            o = QObject()
            o.set_object_name("snake")
            return o.object_name()
    """))
    script = textwrap.dedent("""
        import inspect
        import commandcenter.ui.fast_imports as fast
        read = []
        original = inspect.getsource
        inspect.getsource = lambda obj, *a: read.append(obj) or original(obj, *a)
        import plain_mod, snake_mod
        print(fast.SKIPPED, plain_mod.name(), snake_mod.name(), plain_mod.name(),
              [m.__name__ for m in read if getattr(m, "__name__", "").endswith("_mod")])
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(ROOT), str(tmp_path))),
               QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    assert out == ["True", "plain", "snake", "plain", "[]"]


def test_pyqtgraph_mirrors_qt_lazily_with_the_same_objects() -> None:
    script = textwrap.dedent("""
        import builtins
        real_dir = builtins.dir
        import commandcenter.ui.fast_imports as fast
        import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
        import pyqtgraph as pg
        from pyqtgraph.Qt import QtCore, QtGui, QtWidgets
        from pyqtgraph.graphicsItems.DateAxisItem import QDateTime
        app = QtWidgets.QApplication([])
        w = pg.PlotWidget()
        w.plot([1.0, 2.0, 3.0])
        w.resize(200, 100)
        print(fast.LAZY_SHIM,
              "QDial" in vars(QtWidgets),  # not copied at import ...
              QtWidgets.QDial is PySide6.QtWidgets.QDial,  # ... found when asked
              QtCore.Qt.AlignmentFlag is PySide6.QtCore.Qt.AlignmentFlag,
              QtGui.QColor is PySide6.QtGui.QColor, QDateTime is PySide6.QtCore.QDateTime,
              hasattr(QtCore, "NoSuchQtName"), "QPointF" in dir(QtCore),
              builtins.dir is real_dir, not w.grab().isNull())
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    assert out == ["True", "False", "True", "True", "True", "True", "False", "True", "True",
                   "True"]
