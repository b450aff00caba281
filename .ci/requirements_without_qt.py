"""Print pyproject's requirements for the venv without Qt: all but PySide6, pyqtgraph & co.

``python .ci/requirements_without_qt.py > reqs.txt``: the project's dependencies
and every optional extra, read from pyproject.toml, so the Qt-free venv never
drifts from what the project declares.
"""

import re
import sys
import tomllib
from pathlib import Path

QT = re.compile(r"^\s*(pyside6|shiboken6|pyqtgraph|pytest-qt|pyqt)", re.IGNORECASE)


def requirements(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        wanted += extra
    return [r for r in dict.fromkeys(wanted) if not QT.match(r)]


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "pyproject.toml"
    print("\n".join(requirements(Path(sys.argv[1]) if len(sys.argv) > 1 else default)))
