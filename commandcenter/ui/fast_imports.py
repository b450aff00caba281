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
"""

from __future__ import annotations

import sys

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
