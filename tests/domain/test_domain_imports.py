"""The domain is plain Python: importing it pulls in neither Qt nor the database layer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import commandcenter.domain

# Owned and tested elsewhere; they may use numpy, which is allowed.
NOT_HERE = {"detectors", "snapshot_health"}
FORBIDDEN = ("PySide6", "sqlalchemy", "alembic", "pyqtgraph")

SCRIPT = """
import importlib, json, pkgutil, sys
import commandcenter.domain as domain
names = sorted(m.name for m in pkgutil.iter_modules(domain.__path__)
               if m.name not in set(sys.argv[1].split(",")))
for name in names:
    importlib.import_module("commandcenter.domain." + name)
loaded = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"modules": names, "loaded": loaded}))
"""


def test_domain_imports_no_qt_and_no_sqlalchemy() -> None:
    root = Path(commandcenter.domain.__file__).parents[2]
    out = subprocess.run([sys.executable, "-c", SCRIPT, ",".join(NOT_HERE)], cwd=root,
                         capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(out.stdout)
    # the modules this project relies on are all among those imported
    assert {"approval", "audit", "chains", "clock", "contact_files", "errors", "incidents",
            "messages", "operators", "roster", "timeline"} <= set(found["modules"])
    for name in FORBIDDEN:
        assert name not in found["loaded"], f"commandcenter.domain imports {name}"
