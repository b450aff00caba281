"""Imported by ``ui/app.py`` before the window's modules: spares every later import
PySide6's source scan.

Once ``PySide6.QtCore`` is imported, PySide6 runs a hook after each module import
(``shibokensupport.feature.feature_imported``) that reads the new module's whole
source with ``inspect.getsource`` to see whether it mentions PySide6, for its
opt-in ``from __feature__ import snake_case, true_property`` syntax. The window
imports about 650 modules after Qt (SQLAlchemy, NumPy, pyqtgraph, its own), and
the scan was 10-20 % of their import time. Here every later module is recorded
as one using PySide6 with the default feature set, without reading it: what the
scan concludes for a module naming PySide6, and for any other module the same
behaviour unless some module switches features on (nothing in Command Center or
pyqtgraph does; a module importing ``__feature__`` still gets its features, set
for it directly), in which case the others still see the default names, where
an "ignore" record would have let them see the switched ones.

If a PySide6 release drops or renames the hook, this does nothing.

It also spares pyqtgraph's Qt shim a copy of every Qt name. ``pyqtgraph.Qt``
mirrors ``PySide6.QtCore``, ``QtGui`` and ``QtWidgets`` into modules of its own
by reading every name of each (``_copy_attrs``: 721 names). PySide6 creates
its classes and enums lazily, on first use, so that copy made all of them at
once: about 90 ms, a third of pyqtgraph's import, for the few dozen pyqtgraph
uses. Here, while ``pyqtgraph.Qt`` runs, the copy sees no names, and each
mirror module looks names up in its PySide6 module when asked (a module
``__getattr__``, PEP 562): the same objects, made when first used. If a
pyqtgraph release stops copying that way, this changes nothing.
"""

from __future__ import annotations

import builtins
import functools
import importlib.machinery
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import PySide6.QtCore  # noqa: F401  (installs the import hook this replaces)


def _uses_pyside(_module: object) -> bool:
    return True


def skip_feature_scan() -> bool:
    """Record later modules without reading their source; True if the hook was there."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _uses_pyside  # type: ignore[attr-defined]
    return True


SKIPPED = skip_feature_scan()


SHIM = "pyqtgraph.Qt"
MIRRORED = ("QtCore", "QtGui", "QtWidgets")


def _mirror_lazily(source: ModuleType) -> bool:
    """Let pyqtgraph's mirror of ``source`` look its names up there; True if it could."""
    mirror = sys.modules.get(f"{SHIM}.{source.__name__.rpartition('.')[2]}")
    if mirror is None or "__getattr__" in vars(mirror):
        return False
    mirror.__getattr__ = functools.partial(getattr, source)  # type: ignore[attr-defined]
    mirror.__dir__ = functools.partial(dir, source)  # type: ignore[attr-defined]
    return True


@contextmanager
def _lazy_copy() -> Iterator[None]:
    """While the shim runs: ``dir()`` of a mirrored PySide6 module made lazy and empty."""
    real_dir = builtins.dir
    mirrored = {sys.modules.get(f"PySide6.{name}") for name in MIRRORED} - {None}

    def shim_dir(*args: Any) -> list[str]:
        if not args:  # dir() of the caller's names, as the builtin gives them
            return sorted(sys._getframe(1).f_locals)
        if len(args) == 1 and args[0] in mirrored and _mirror_lazily(args[0]):
            return []
        return real_dir(*args)

    builtins.dir = shim_dir
    try:
        yield
    finally:
        builtins.dir = real_dir


class _ShimLoader:
    """The shim's own loader, run inside ``_lazy_copy``."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        with _lazy_copy():
            self.loader.exec_module(module)


class _ShimFinder:
    """Finds ``pyqtgraph.Qt`` once, the usual way, and hands it the loader above."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != SHIM:
            return None
        sys.meta_path[:] = [f for f in sys.meta_path if f is not cls]
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _ShimLoader(spec.loader)  # type: ignore[assignment]
        return spec


def lazy_pyqtgraph_shim() -> bool:
    """Before pyqtgraph is imported: its Qt shim will mirror Qt lazily. False if too late."""
    if SHIM in sys.modules:
        return False
    if _ShimFinder not in sys.meta_path:
        sys.meta_path.insert(0, _ShimFinder)  # type: ignore[arg-type]
    return True


LAZY_SHIM = lazy_pyqtgraph_shim()
