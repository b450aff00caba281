"""Message templates, placeholders and the crisis-plan checklist that guide the composer."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from commandcenter.domain.messages import LIMITS, Channel, Purpose, exercise_body, measured_length


class TemplateKey(StrEnum):
    HOLDING = "holding"
    ACKNOWLEDGEMENT = "acknowledgement"
    UPDATE = "update"
    APOLOGY = "explanation"
    RESOLUTION = "resolution"
    ADVANCE_NOTICE = "advance_notice"


@dataclass(frozen=True, slots=True)
class Template:
    key: TemplateKey
    label: str
    purpose: Purpose
    channel: Channel
    title: str
    body: str


TEMPLATES: tuple[Template, ...] = (
    Template(TemplateKey.HOLDING, "Holding statement", Purpose.HOLDING, Channel.STATUS_PAGE,
             "Investigating: {title}",
             "We are aware that some scores look wrong since {detected} and we are "
             "investigating now. Your data is safe. Next update by {next_update}."),
    Template(TemplateKey.ACKNOWLEDGEMENT, "Acknowledgement", Purpose.ACKNOWLEDGEMENT, Channel.X,
             "",
             "We know many of you are seeing lower scores today. That is our fault, and we "
             "are sorry. We are working on a fix now. Next update by {next_update}."),
    Template(TemplateKey.UPDATE, "Update", Purpose.UPDATE, Channel.STATUS_PAGE,
             "Update: {title}",
             "Update on {title}: we have found the cause and we are restoring the affected "
             "scores. We apologise for the confusion. Next update by {next_update}."),
    Template(TemplateKey.APOLOGY, "Explanation and apology", Purpose.EXPLANATION, Channel.BLOG,
             "What happened to your score, and what we are doing about it",
             "Since {detected}, many of you saw your score drop sharply. We are aware this "
             "caused real worry, and we are sorry.\n\n"
             "What happened: {title}. The scoring algorithm did not change; a fault in our "
             "data pipeline did.\n\n"
             "What we are doing: we are restoring every affected score from the last good "
             "batch and adding checks so this cannot pass unnoticed again.\n\n"
             "We will post the next update by {next_update}."),
    Template(TemplateKey.RESOLUTION, "Resolution", Purpose.RESOLUTION, Channel.STATUS_PAGE,
             "Resolved: {title}",
             "Resolved: {title}. We have restored all affected scores and are monitoring. "
             "We are sorry for the trouble. We will publish a full review by {next_update}."),
    Template(TemplateKey.ADVANCE_NOTICE, "Advance notice of a change", Purpose.ADVANCE_NOTICE,
             Channel.BLOG, "A change to how scores are calculated",
             "We want you to hear it from us first: on {change_date} we will change how "
             "scores are calculated. Some scores will move. We will explain what changes "
             "and why, and we will answer your questions. Next update by {next_update}."),
)

TEMPLATE_BY_KEY = {t.key: t for t in TEMPLATES}

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
        "change_date": (now + timedelta(days=14)).strftime("%d %B %Y"),
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
        r"\b(we are aware|we're aware|aware (of|that)|we know|we have (seen|noticed|found)|"
        r"acknowledge|noticed|investigating|our fault|we made a mistake|resolved)\b", re.I)),
    ("apologises", "Apologises", re.compile(r"\b(sorry|apologi[sz]e\w*|apolog(y|ies))\b", re.I)),
    ("doing", "Says what we are doing", re.compile(
        r"\b(investigating|working on|fixing|fix|restor\w+|roll\w* back|reprocess\w*|"
        r"recalculat\w+|monitoring|looking into|deploy\w*|will change)\b", re.I)),
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
