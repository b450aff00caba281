"""Cold start of the bundle to a painted window: ``python packaging/cold_start.py [BUNDLE] [N]``.

Starts ``BUNDLE/commandcenter gui --demo`` N times (default 10), each a new
process with a new, empty data and config directory, offscreen, and takes
the time from just before the process is spawned to the instant the window
has painted (the app's COMMANDCENTER_REPORT_FIRST_PAINT report). Before each
start the kernel's page cache is dropped when this user may do it (root on a
machine that allows it), so the bundle's files are read from disk; the
report says whether it was. Prints one JSON document: each time, the median.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_page_cache() -> bool:
    try:
        os.sync()
        DROP_CACHES.write_text("3\n")
    except OSError:
        return False
    return True


def one_start(executable: Path) -> tuple[float, bool]:
    with tempfile.TemporaryDirectory(prefix="cc-cold-") as tmp:
        home = Path(tmp)
        report = home / "first-paint.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMANDCENTER_")}
        env |= {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
                "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
                "QT_QPA_PLATFORM": env.get("QT_QPA_PLATFORM", "offscreen"),
                "COMMANDCENTER_REPORT_FIRST_PAINT": str(report)}
        dropped = drop_page_cache()
        spawned = time.time()
        subprocess.run([str(executable), "gui", "--demo"], env=env, check=True, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.loads(report.read_text())["painted"] - spawned, dropped


def main(argv: list[str]) -> int:
    default = Path(__file__).resolve().parent.parent / "dist" / "commandcenter"
    bundle = Path(argv[0]) if argv else default
    runs = int(argv[1]) if len(argv) > 1 else 10
    results = [one_start(bundle / "commandcenter") for _ in range(runs)]
    seconds = [round(s, 3) for s, _ in results]
    print(json.dumps({"bundle": str(bundle), "starts": runs, "seconds": seconds,
                      "median_s": round(statistics.median(seconds), 3),
                      "page_cache_dropped": all(d for _, d in results)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
