"""Test data: a small fictional scoring company, written through the services.

Independent of the demo loader, so the UI tests do not break when the demo's
story changes; the simulated clock makes every time predictable.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus, ContactFields
from commandcenter.domain.timeline import EntryKind
from commandcenter.services.authority import Credentials
from commandcenter.services.roster import set_up_company

if TYPE_CHECKING:
    from commandcenter.app import Services

PASSPHRASE = "demo-passphrase"

CONTACTS = (
    ("Maya Lindqvist", "Chief Executive Officer", "America/Los_Angeles", Role.COMMANDER),
    ("Priya Raman", "Head of Communications", "America/Los_Angeles", Role.SPOKESPERSON),
    ("Tom Becker", "Community Manager", "America/New_York", Role.SPOKESPERSON),
    ("Alex Moreau", "Head of Engineering", "Europe/Paris", Role.COMMANDER),
    ("Sam Whitfield", "On-call SRE", "Europe/London", Role.COMMANDER),
    ("Lena Fischer", "Data Scientist, scoring", "Europe/Berlin", None),
    ("Hiro Tanaka", "Scoring Pipeline Lead", "Asia/Tokyo", None),
    ("Grace Adeyemi", "Legal Counsel", "America/Chicago", None),
    ("Omar Haddad", "Support Lead", "America/New_York", Role.SPOKESPERSON),
    ("Chloe Martin", "Influencer Relations (trusted adviser)", "Europe/London", None),
    ("Ravi Kapoor", "Investor Relations", "Asia/Kolkata", Role.OBSERVER),
    ("Nina Sorensen", "Exercise Facilitator", "Europe/Copenhagen", Role.FACILITATOR),
)


def load_sample(services: Services) -> None:
    roster, incidents, messages = services.roster, services.incidents, services.messages
    now = services.ctx.clock.now()
    contacts = [ContactFields(name, title, name.lower().replace(" ", ".") + "@scorely.example",
                              "", "@" + name.split()[0].lower(), tz)
                for name, title, tz, _role in CONTACTS]
    set_up_company(roster, contacts,
                   {"communications": ["Maya Lindqvist", "Priya Raman", "Omar Haddad"],
                    "incident command": ["Alex Moreau", "Sam Whitfield", "Hiro Tanaka"]},
                   [(name, role, PASSPHRASE) for name, _t, _z, role in CONTACTS if role])
    by = Credentials("Alex Moreau", PASSPHRASE)  # a commander outside communications
    roster.set_availability("Maya Lindqvist", AvailabilityStatus.TRAVELLING,
                            now - timedelta(hours=2), now + timedelta(hours=5),
                            note="flight SFO to JFK, no wifi", by=by)
    roster.set_availability("Hiro Tanaka", AvailabilityStatus.OFF_SHIFT,
                            now - timedelta(hours=6), now + timedelta(hours=3), by=by)
    roster.set_availability("Chloe Martin", AvailabilityStatus.VACATION,
                            now - timedelta(days=3), now + timedelta(days=4), reachable=True,
                            note="reachable by phone", by=by)
    roster.set_availability("Priya Raman", AvailabilityStatus.UNAVAILABLE,
                            now + timedelta(hours=2), now + timedelta(hours=3),
                            note="dentist", by=by)

    past = incidents.open("Stale batch served: scores frozen for 6 hours", Severity.SEV3,
                          "Alex Moreau", detected_at=now - timedelta(days=6))
    incidents.add_entry(past.id, "Batch 2207 stuck in the publish step; re-running.",
                        "Sam Whitfield")
    m = messages.draft(past.id, Channel.STATUS_PAGE,
                       "We are aware scores have not updated since this morning and we are "
                       "re-running the batch now. We are sorry for the delay. Next update by "
                       "the top of the hour.", "Tom Becker", title="Scores not updating",
                       purpose=Purpose.ACKNOWLEDGEMENT)
    messages.submit(m.id, "Tom Becker")
    messages.approve(m.id, "Priya Raman", PASSPHRASE)
    messages.publish(m.id, "Tom Becker")
    incidents.change_status(past.id, IncidentStatus.RESOLVED, "Alex Moreau")
    incidents.change_status(past.id, IncidentStatus.CLOSED, "Alex Moreau")

    current = incidents.open("Scores halved overnight for 38% of profiles", Severity.SEV1,
                             "Alex Moreau", detected_at=now - timedelta(minutes=52),
                             evidence="Detector: mean score -47% vs last good batch; "
                                      "share of profiles down >20%: 38%")
    for text, kind in (
        ("Users on Facebook and X report halved scores; first posts 08:12 local.",
         EntryKind.NOTE),
        ("Algorithm unchanged since last release; suspect the overnight ingest join.",
         EntryKind.NOTE),
        ("Freeze score publication until the batch is verified.", EntryKind.DECISION),
        ("Lena: 38% of profiles lost more than 20%, all from the EU shard.", EntryKind.NOTE),
    ):
        incidents.add_entry(current.id, text, "Alex Moreau", kind=kind)
    holding = messages.draft(
        current.id, Channel.X,
        "We know many of you are seeing lower scores today. That is our fault and we are "
        "sorry. We are fixing it now. Next update by 10:30 UTC.", "Tom Becker",
        purpose=Purpose.ACKNOWLEDGEMENT)
    messages.submit(holding.id, "Tom Becker")
