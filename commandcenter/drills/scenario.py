"""The scenario file: a tabletop exercise as data (TOML; the format is a stable interface).

:func:`parse_scenario` checks the whole file and raises :class:`ScenarioErrors`
listing every problem at once, each with its line and field, before anything
is written anywhere. The README ("Drills") documents every key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path as Path_
from typing import Any

from commandcenter.domain.clock import parse_instant
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.incidents import Severity
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.domain.names import name_key
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus

from .durations import parse_offset
from .toml_lines import Path, key_lines, line_of

FORMAT = 1
INJECT_KINDS = ("metric", "snapshot", "mention", "availability", "outage", "message")
PATTERNS = ("steady", "drop", "step", "drift", "noise", "stale")
MEASURES = ("declared", "first_public_message", "published", "resolved", "replies")
DEFAULT_PASSPHRASE = "exercise-passphrase"
# The response figures a [benchmark] table may give reference times for.
FIGURES = ("declared", "first_public_message", "explanation", "resolved")


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field}: {self.message}"


class ScenarioErrors(InvalidInput):
    """Every problem in a file, in line order (exit 2)."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.field))
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} error(s)\n{lines}")
        self.result = {"file": source, "errors": [
            {"line": p.line, "field": p.field, "message": p.message} for p in self.problems]}


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    handle: str = ""
    timezone: str = "UTC"
    role: Role | None = None


@dataclass(frozen=True, slots=True)
class Inject:
    index: int
    at: timedelta
    kind: str
    # metric / snapshot
    series: str = ""
    pattern: str = ""
    value: float | None = None
    by: float | None = None  # drop: fraction lost (0.5 = 50 %); step: amount added
    to: float | None = None
    over: timedelta = timedelta(0)
    per_hour: float = 0.0
    sigma: float = 0.0
    profiles: int = 0
    mean: float = 0.0
    affected: float = 0.0
    factor: float = 1.0
    # mention
    channel: str = ""
    author: str = ""
    reach: int = 0
    text: str = ""
    link: str | None = None
    # availability / outage
    person: str = ""
    status: AvailabilityStatus | None = None
    until: timedelta | None = None
    reachable: bool = False
    note: str = ""
    recorded_by: str = ""

    def describe(self) -> str:
        k = self.kind
        if k == "metric":
            return f"{self.series}: {self.pattern}"
        if k == "snapshot":
            return (f"score snapshot, {self.profiles} profiles, {self.affected:.0%} "
                    f"multiplied by {self.factor:g}")
        if k == "mention":
            return f"mention on {self.channel} by {self.author} (reach {self.reach})"
        if k == "availability":
            assert self.status is not None
            return f"{self.person} {self.status.label}" + (" (reachable)" if self.reachable else "")
        if k == "outage":
            return f"{self.channel} unavailable"
        return f"facilitator: {self.text[:60]}"


@dataclass(frozen=True, slots=True)
class Objective:
    id: str
    description: str
    measure: str
    within: timedelta
    purpose: Purpose | None = None
    channel: Channel | None = None
    author: str = ""
    contains: tuple[str, ...] = ()
    count: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    briefing: str
    start: datetime
    duration: timedelta
    step: timedelta
    passphrase: str
    facilitator: str
    incident_title: str
    incident_severity: Severity
    incident_kind: str
    people: tuple[Person, ...]
    chains: dict[str, tuple[str, ...]]
    injects: tuple[Inject, ...]
    objectives: tuple[Objective, ...]
    seed: int = 2011
    benchmark: dict[str, timedelta] = field(default_factory=dict)
    # live_roster = true: people and chains come from the live database at run time;
    # every person the file names waits here, with its line and field, to be checked then.
    live_roster: bool = False
    references: tuple[Problem, ...] = ()
    anchors: dict[str, int | None] = field(default_factory=dict)  # a top key's line

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    def person(self, name: str) -> Person | None:
        key = name_key(name)
        return next((p for p in self.people if name_key(p.name) == key), None)


