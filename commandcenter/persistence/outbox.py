"""The default channel adapter: a folder, one JSON file per published message.

Files are written under a name fixed by the publication record, to a
temporary file first, fsynced, then renamed: a reader sees a whole file or
none, and writing the same publication twice leaves one file.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

LIVE = "live"
DRILL = "drill"
# One plain file in the destination folder: no separators, no dot-dot, no hidden file.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.json")


class Outbox:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, destination: str, file_name: str) -> Path:
        if destination not in (LIVE, DRILL):
            raise ValueError(f"unknown outbox destination {destination!r}")
        if not SAFE_NAME.fullmatch(file_name):
            raise ValueError(f"not an outbox file name: {file_name!r}")
        return self.root / destination / file_name

    def deliver(self, destination: str, file_name: str, document: dict[str, Any]) -> Path:
        target = self.path_for(destination, file_name)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        data = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return target

    def files(self, destination: str) -> list[Path]:
        folder = self.root / destination
        if not folder.exists():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix == ".json")
