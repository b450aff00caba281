"""Unsaved composer text survives a close or a crash: a small JSON file, written atomically."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DraftSnapshot:
    incident_id: int | None
    message_id: int | None
    message_version: int | None
    channel: str
    purpose: str
    template: str
    title: str
    body: str
    saved_at: str


class DraftAutosave:
    def __init__(self, folder: Path, name: str = "composer.json") -> None:
        self.path = folder / name

    def save(self, snapshot: DraftSnapshot) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(snapshot), ensure_ascii=False, indent=1),
                           encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            log.exception("could not autosave the draft to %s", self.path)

    def load(self) -> DraftSnapshot | None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return DraftSnapshot(**raw)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            log.warning("ignoring an unreadable autosave file %s", self.path)
            return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