class _Reader:
    """Reads typed fields from tables, collecting problems instead of stopping."""

    def __init__(self, lines: dict[Path, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(Problem(line_of(self.lines, path), _dotted(path), message))

    def get(self, table: dict[str, Any], path: Path, key: str, kind: type | tuple[type, ...],
            default: Any = None, *, required: bool = False) -> Any:
        if key not in table:
            if required:
                self.fail(path, f"missing {key!r}" if path else f"missing key {key!r}")
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and kind is not bool:
            self.fail((*path, key), f"{value!r} is not a {_type_name(kind)}")
            return default
        if not isinstance(value, kind):
            self.fail((*path, key), f"{value!r} is not a {_type_name(kind)}")
            return default
        return value

    def offset(self, table: dict[str, Any], path: Path, key: str, *, required: bool = False,
               default: timedelta | None = None) -> timedelta | None:
        if key not in table:
            if required:
                self.fail(path, f"missing {key!r}")
            return default
        try:
            return parse_offset(table[key])
        except ValueError as exc:
            self.fail((*path, key), str(exc))
            return default

    def choice(self, table: dict[str, Any], path: Path, key: str, parse: Any, *,
               required: bool = False) -> Any:
        text = self.get(table, path, key, str, required=required)
        if text is None:
            return None
        try:
            return parse(text)
        except InvalidInput as exc:
            self.fail((*path, key), str(exc).split(": ", 1)[-1])
            return None

    def unknown(self, table: dict[str, Any], path: Path, known: set[str]) -> None:
        for key in table:
            if key not in known:
                self.fail((*path, key), f"unknown key {key!r}")


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "string", int: "whole number", float: "number", bool: "true or false",
             list: "list", dict: "table"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "file"


def read_text(path: Path_) -> str:
    """A scenario, actions or hot-wash file as text; a clear error (exit 2) if unreadable."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"file: {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"file: {path} is not UTF-8 text ({exc.reason})") from None


def load_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise ScenarioErrors(source, [Problem(line, "file", f"not valid TOML: {exc}")]) from None


def parse_scenario(text: str, source: str = "scenario") -> Scenario:
    doc = load_toml(text, source)
    r = _Reader(key_lines(text))
    top = {"format", "name", "briefing", "start", "duration", "step", "passphrase",
           "facilitator", "seed", "incident", "people", "chains", "injects", "objectives",
           "benchmark", "live_roster"}
    r.unknown(doc, (), top)
    fmt = r.get(doc, (), "format", int, FORMAT)
    if fmt != FORMAT:
        r.fail(("format",), f"format {fmt} is not supported (this version reads {FORMAT})")
    name = r.get(doc, (), "name", str, "", required=True)
    briefing = r.get(doc, (), "briefing", str, "")
    start = datetime(2000, 1, 1)
    start_text = r.get(doc, (), "start", str, required=True)
    if start_text is not None:
        try:
            start = parse_instant(start_text, "start")
        except InvalidInput:
            r.fail(("start",), f"{start_text!r} is not an ISO 8601 date-time such as "
                               "\"2026-03-02T08:30:00Z\"")
    duration = r.offset(doc, (), "duration", required=True, default=timedelta(hours=1))
    if duration is not None and duration <= timedelta(0):
        r.fail(("duration",), "must be longer than zero")
    step = r.offset(doc, (), "step", default=timedelta(minutes=1)) or timedelta(minutes=1)
    if step < timedelta(seconds=1):
        r.fail(("step",), "must be at least 1s")
    passphrase = r.get(doc, (), "passphrase", str, DEFAULT_PASSPHRASE)
    if len(passphrase) < 8:
        r.fail(("passphrase",), "needs at least 8 characters")
    seed = r.get(doc, (), "seed", int, 2011)

    live = r.get(doc, (), "live_roster", bool, False)
    references: list[Problem] = []
    if live:
        for key, what in (("people", "[[people]]"), ("chains", "[chains]")):
            if key in doc:
                line = line_of(r.lines, (key,)) or line_of(r.lines, (key, 0))
                r.problems.append(Problem(line, key, f"{what} and live_roster = true exclude "
                                          "each other: the drill uses the live roster's "
                                          "people and chains instead"))
    people = [] if live else _people(r, doc)
    names = {name_key(p.name) for p in people}

    def known(path: Path, who: str) -> None:
        if live and who:  # checked against the live roster when the drill is run
            references.append(Problem(line_of(r.lines, path), _dotted(path), who))
        elif who and name_key(who) not in names:
            r.fail(path, f"unknown person {who!r} (not in [[people]])")

    facilitator = r.get(doc, (), "facilitator", str, "", required=True)
    if facilitator and not live:
        known(("facilitator",), facilitator)
        p = next((p for p in people if name_key(p.name) == name_key(facilitator)), None)
        if p is not None and p.role is not Role.FACILITATOR:
            r.fail(("facilitator",), f"{facilitator} must have role = \"facilitator\"")
    if people and not any(p.role is Role.COMMANDER for p in people):
        r.fail(("people",), "the exercise needs at least one commander")

    inc = r.get(doc, (), "incident", dict, {}, required=True) or {}
    r.unknown(inc, ("incident",), {"title", "severity", "kind"})
    title = r.get(inc, ("incident",), "title", str, "", required=bool(inc))
    severity = r.choice(inc, ("incident",), "severity", Severity.parse) or Severity.SEV2
    kind = r.get(inc, ("incident",), "kind", str, "scoring")

    chains = {} if live else _chains(r, doc, known)
    total = duration or timedelta(hours=1)
    injects = _injects(r, doc, total, known, people)
    objectives = _objectives(r, doc, known, injects)
    bench = {}
    for key, value in (r.get(doc, (), "benchmark", dict, {}) or {}).items():
        if key not in FIGURES:
            r.fail(("benchmark", key), f"unknown figure {key!r} (one of {', '.join(FIGURES)})")
            continue
        try:
            bench[key] = parse_offset(value)
        except ValueError as exc:
            r.fail(("benchmark", key), str(exc))
    if r.problems:
        raise ScenarioErrors(source, r.problems)
    return Scenario(name, briefing.strip(), start, total, step, passphrase, facilitator, title,
                    severity, kind, tuple(people), chains, tuple(injects), tuple(objectives),
                    seed, bench, live, tuple(references),
                    {k: line_of(r.lines, (k,)) for k in ("facilitator", "live_roster")})


def _people(r: _Reader, doc: dict[str, Any]) -> list[Person]:  # an own roster
    rows = r.get(doc, (), "people", list, [], required=True) or []
    out: list[Person] = []
    seen: set[str] = set()
    keys = {"name", "title", "email", "phone", "handle", "timezone", "role"}
    for i, row in enumerate(rows):
        path: Path = ("people", i)
        if not isinstance(row, dict):
            r.fail(path, "each person is a [[people]] table")
            continue
        r.unknown(row, path, keys)
        name = r.get(row, path, "name", str, "", required=True).strip()
        if name and name_key(name) in seen:
            r.fail((*path, "name"), f"{name!r} appears twice")
        seen.add(name_key(name))
        role = r.choice(row, path, "role", Role.parse)
        tz = r.get(row, path, "timezone", str, "UTC")
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except Exception:
            r.fail((*path, "timezone"), f"{tz!r} is not a time zone such as \"Europe/Berlin\"")
        if name:
            out.append(Person(name, r.get(row, path, "title", str, ""),
                              r.get(row, path, "email", str, ""),
                              r.get(row, path, "phone", str, ""),
                              r.get(row, path, "handle", str, ""), tz, role))
    return out


def _chains(r: _Reader, doc: dict[str, Any], known: Any) -> dict[str, tuple[str, ...]]:
    table = r.get(doc, (), "chains", dict, {}, required=True) or {}
    out: dict[str, tuple[str, ...]] = {}
    for chain, members in table.items():
        path: Path = ("chains", chain)
        if not isinstance(members, list) or not members or not all(
                isinstance(m, str) for m in members):
            r.fail(path, "a chain is a non-empty list of names")
            continue
        for m in members:
            known(path, m)
        out[" ".join(chain.split()).lower()] = tuple(members)
    if table and "communications" not in out:
        r.fail(("chains",), "needs a \"communications\" chain (its owner approves messages)")
    return out


_INJECT_KEYS: dict[str, set[str]] = {
    "metric": {"series", "pattern", "value", "by", "to", "over", "per_hour", "sigma"},
    "snapshot": {"profiles", "mean", "affected", "factor"},
    "mention": {"channel", "author", "reach", "text", "link"},
    "availability": {"person", "status", "until", "reachable", "note", "recorded_by"},
    "outage": {"channel", "until"},
    "message": {"text"},
}


def _fraction(r: _Reader, row: dict[str, Any], path: Path, key: str) -> float | None:
    value = row.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100.0
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    r.fail((*path, key), f"{value!r} is not a number or a percentage such as \"50%\"")
    return None


def _injects(r: _Reader, doc: dict[str, Any], duration: timedelta, known: Any,
             people: list[Person]) -> list[Inject]:
    rows = r.get(doc, (), "injects", list, []) or []
    out: list[Inject] = []
    for i, row in enumerate(rows):
        path: Path = ("injects", i)
        if not isinstance(row, dict):
            r.fail(path, "each inject is an [[injects]] table")
            continue
        kind = r.get(row, path, "kind", str, "", required=True)
        if kind and kind not in INJECT_KINDS:
            r.fail((*path, "kind"), f"unknown inject kind {kind!r} (one of "
                                    f"{', '.join(INJECT_KINDS)})")
            continue
        at = r.offset(row, path, "at", required=True)
        if at is not None and at > duration:
            r.fail((*path, "at"), "after the end of the drill (duration)")
        if not kind or at is None:
            continue
        r.unknown(row, path, {"at", "kind"} | _INJECT_KEYS[kind])
        fields: dict[str, Any] = {}
        if kind == "metric":
            fields = _metric(r, row, path)
        elif kind == "snapshot":
            fields = {"profiles": r.get(row, path, "profiles", int, 20_000),
                      "mean": r.get(row, path, "mean", float, 42.0),
                      "affected": _fraction(r, row, path, "affected") or 0.0,
                      "factor": r.get(row, path, "factor", float, 1.0)}
            if not 100 <= fields["profiles"] <= 2_000_000:
                r.fail((*path, "profiles"), "between 100 and 2,000,000")
            if not 0.0 <= fields["affected"] <= 1.0:
                r.fail((*path, "affected"), "a share between 0 and 100%")
        elif kind == "mention":
            channel = r.choice(row, path, "channel", Channel.parse, required=True)
            fields = {"channel": channel.value if channel else "",
                      "author": r.get(row, path, "author", str, "", required=True),
                      "reach": r.get(row, path, "reach", int, 0),
                      "text": r.get(row, path, "text", str, "", required=True),
                      "link": r.get(row, path, "link", str)}
            if fields["reach"] < 0:
                r.fail((*path, "reach"), "must not be negative")
        elif kind == "availability":
            who = r.get(row, path, "person", str, "", required=True)
            known((*path, "person"), who)
            by = r.get(row, path, "recorded_by", str, "")
            known((*path, "recorded_by"), by)
            recorder = next((p for p in people if name_key(p.name) == name_key(by or who)),
                            None)
            if recorder is not None and recorder.role in (None, Role.OBSERVER) and not by:
                r.fail((*path, "recorded_by"), f"{who} is not an operator who can record "
                       "their own availability; name a commander in recorded_by")
            fields = {"person": who, "recorded_by": by,
                      "status": r.choice(row, path, "status", AvailabilityStatus.parse,
                                         required=True),
                      "until": r.offset(row, path, "until", required=True),
                      "reachable": r.get(row, path, "reachable", bool, False),
                      "note": r.get(row, path, "note", str, "")}
        elif kind == "outage":
            channel = r.choice(row, path, "channel", Channel.parse, required=True)
            fields = {"channel": channel.value if channel else "",
                      "until": r.offset(row, path, "until", required=True)}
        elif kind == "message":
            fields = {"text": r.get(row, path, "text", str, "", required=True)}
        until = fields.get("until")
        if until is not None and until <= at:
            r.fail((*path, "until"), "must come after 'at'")
        out.append(Inject(i, at, kind, **fields))
    out.sort(key=lambda j: (j.at, j.index))
    return out


def _metric(r: _Reader, row: dict[str, Any], path: Path) -> dict[str, Any]:
    series = r.get(row, path, "series", str, "", required=True)
    pattern = r.get(row, path, "pattern", str, "", required=True)
    if pattern and pattern not in PATTERNS:
        r.fail((*path, "pattern"), f"unknown pattern {pattern!r} (one of {', '.join(PATTERNS)})")
    f: dict[str, Any] = {"series": series, "pattern": pattern,
                         "value": r.get(row, path, "value", float),
                         "sigma": r.get(row, path, "sigma", float, 0.0)}
    if pattern == "steady" and f["value"] is None:
        r.fail(path, "a steady pattern needs 'value'")
    if pattern == "drop":
        f["by"] = _fraction(r, row, path, "by")
        if f["by"] is None:
            r.fail(path, "a drop needs 'by' (\"50%\")")
        elif not 0.0 < f["by"] <= 1.0:
            r.fail((*path, "by"), "a drop is between 0 and 100%")
        f["over"] = r.offset(row, path, "over", default=timedelta(0))
    if pattern == "step":
        f["to"] = r.get(row, path, "to", float)
        f["by"] = r.get(row, path, "by", float)
        if f["to"] is None and f["by"] is None:
            r.fail(path, "a step needs 'to' (new level) or 'by' (amount added)")
    if pattern == "drift":
        f["per_hour"] = r.get(row, path, "per_hour", float, required=True) or 0.0
    if pattern == "noise" and not f["sigma"]:
        r.fail(path, "a noise pattern needs 'sigma'")
    if f["sigma"] < 0:
        r.fail((*path, "sigma"), "must not be negative")
    return f


def _objectives(r: _Reader, doc: dict[str, Any], known: Any,
                injects: list[Inject]) -> list[Objective]:
    rows = r.get(doc, (), "objectives", list, []) or []
    out: list[Objective] = []
    ids: set[str] = set()
    mentions = sum(1 for j in injects if j.kind == "mention")
    keys = {"id", "description", "measure", "within", "purpose", "channel", "author",
            "contains", "count"}
    for i, row in enumerate(rows):
        path: Path = ("objectives", i)
        if not isinstance(row, dict):
            r.fail(path, "each objective is an [[objectives]] table")
            continue
        r.unknown(row, path, keys)
        oid = r.get(row, path, "id", str, "", required=True)
        if oid in ids:
            r.fail((*path, "id"), f"{oid!r} appears twice")
        ids.add(oid)
        measure = r.get(row, path, "measure", str, "", required=True)
        if measure and measure not in MEASURES:
            r.fail((*path, "measure"), f"objective cannot be measured: {measure!r} is not one "
                                       f"of {', '.join(MEASURES)}")
        within = r.offset(row, path, "within", required=True)
        purpose = r.choice(row, path, "purpose", Purpose.parse)
        channel = r.choice(row, path, "channel", Channel.parse)
        author = r.get(row, path, "author", str, "")
        known((*path, "author"), author)
        contains = r.get(row, path, "contains", list, []) or []
        if not all(isinstance(c, str) and c.strip() for c in contains):
            r.fail((*path, "contains"), "a list of phrases")
            contains = []
        count = r.get(row, path, "count", int, 0)
        if measure == "published" and not (purpose or channel or author or contains):
            r.fail(path, "objective cannot be measured: a 'published' objective needs "
                         "purpose, channel, author or contains")
        if measure == "replies":
            if count <= 0:
                r.fail(path, "objective cannot be measured: 'replies' needs count >= 1")
            elif count > mentions:
                r.fail((*path, "count"), f"objective cannot be measured: {count} replies "
                       f"asked for, but the scenario injects {mentions} mentions")
        if oid and measure in MEASURES and within is not None:
            out.append(Objective(oid, r.get(row, path, "description", str, oid), measure,
                                 within, purpose, channel, author,
                                 tuple(c.strip() for c in contains), count))
    if not rows:
        r.fail(("objectives",), "a drill needs at least one [[objectives]]")
    return out
