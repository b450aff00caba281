"""Bundle runtime hook: PySide6.QtOpenGL (9 MB of OpenGL bindings) is left out.

pyqtgraph imports it when it loads but calls it only to draw through OpenGL,
which the window never asks for; this stand-in satisfies the import and names
what is missing if anything ever reaches for it.
"""

import sys
import types


class _LeftOut(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(f"PySide6.QtOpenGL.{name}: OpenGL drawing is not part of this bundle")


sys.modules.setdefault("PySide6.QtOpenGL", _LeftOut("PySide6.QtOpenGL"))
