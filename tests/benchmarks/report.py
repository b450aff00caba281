"""Writing a benchmark report: printed, and saved as JSON when asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def emit(report: dict[str, Any], path: Path | None) -> int:
    text = json.dumps(report, indent=2)
    print(text)
    if path:
        path.write_text(text + "\n")
    return 0
