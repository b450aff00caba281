"""SIGKILL a writer doing real work at random moments: nothing reported is lost.

The harness is ``tests/crash_harness.py``; ``make soak`` runs it for 2,000 kills.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests import crash_harness

KILLS = int(os.environ.get("COMMANDCENTER_CRASH_KILLS", "300"))


def test_sigkill_at_random_moments_loses_no_reported_commit(tmp_path: Path) -> None:
    figures = crash_harness.run(KILLS, root=tmp_path / "world")
    assert figures.problems == []
    assert figures.lost == []
    assert figures.kills == KILLS
    assert figures.audits >= 1
    if KILLS >= 300:  # enough kills for every kind of operation to have committed
        assert set(figures.by_op) == {"note", "draft", "submit", "approve", "publish",
                                      "ingest"}, figures.by_op


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """A commit that never happened, and a file without a publication, are found."""
    world = crash_harness.make_world(tmp_path / "world")
    svc = crash_harness.warm_services(world)
    try:
        never = [{"op": "note", "incident": 1, "text": "never written"},
                 {"op": "ingest", "first": 1.0, "n": 3},
                 {"op": "publish", "message": 99}]
        assert len(crash_harness.missing(svc, never)) == 3
        assert crash_harness.outbox_problems(svc) == []
        stray = svc.ctx.outbox_dir / "live" / "20260302T083000Z-message-7-abc.json"
        stray.parent.mkdir(parents=True, exist_ok=True)
        stray.write_text(json.dumps({"content_hash": "0" * 64}))
        assert crash_harness.outbox_problems(svc) == [
            f"live/{stray.name}: a file without a publication"]
        assert crash_harness.integrity(world) == "ok"
        assert crash_harness.audit_problems(svc) == []
    finally:
        svc.close()
