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
