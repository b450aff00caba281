"""Message templates from files a team can edit: ``resources/templates/*.toml``.

Each file is one template; its name is the key. Checked when the app starts: a
mistake is reported with the file and the field, and the app does not start on it.
``COMMANDCENTER_TEMPLATES_DIR`` points at another folder (a team's own set).
"""

from __future__ import annotations

import os
import sys
import tomllib
from functools import cache
from pathlib import Path

from commandcenter.domain.compose import Template, parse_template
from commandcenter.domain.errors import InvalidInput

ENV_TEMPLATES_DIR = "COMMANDCENTER_TEMPLATES_DIR"


def default_templates_dir() -> Path:
    override = os.environ.get(ENV_TEMPLATES_DIR)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)  # the PyInstaller bundle carries resources/
    if bundle:
        return Path(bundle) / "resources" / "templates"
    return Path(__file__).resolve().parents[2] / "resources" / "templates"


def load_templates(folder: Path | None = None) -> tuple[Template, ...]:
    """Every ``*.toml`` in ``folder``, each checked; InvalidInput names file and field."""
    folder = folder or default_templates_dir()
    if not folder.is_dir():
        raise InvalidInput(f"templates: folder {folder} does not exist")
    found: list[Template] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{path}: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path}: cannot be read ({exc})") from None
        found.append(parse_template(str(path), path.stem, data))
    if not found:
        raise InvalidInput(f"templates: no *.toml template in {folder}")
    return tuple(sorted(found, key=lambda t: (t.order, t.label)))


@cache
def shipped_templates() -> tuple[Template, ...]:
    """The templates in use (loaded once per process)."""
    return load_templates()
