"""Message templates, placeholders and the crisis-plan checklist that guide the composer."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.messages import LIMITS, Channel, Purpose, exercise_body, measured_length


class TemplateKey(StrEnum):
    """The shipped templates' keys (a team may add more files with keys of its own)."""

    HOLDING = "holding"
    ACKNOWLEDGEMENT = "acknowledgement"
    UPDATE = "update"
    APOLOGY = "explanation"
    RESOLUTION = "resolution"
    ADVANCE_NOTICE = "advance_notice"


# Channels whose posts carry a title; elsewhere the composer has no title field.
TITLED_CHANNELS = frozenset({Channel.BLOG, Channel.EMAIL, Channel.STATUS_PAGE})
# Filled in by the composer; every other placeholder asks the author for a fact.
AUTO_PLACEHOLDERS = frozenset({"title", "severity", "status", "detected", "next_update"})


def has_title(channel: Channel) -> bool:
    return channel in TITLED_CHANNELS


@dataclass(frozen=True, slots=True)
class TemplateText:
    """One template's words for one channel."""

    channel: Channel
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    label: str
    purpose: Purpose
    texts: tuple[TemplateText, ...]
    order: int = 100
    source: str = ""

    @property
    def channels(self) -> tuple[Channel, ...]:
        return tuple(t.channel for t in self.texts)

    def for_channel(self, channel: Channel) -> TemplateText | None:
        return next((t for t in self.texts if t.channel is channel), None)


_TEMPLATE_KEYS = {"label", "purpose", "order"}
_TEXT_KEYS = {"title", "body"}


def _stray_brace(text: str) -> bool:
    return "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text)


def parse_template(source: str, key: str, data: dict[str, object]) -> Template:
    """One template file's content (already parsed TOML), checked field by field.

    Errors name the file and the field: ``holding.toml: x.title: ...``.
    """

    def bad(field: str, problem: str) -> InvalidInput:
        return InvalidInput(f"{source}: {field}: {problem}")

    if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise bad("file name", "use lower-case letters, digits and _ (the name is the key)")
    label = data.get("label")
    if not isinstance(label, str) or not label.strip():
        raise bad("label", "missing; give the name shown in the template list")
    raw_purpose = data.get("purpose")
    try:
        purpose = Purpose(raw_purpose)
    except ValueError:
        raise bad("purpose", f"{raw_purpose!r} is not one of "
                  + ", ".join(p.value for p in Purpose)) from None
    order = data.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise bad("order", "must be a whole number")
    texts: list[TemplateText] = []
    for name, value in data.items():
        if name in _TEMPLATE_KEYS:
            continue
        try:
            channel = Channel(name)
        except ValueError:
            raise bad(name, "neither a template key (label, purpose, order) nor a channel ("
                      + ", ".join(c.value for c in Channel) + ")") from None
        if not isinstance(value, dict):
            raise bad(name, "must be a table: [" + name + "] with body = ...")
        for field in value:
            if field not in _TEXT_KEYS:
                raise bad(f"{name}.{field}", "unknown field (a channel has title and body)")
        body = value.get("body")
        if not isinstance(body, str) or not body.strip():
            raise bad(f"{name}.body", "missing or empty")
        title = value.get("title", "")
        if not isinstance(title, str):
            raise bad(f"{name}.title", "must be text")
        if title and not has_title(channel):
            raise bad(f"{name}.title", f"the {channel.value} channel has no titles")
        for field, text in (("title", title), ("body", body)):
            if _stray_brace(text):
                raise bad(f"{name}.{field}", "a { or } that is not part of a {placeholder}")
        sample = fill(body.strip(), {p: "00:00 UTC" for p in AUTO_PLACEHOLDERS})
        if measured_length(channel, sample) > LIMITS[channel]:
            raise bad(f"{name}.body", f"longer than the {channel.value} limit of "
                      f"{LIMITS[channel]}")
        texts.append(TemplateText(channel, title.strip(), body.strip()))
    if not texts:
        raise bad("channels", "no channel: add at least one table such as [x] body = ...")
    return Template(key, label.strip(), purpose, tuple(texts), order, source)


