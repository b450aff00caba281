"""Scripted player actions for headless drills: a TOML list of offset, who, what.

Checked against the scenario before the run starts (unknown person, unknown
message reference, unknown mention author), every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from commandcenter.domain.compose import TemplateKey
from commandcenter.domain.incidents import IncidentStatus
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.domain.names import name_key

from .scenario import Scenario, ScenarioErrors, _Reader, load_toml
from .toml_lines import Path, key_lines

# A drill draft from a template goes to this channel unless the action names one
# (templates have words for several channels; these are where each is usually posted).
TEMPLATE_CHANNEL = {
    TemplateKey.HOLDING: Channel.STATUS_PAGE,
    TemplateKey.ACKNOWLEDGEMENT: Channel.X,
    TemplateKey.UPDATE: Channel.STATUS_PAGE,
    TemplateKey.APOLOGY: Channel.BLOG,
    TemplateKey.RESOLUTION: Channel.STATUS_PAGE,
    TemplateKey.ADVANCE_NOTICE: Channel.BLOG,
}

VERBS = ("declare", "note", "decision", "status", "draft", "edit", "submit", "approve",
         "reject", "publish", "reply", "delegate", "commit", "keep")
_KEYS: dict[str, set[str]] = {
    "declare": set(), "note": {"text"}, "decision": {"text"}, "status": {"status", "text"},
    "draft": {"ref", "channel", "purpose", "body", "title", "template", "facts"},
    "edit": {"message", "body", "title"}, "submit": {"message"}, "approve": {"message"},
    "reject": {"message", "reason"}, "publish": {"message"},
    "reply": {"ref", "mention", "body"}, "delegate": {"chain", "to", "until", "reason"},
    "commit": {"ref", "text", "due", "message"}, "keep": {"commitment", "message"},
}


@dataclass(frozen=True, slots=True)
class Action:
    index: int
    at: timedelta
    who: str
    do: str
    text: str = ""
    status: IncidentStatus | None = None
    ref: str = ""
    message: str = ""
    channel: Channel | None = None
    purpose: Purpose | None = None
    body: str = ""
    title: str | None = None
    template: TemplateKey | None = None
    facts: tuple[tuple[str, str], ...] = ()  # a template's placeholders, filled in
    mention: str = ""
    chain: str = ""
    to: str = ""
    until: timedelta | None = None

    def describe(self) -> str:
        what = self.ref or self.message or self.mention or self.status or self.to or ""
        return f"{self.who}: {self.do}" + (f" {what}" if what else "")


def parse_actions(text: str, scenario: Scenario, source: str = "actions") -> list[Action]:
    doc = load_toml(text, source)
    r = _Reader(key_lines(text))
    r.unknown(doc, (), {"scenario", "actions"})
    named = r.get(doc, (), "scenario", str, "")
    if named and named.strip().lower() != scenario.name.strip().lower():
        r.fail(("scenario",), f"written for {named!r}, not for {scenario.name!r}")
    rows = r.get(doc, (), "actions", list, [], required=True) or []
    refs: set[str] = set()
    promises: set[str] = set()
    authors = {name_key(j.author) for j in scenario.injects if j.kind == "mention"}
    out: list[Action] = []
    cast = "the live roster" if scenario.live_roster else "the scenario's people"
    for i, row in enumerate(rows):
        path: Path = ("actions", i)
        if not isinstance(row, dict):
            r.fail(path, "each action is an [[actions]] table")
            continue
        at = r.offset(row, path, "at", required=True)
        if at is not None and at > scenario.duration:
            r.fail((*path, "at"), "after the end of the drill (the scenario's duration)")
        who = r.get(row, path, "who", str, "", required=True)
        if who and scenario.person(who) is None:
            r.fail((*path, "who"), f"unknown person {who!r} (not in {cast})")
        do = r.get(row, path, "do", str, "", required=True)
        if do and do not in VERBS:
            r.fail((*path, "do"), f"unknown action {do!r} (one of {', '.join(VERBS)})")
            continue
        if not do or at is None:
            continue
        r.unknown(row, path, {"at", "who", "do"} | _KEYS[do])
        f = _fields(r, row, path, do)
        ref = f.get("ref", "")
        if do in ("draft", "reply"):
            if not ref:
                r.fail(path, f"a {do} needs 'ref', the name later actions use for the message")
            elif ref in refs:
                r.fail((*path, "ref"), f"{ref!r} is used twice")
            refs.add(ref)
        if do == "commit":
            if not ref:
                r.fail(path, "a commit needs 'ref', the name a later keep uses")
            elif ref in promises:
                r.fail((*path, "ref"), f"{ref!r} is used twice")
            promises.add(ref)
        if do == "keep" and f.get("ref") and f["ref"] not in promises:
            r.fail((*path, "commitment"), f"no earlier commit has ref {f['ref']!r}")
        message = f.get("message", "")
        if do in ("commit", "keep") and message and message not in refs:
            r.fail((*path, "message"), f"no earlier draft or reply has ref {message!r}")
        if do in ("edit", "submit", "approve", "reject", "publish"):
            if not message:
                r.fail(path, f"{do} needs 'message' (the ref of a draft or reply)")
            elif message not in refs:
                r.fail((*path, "message"), f"no earlier draft or reply has ref {message!r}")
        if do == "reply" and f.get("mention") and name_key(f["mention"]) not in authors:
            r.fail((*path, "mention"), f"no injected mention by {f['mention']!r}")
        if do == "delegate" and f.get("to") and scenario.person(f["to"]) is None:
            r.fail((*path, "to"), f"unknown person {f['to']!r}")
        out.append(Action(i, at, who, do, **f))
    if r.problems:
        raise ScenarioErrors(source, r.problems)
    out.sort(key=lambda a: (a.at, a.index))
    return out


def _fields(r: _Reader, row: dict[str, Any], path: Path, do: str) -> dict[str, Any]:
    f: dict[str, Any] = {}
    if do in ("note", "decision"):
        f["text"] = r.get(row, path, "text", str, "", required=True)
    if do == "status":
        f["status"] = r.choice(row, path, "status", IncidentStatus.parse, required=True)
        f["text"] = r.get(row, path, "text", str, "")
    if do in ("draft", "reply"):
        f["ref"] = r.get(row, path, "ref", str, "")
    if do == "draft":
        template = None
        key = r.get(row, path, "template", str)
        if key is not None:
            try:
                template = TemplateKey(key)
            except ValueError:
                r.fail((*path, "template"), f"unknown template {key!r} (one of "
                       f"{', '.join(t.value for t in TemplateKey)})")
        f["template"] = template
        facts = r.get(row, path, "facts", dict, {}) or {}
        for name, value in facts.items():
            if not isinstance(value, str):
                r.fail((*path, "facts", name), f"{value!r} is not a string")
        f["facts"] = tuple(sorted((k, v) for k, v in facts.items() if isinstance(v, str)))
        f["channel"] = r.choice(row, path, "channel", Channel.parse) or (
            TEMPLATE_CHANNEL.get(template) if template else None)
        f["purpose"] = r.choice(row, path, "purpose", Purpose.parse) or (
            Purpose(template.value) if template else Purpose.OTHER)
        f["body"] = r.get(row, path, "body", str, "")
        f["title"] = r.get(row, path, "title", str)
        if f["channel"] is None:
            r.fail(path, "a draft needs 'channel' (or a template)")
        if not f["body"] and template is None:
            r.fail(path, "a draft needs 'body' (or a template)")
    if do == "edit":
        f["body"] = r.get(row, path, "body", str, "", required=True)
        f["title"] = r.get(row, path, "title", str)
    if do in ("edit", "submit", "approve", "reject", "publish"):
        f["message"] = r.get(row, path, "message", str, "")
    if do == "reject":
        f["text"] = r.get(row, path, "reason", str, "", required=True)
    if do == "reply":
        f["mention"] = r.get(row, path, "mention", str, "", required=True)
        f["body"] = r.get(row, path, "body", str, "", required=True)
    if do == "commit":
        f["ref"] = r.get(row, path, "ref", str, "")
        f["text"] = r.get(row, path, "text", str, "", required=True)
        f["until"] = r.offset(row, path, "due", required=True)
        f["message"] = r.get(row, path, "message", str, "")
    if do == "keep":
        f["ref"] = r.get(row, path, "commitment", str, "", required=True)
        f["message"] = r.get(row, path, "message", str, "")
    if do == "delegate":
        f["chain"] = r.get(row, path, "chain", str, "communications")
        f["to"] = r.get(row, path, "to", str, "", required=True)
        f["until"] = r.offset(row, path, "until", required=True)
        f["text"] = r.get(row, path, "reason", str, "")
    return f


__all__ = ["VERBS", "Action", "parse_actions"]
