"""The drill engine in a process of its own, for the window.

The engine (injects, scripted players, metric patterns, detectors, scoring) is
pure Python on SQLAlchemy; in the window's process it would compete with the
GUI thread for the interpreter lock and stall the painting at x60. Here it
owns the drill database and the simulated clock, paces itself at the chosen
speed, takes commands over a pipe and sends back its status after every step.
Started with the "spawn" method, so nothing of the window's process (Qt,
threads) is inherited.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

STEP_S = 0.25  # wall seconds between steps while the clock runs


# The engine yields the CPU to the window: on a busy machine the GUI thread comes first.
ENGINE_NICENESS = 10


def serve(conn: Any, scenario_path: str, actions_path: str | None, folder: str,
          live: Any = None) -> None:
    import contextlib
    import os

    with contextlib.suppress(AttributeError, OSError):  # no nice() on Windows
        os.nice(ENGINE_NICENESS)
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.domain.errors import CommandCenterError
    from commandcenter.drills.actions import parse_actions
    from commandcenter.drills.scenario import parse_scenario, read_text
    from commandcenter.services.drill_runs import DrillSession

    try:
        text = read_text(Path(scenario_path))
        scenario = parse_scenario(text, scenario_path)
        if scenario.live_roster and live is not None:  # the window read it, read only
            from commandcenter.drills.live_roster import resolve

            scenario = resolve(scenario, live, scenario_path)
        actions = parse_actions(read_text(Path(actions_path)), scenario, actions_path) \
            if actions_path else []
        clock = SimulatedClock(scenario.start)
        services = build_drill(Path(folder), clock)
        session = DrillSession(services.ctx, clock, scenario, text, scenario_path, actions,
                               live)
    except Exception as exc:  # the window shows it; nothing else to do here
        conn.send(("failed", str(exc)))
        return
    session.listeners.append(lambda what: conn.send(("fired", what)))
    conn.send(("ready", {"run": session.run_id, "incident": session.incident_id}))
    conn.send(("status", session.status()))
    speed, running, owed, wall = 1, False, 0.0, time.monotonic()
    stored = False
    try:
        while True:
            if conn.poll(STEP_S):
                command, arg = conn.recv()
                if command == "stop":
                    break
                try:
                    if command == "speed":
                        speed = max(1, min(60, int(arg)))
                    elif command == "run":
                        running, wall = bool(arg), time.monotonic()
                    elif command == "next":
                        session.jump_to_next()
                    elif command == "fire":
                        session.fire(int(arg))
                    elif command == "observe":
                        session.observe(*arg)
                except CommandCenterError as exc:
                    conn.send(("error", str(exc)))
                status = session.status()
                stored = _store_once(session, status, stored)
                conn.send(("status", status))
            now = time.monotonic()
            if running:
                owed += (now - wall) * speed
            wall = now
            if running and owed >= 1.0:
                session.advance_to(session.elapsed + timedelta(seconds=owed))
                owed = 0.0
                status = session.status()
                running = not status.finished
                stored = _store_once(session, status, stored)
                conn.send(("status", status))
    except (EOFError, BrokenPipeError):
        pass  # the window went away
    finally:
        services.close()


def _store_once(session: Any, status: Any, stored: bool) -> bool:
    """At the end of play the run is scored and its result stored, once: then the drill
    can be reopened, its report made (``drill report``) and its timeline replayed."""
    if status.finished and not stored:
        session.finish()
        return True
    return stored