def templates_for(templates: tuple[Template, ...] | list[Template],
                  channel: Channel) -> list[Template]:
    """The templates that have words for ``channel``, in list order."""
    return sorted((t for t in templates if t.for_channel(channel) is not None),
                  key=lambda t: (t.order, t.label))


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def next_update_time(now: datetime, minutes: int = 60) -> datetime:
    """``minutes`` from now, rounded up to the next quarter hour."""
    t = now + timedelta(minutes=minutes)
    spare = (15 - t.minute % 15) % 15
    return (t + timedelta(minutes=spare)).replace(second=0, microsecond=0)


def format_public_time(t: datetime) -> str:
    """A time readers anywhere can place: ``14:30 UTC``."""
    from datetime import UTC

    return t.astimezone(UTC).strftime("%H:%M UTC")


def placeholders(*, title: str, severity: str, status: str, detected_at: datetime,
                 now: datetime) -> dict[str, str]:
    return {
        "title": title,
        "severity": severity,
        "status": status,
        "detected": format_public_time(detected_at),
        "next_update": format_public_time(next_update_time(now)),
    }


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}``; unknown placeholders stay visible so the author sees them."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def unfilled(text: str) -> list[str]:
    return _PLACEHOLDER.findall(text)


@dataclass(frozen=True, slots=True)
class CheckItem:
    key: str
    label: str
    satisfied: bool


_CHECKS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("acknowledges", "Acknowledges the problem", re.compile(
        r"\b(we are aware|we're aware|aware (of|that)|we know|"
        r"we have (seen|noticed|found|confirmed)|acknowledge|noticed|investigating|"
        r"our fault|we made a mistake|resolved)\b", re.I)),
    ("apologises", "Apologises", re.compile(r"\b(sorry|apologi[sz]e\w*|apolog(y|ies))\b", re.I)),
    ("doing", "Says what we are doing", re.compile(
        r"\b(investigating|working on|fixing|fix|restor\w+|roll\w* back|reprocess\w*|"
        r"recalculat\w+|monitoring|looking into|deploy\w*|will change|what we are doing)\b",
        re.I)),
    ("next_update", "Says when the next update comes", re.compile(
        r"\b(next update|update (you )?(by|at|within)|by \d{1,2}[:.]\d{2}|"
        r"within \d+ (minutes|hours)|full review by)\b", re.I)),
)


def checklist(text: str) -> list[CheckItem]:
    """The crisis plan's four points, each ticked when the text appears to cover it."""
    return [CheckItem(key, label, bool(rx.search(text))) for key, label, rx in _CHECKS]


@dataclass(frozen=True, slots=True)
class LengthStatus:
    length: int
    limit: int
    unit: str

    @property
    def over(self) -> bool:
        return self.length > self.limit

    def describe(self) -> str:
        return f"{self.length} / {self.limit} {self.unit}"


def length_status(channel: Channel, body: str, *, drill: bool = False) -> LengthStatus:
    """Length as the service will measure it (drill bodies gain the EXERCISE prefix)."""
    text = body.strip()
    if drill and text:
        text = exercise_body(text)
    unit = "weighted characters" if channel is Channel.X else "characters"
    return LengthStatus(measured_length(channel, text), LIMITS[channel], unit)


def revision_diff_html(old: str, new: str) -> str:
    """Word-level diff: removed words struck through, added words underlined."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append('<s style="color:#c0392b">' + html.escape("".join(a[i1:i2])) + "</s>")
        if op in ("insert", "replace"):
            out.append('<u style="color:#1e8449">' + html.escape("".join(b[j1:j2])) + "</u>")
    return "".join(out).replace("\n", "<br>")
