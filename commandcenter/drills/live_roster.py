"""``live_roster = true``: a drill played by the team as it is, not by the scenario's cast.

The live roster (people, operators' roles, chains and availability) is read from the
live database when the drill is validated or run (``services/drill_live_roster.py``,
read only) and handed here as plain data: :func:`resolve` checks every person the
scenario names against it, each error with its line and field, and returns the
scenario with the live people and chains in place of its own. The drill then copies
them into its own database; the live database is never written to.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from commandcenter.domain.names import name_key
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus

from .scenario import Person, Problem, Scenario, ScenarioErrors


@dataclass(frozen=True, slots=True)
class LiveWindow:
    """One availability window of the live roster, in the live database's time."""

    person: str
    status: AvailabilityStatus
    starts_at: datetime
    ends_at: datetime
    reachable: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class LiveRoster:
    """The live roster as read at ``read_at`` (the live clock) from ``source``."""

    people: tuple[Person, ...]
    chains: dict[str, tuple[str, ...]]
    availability: tuple[LiveWindow, ...]
    read_at: datetime
    source: str = "the live database"

    def person(self, name: str) -> Person | None:
        key = name_key(name)
        return next((p for p in self.people if name_key(p.name) == key), None)


def resolve(scenario: Scenario, roster: LiveRoster, source: str = "scenario") -> Scenario:
    """The scenario played by the live roster; every unknown person an error with its line."""
    if not scenario.live_roster:
        return scenario
    problems: list[Problem] = []
    where = f"the live roster ({roster.source})"
    for ref in scenario.references:
        if roster.person(ref.message) is None:
            problems.append(Problem(ref.line, ref.field,
                                    f"unknown person {ref.message!r} (not in {where})"))
    by_field = {ref.field: ref for ref in scenario.references}
    for inj in scenario.injects:
        if inj.kind != "availability" or inj.recorded_by:
            continue
        who = roster.person(inj.person)
        if who is not None and who.role in (None, Role.OBSERVER):
            ref = by_field.get(f"injects[{inj.index}].person")
            problems.append(Problem(ref.line if ref else None, f"injects[{inj.index}].recorded_by",
                                    f"{who.name} is not an operator who can record their own "
                                    "availability; name a commander in recorded_by"))
    people = list(roster.people)
    facilitator = roster.person(scenario.facilitator)
    if facilitator is None:  # the exercise's own facilitator, outside the team
        people.append(Person(scenario.facilitator, "Exercise facilitator",
                             role=Role.FACILITATOR))
    elif facilitator.role is not Role.FACILITATOR:
        problems.append(Problem(_line(scenario, "facilitator"), "facilitator",
                                f"{facilitator.name} is a "
                                f"{facilitator.role.value if facilitator.role else 'contact'} "
                                f"in {where}; the facilitator runs the exercise and does not "
                                "play: name someone else (added as the drill's facilitator) "
                                "or give them the facilitator role"))
    if not any(p.role is Role.COMMANDER for p in roster.people):
        problems.append(Problem(_line(scenario, "live_roster"), "live_roster",
                                f"{where} has no commander operator"))
    if "communications" not in roster.chains:
        problems.append(Problem(_line(scenario, "live_roster"), "live_roster",
                                f"{where} has no \"communications\" chain (its owner "
                                "approves messages)"))
    if problems:
        raise ScenarioErrors(source, problems)
    return dataclasses.replace(scenario, people=tuple(people), chains=dict(roster.chains))


def _line(scenario: Scenario, key: str) -> int | None:
    return scenario.anchors.get(key)


def drill_windows(roster: LiveRoster, scenario: Scenario) -> list[LiveWindow]:
    """The live availability from now until the drill's length from now, moved onto the
    drill's clock: the drill starts as if the incident began when the roster was read."""
    shift: timedelta = scenario.start - roster.read_at
    end = roster.read_at + scenario.duration
    out = []
    for w in roster.availability:
        if w.ends_at <= roster.read_at or w.starts_at >= end:
            continue
        out.append(dataclasses.replace(w, starts_at=max(w.starts_at, roster.read_at) + shift,
                                       ends_at=w.ends_at + shift))
    return out
