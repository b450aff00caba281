"""Another workstation, as a separate process, for the multi-process tests.

``python tests/workstation.py URL DATA_DIR GO_FILE ACTION [ARGS...]``: imports
everything first, touches ``DATA_DIR.ready``, waits until ``GO_FILE`` exists
(so that several of them start their action at the same moment), then acts
and exits with the command line's exit code.

Actions:
- ``cli ARG...``: ``commandcenter --database-url URL ARG...`` (the passphrase comes from
  $COMMANDCENTER_PASSPHRASE as for any script);
- ``approve-shown ID NAME HASH``: approve as the window does, only the text whose hash
  the approver was shown (exit 3 when it changed or cannot be approved).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    url, data, go, action, *args = argv
    os.environ["COMMANDCENTER_DATA_DIR"] = data
    Path(data).mkdir(parents=True, exist_ok=True)
    import commandcenter.cli
    import commandcenter.services.messages  # imports done before the start
    from commandcenter.domain.errors import CommandCenterError

    Path(data + ".ready").touch()
    deadline = time.monotonic() + 120  # a hang guard
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            return 1
        time.sleep(0.002)
    if action == "cli":
        return commandcenter.cli.main(["--database-url", url, *args])
    if action == "approve-shown":
        from commandcenter.app import build
        from commandcenter.config import Settings

        message_id, name, shown = args
        svc = build(Settings(url, Path(data)))
        try:
            svc.messages.approve(int(message_id), name, os.environ["COMMANDCENTER_PASSPHRASE"],
                                 expected_hash=shown)
            return 0
        except CommandCenterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
        finally:
            svc.close()
    raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
