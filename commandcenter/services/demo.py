"""The demo company: Reputon, a fictional influence-score service, in the middle of a bad day.

Everything is written through the services (so the audit log and timelines
are real) with a simulated clock walking through the past incident.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np

from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus, ContactFields
from commandcenter.domain.timeline import EntryKind

from .authority import Credentials
from .incidents import IncidentService
from .messages import MessageService
from .roster import RosterService, set_up_company

DEMO_PASSPHRASE = "demo-passphrase"

PEOPLE = [
    # name, title, email, phone, handle, timezone, role
    ("Maya Okafor", "Chief Executive Officer", "maya@reputon.example", "+1 415 555 0101",
     "@mayaok", "America/Los_Angeles", Role.COMMANDER),
    ("Daniel Reyes", "VP Communications", "daniel@reputon.example", "+1 415 555 0102",
     "@dreyes", "America/New_York", Role.SPOKESPERSON),
    ("Priya Nair", "Head of Community", "priya@reputon.example", "+44 20 7946 0103",
     "@priyan", "Europe/London", Role.SPOKESPERSON),
    ("Tom Becker", "Social Media Lead", "tom@reputon.example", "+49 30 5555 0104",
     "@tbecker", "Europe/Berlin", Role.SPOKESPERSON),
    ("Sam Lindqvist", "Chief Technology Officer", "sam@reputon.example", "+1 415 555 0105",
     "@samlq", "America/Los_Angeles", Role.COMMANDER),
    ("Alex Kim", "SRE Lead", "alex@reputon.example", "+1 206 555 0106", "@alexk",
     "America/Los_Angeles", Role.COMMANDER),
    ("Jordan Ellis", "Data Science Lead", "jordan@reputon.example", "+1 512 555 0107",
     "@jellis", "America/Chicago", Role.OBSERVER),
    ("Riley Chen", "Support Lead", "riley@reputon.example", "+1 646 555 0108", "@rchen",
     "America/New_York", Role.OBSERVER),
    ("Morgan Blake", "Resilience Lead", "morgan@reputon.example", "+1 303 555 0109",
     "@mblake", "America/Denver", Role.FACILITATOR),
    ("Lena Fischer", "General Counsel", "lena@reputon.example", "+49 89 5555 0110", "",
     "Europe/Berlin", None),
    ("Omar Haddad", "Trusted Adviser, Creator Relations", "omar@reputon.example",
     "+971 4 555 0111", "@omarh", "Asia/Dubai", None),
    ("Hana Sato", "Scoring Pipeline Engineer", "hana@reputon.example", "+81 3 5555 0112",
     "@hsato", "Asia/Tokyo", None),
]

COMMUNICATIONS = ["Maya Okafor", "Daniel Reyes", "Priya Nair", "Tom Becker"]
INCIDENT_COMMAND = ["Sam Lindqvist", "Alex Kim", "Maya Okafor"]


def load_demo(svc: object, progress: object = None) -> dict[str, object]:
    """Fill an empty database. ``svc`` is the app's Services; ``progress(what, step,
    steps)``, if given, hears each step (the first demo start takes a while)."""

    def step(what: str, i: int) -> None:
        if callable(progress):
            progress(what, i, 5)

    ctx = svc.ctx  # type: ignore[attr-defined]
    roster: RosterService = svc.roster  # type: ignore[attr-defined]
    if roster.contacts():
        raise InvalidInput("demo: the database already holds contacts; load the demo into an "
                           "empty database")
    now = ctx.clock.now().replace(second=0, microsecond=0)
    # The company was set up before its history began: its roster and chains date
    # from then, so the past approvals' evidence names changes made before them.
    founded = dataclasses.replace(ctx, clock=SimulatedClock(now - timedelta(days=60)))
    step("people, operators and their signing keys", 1)
    set_up_company(
        RosterService(founded), [ContactFields(name, title, email, phone, handle, tz)
                 for name, title, email, phone, handle, tz, _ in PEOPLE],
        {"communications": COMMUNICATIONS, "incident command": INCIDENT_COMMAND},
        [(p[0], p[6], DEMO_PASSPHRASE) for p in PEOPLE if p[6] is not None])
    step("last month's incident and its signed messages", 2)
    _past_incident(ctx, now - timedelta(days=30))
    step("who is away today", 3)
    _availability(roster, now)
    _open_incident(ctx, now)
    _commitments_and_changes(ctx, now)
    step("31 days of score health", 4)
    _metrics(svc)
    _mentions(svc)
    step("done", 5)
    return {"contacts": len(PEOPLE), "incidents": 2, "passphrase": DEMO_PASSPHRASE,
            "operators": [p[0] for p in PEOPLE if p[6] is not None]}


def _availability(roster: RosterService, now: datetime) -> None:
    # Recorded by the CTO, who runs incident command and is no member of communications.
    by = Credentials("Sam Lindqvist", DEMO_PASSPHRASE)
    roster.set_availability("Maya Okafor", AvailabilityStatus.TRAVELLING,
                            now - timedelta(hours=1), now + timedelta(hours=5),
                            note="SFO -> JFK, no wifi", by=by)
    roster.set_availability("Daniel Reyes", AvailabilityStatus.VACATION,
                            now + timedelta(days=2), now + timedelta(days=9),
                            note="family trip, phone off", by=by)
    roster.set_availability("Tom Becker", AvailabilityStatus.OFF_SHIFT,
                            now - timedelta(hours=3), now + timedelta(hours=6), by=by)
    roster.set_availability("Sam Lindqvist", AvailabilityStatus.TRAVELLING,
                            now + timedelta(hours=2), now + timedelta(hours=8), reachable=True,
                            note="on a train, phone on", by=by)


def _walk(ctx: object, start: datetime) -> tuple[SimulatedClock, IncidentService,
                                                  MessageService]:
    clock = SimulatedClock(start)
    past = dataclasses.replace(ctx, clock=clock)  # type: ignore[type-var]
    return clock, IncidentService(past), MessageService(past)


def _publish(messages: MessageService, clock: SimulatedClock, incident: int, channel: Channel,
             purpose: Purpose, body: str, author: str, approver: str, publisher: str,
             title: str | None = None) -> None:
    m = messages.draft(incident, channel, body, author, title=title, purpose=purpose)
    clock.advance(timedelta(minutes=2))
    messages.submit(m.id, author)
    clock.advance(timedelta(minutes=3))
    messages.approve(m.id, approver, DEMO_PASSPHRASE)
    clock.advance(timedelta(minutes=1))
    messages.publish(m.id, publisher)


def _past_incident(ctx: object, day: datetime) -> None:
    start = day.replace(hour=15, minute=10)
    clock, incidents, messages = _walk(ctx, start)
    inc = incidents.open("Scores halved for half of all profiles after batch 2291",
                         Severity.SEV1, "Alex Kim", kind="data corruption",
                         detected_at=start - timedelta(minutes=12))
    clock.advance(timedelta(minutes=4))
    incidents.add_entry(inc.id, "Users on Facebook and X report their score fell by 50%. "
                        "drop_share_50 = 0.48 on batch 2291.", "Alex Kim")
    clock.advance(timedelta(minutes=3))
    incidents.add_entry(inc.id, "Roll back batch 2291; the algorithm did NOT change. Say so "
                        "publicly.", "Alex Kim", kind=EntryKind.DECISION)
    _publish(messages, clock, inc.id, Channel.X, Purpose.ACKNOWLEDGEMENT,
             "We know many of you saw your score drop by half today. It's a glitch in our "
             "pipeline, not an algorithm change. We're fixing it now; next update by 18:00 UTC.",
             "Tom Becker", "Maya Okafor", "Tom Becker")
    incidents.change_status(inc.id, IncidentStatus.ACKNOWLEDGED, "Alex Kim")
    clock.advance(timedelta(minutes=25))
    _publish(messages, clock, inc.id, Channel.DIRECT_REPLY, Purpose.REPLY,
             "Sorry about this! Your score is safe; a bad batch halved it and we're restoring "
             "it within hours.", "Priya Nair", "Maya Okafor", "Priya Nair")
    clock.advance(timedelta(minutes=70))
    incidents.change_status(inc.id, IncidentStatus.MITIGATED, "Alex Kim",
                            note="batch 2290 restored for all profiles")
    clock.advance(timedelta(minutes=40))
    _publish(messages, clock, inc.id, Channel.BLOG, Purpose.EXPLANATION,
             "Earlier today a faulty scoring batch halved the scores of about half of our "
             "users. Our algorithm did not change. We restored every score from the last good "
             "batch and added a check that stops a batch when scores move this much. We are "
             "sorry for the worry this caused. — Maya",
             "Daniel Reyes", "Maya Okafor", "Daniel Reyes", title="What happened to your score")
    clock.advance(timedelta(minutes=20))
    incidents.change_status(inc.id, IncidentStatus.RESOLVED, "Alex Kim")
    clock.advance(timedelta(hours=20))
    incidents.change_status(inc.id, IncidentStatus.CLOSED, "Sam Lindqvist",
                            note="post-incident review held")


def _open_incident(ctx: object, now: datetime) -> None:
    clock, incidents, messages = _walk(ctx, now - timedelta(minutes=42))
    inc = incidents.open("Score drift after model v7 rollout", Severity.SEV2, "Sam Lindqvist",
                         kind="algorithm change", detected_at=now - timedelta(minutes=50))
    clock.advance(timedelta(minutes=6))
    incidents.add_entry(inc.id, "PSI 0.31 against last healthy snapshot; p50 down 7 points.",
                        "Sam Lindqvist")
    clock.advance(timedelta(minutes=10))
    incidents.add_entry(inc.id, "Hold the rollout at 30%; communicate before widening.",
                        "Sam Lindqvist", kind=EntryKind.DECISION)
    clock.advance(timedelta(minutes=8))
    m = messages.draft(inc.id, Channel.STATUS_PAGE,
                       "We are investigating lower scores for some profiles after today's "
                       "model update. Scores are being reviewed; next update within the hour.",
                       "Priya Nair", title="Investigating lower scores", purpose=Purpose.HOLDING)
    clock.advance(timedelta(minutes=4))
    messages.submit(m.id, "Priya Nair")


STEP_S = 300.0  # every five minutes: the detector's false alarms stay rare


def _metrics(services: object) -> None:
    """31 days of five-minute points for a few series, with the demo's incidents as drops.

    So the health view opens on curves, alert markers and incident spans.
    Klout-style: the past incident halves the scores of half the profiles for
    two hours; the open one (a model rollout) moves the distribution less but
    for good.
    """
    incidents = services.incidents.list()  # type: ignore[attr-defined]
    health = services.health  # type: ignore[attr-defined]
    # Whole seconds, so the demo snapshots below land exactly on pipeline points.
    end = float(int(services.ctx.clock.now().timestamp()))  # type: ignore[attr-defined]
    ts = np.arange(end - 31 * 86400.0, end, STEP_S)
    rng = np.random.default_rng(2011)
    day = np.sin(2 * np.pi * (ts % 86400) / 86400)
    mean = 42 + 0.6 * day + rng.normal(0, 0.3, ts.size)
    drop50 = np.abs(rng.normal(0.002, 0.001, ts.size))
    psi = np.abs(0.03 + 0.005 * day + rng.normal(0, 0.006, ts.size))
    for inc in incidents:
        if inc.drill:
            continue
        onset = inc.detected_at.timestamp() - 120
        fixed = inc.resolved_at.timestamp() - 1800 if inc.resolved_at else end + 1
        hit = (ts >= onset) & (ts < fixed)
        halved = inc.resolved_at is not None  # the past one: a bad batch, rolled back
        mean[hit] -= 19.0 if halved else 7.0
        # The open one: as the latest snapshot has it, a fifth of the profiles lost
        # more than half (the snapshot table and the alert evidence say the same).
        drop50[hit] += 0.48 if halved else 0.20
        psi[hit] += 0.9 if halved else 0.28
    freshness = 240 + rng.normal(0, 10, ts.size)  # seconds since the last batch
    health.ingest_arrays({"score_mean": (ts, mean), "drop_share_50": (ts, drop50),
                          "psi": (ts, psi), "batch_freshness": (ts, freshness)},
                         source="demo-pipeline", evaluate=False)
    _snapshots(health, float(ts[-1]))
    health.run_detectors()


SNAPSHOT_PROFILES = 20_000


def _snapshots(health: object, last: float) -> None:
    """Two small score snapshots: a healthy batch a day ago, and the latest, where 40% of
    profiles lost half their score, so the score-distribution histogram has a story.

    Taken at the pipeline's own point times: for the series both feed (score_mean,
    drop_share_50, psi) the pipeline's points stay, so the curves do not jump.
    """
    rng = np.random.default_rng(2291)
    ids = np.arange(1, SNAPSHOT_PROFILES + 1, dtype=np.int64)
    healthy = rng.gamma(4.0, 10.5, SNAPSHOT_PROFILES) + 1.0
    tonight = healthy * (1.0 + rng.normal(0.0, 0.01, SNAPSHOT_PROFILES))
    tonight[rng.random(SNAPSHOT_PROFILES) < 0.4] *= 0.5
    taken = datetime.fromtimestamp(last, UTC)
    for at, scores, source in ((taken - timedelta(days=1), healthy, "demo-batch-2290.csv"),
                               (taken, tonight, "demo-batch-2291.csv")):
        health.ingest_snapshot(ids, scores, at=at, source=source,  # type: ignore[attr-defined]
                               evaluate=False)


def _commitments_and_changes(ctx: object, now: datetime) -> None:
    """The open incident's promises (one kept, two open) and the change calendar.

    Model v7 went out without notice (released by override: the story of the
    open incident); widening it to all traffic is inside its notice period and
    not announced, so the calendar warns; a later change is announced.
    """
    from .changes import ChangeService
    from .commitments import CommitmentService

    clock = SimulatedClock(now - timedelta(minutes=70))
    past = dataclasses.replace(ctx, clock=clock)  # type: ignore[type-var]
    changes, commitments = ChangeService(past), CommitmentService(past)
    messages, incidents = MessageService(past), IncidentService(past)
    inc = next(i for i in incidents.list() if i.resolved_at is None and not i.drill)
    v7 = changes.add("Model v7: engagement weighting", now - timedelta(minutes=55),
                     "Sam Lindqvist", effect="Low-activity profiles fall 5-10 points")
    clock.set(now - timedelta(minutes=55))
    changes.release(v7.id, "Sam Lindqvist", override="Shipped at 30% of traffic on the old "
                    "process, before the change calendar was in use")
    changes.add("Model v7 to 100% of traffic", now + timedelta(days=4), "Sam Lindqvist",
                effect="The v7 drop reaches every profile")
    decay = changes.add("Inactive-profile decay (half-life 90 days)", now + timedelta(days=20),
                        "Sam Lindqvist", notice_days=14,
                        effect="Profiles silent for months drift down slowly")
    clock.set(now - timedelta(minutes=30))  # each _publish takes six minutes
    _publish(messages, clock, inc.id, Channel.X, Purpose.ACKNOWLEDGEMENT,
             "Some of you saw your score fall after today's model update. We have held the "
             "rollout. Next update in 10 minutes.", "Priya Nair", "Daniel Reyes", "Priya Nair")
    ack = messages.list(inc.id)[-1]
    (s,) = commitments.suggest(ack.body, at=clock.now(), author="Priya Nair")
    update_due = commitments.add(inc.id, s.text, s.due_at, "Priya Nair", message_id=ack.id)
    commitments.add(inc.id, "Reply to the ten biggest complainers, picked by Omar Haddad",
                    clock.now() + timedelta(hours=2), "Priya Nair")
    clock.advance(timedelta(minutes=1))
    _publish(messages, clock, inc.id, Channel.STATUS_PAGE, Purpose.UPDATE,
             "Update: the model v7 rollout is held at 30% of traffic and affected scores are "
             "being recomputed. A full explanation within 24 hours.", "Priya Nair",
             "Daniel Reyes", "Priya Nair", title="Rollout held")
    update = messages.list(inc.id)[-1]
    commitments.keep(update_due.id, "Priya Nair", message_id=update.id)
    (s,) = commitments.suggest(update.body, at=clock.now(), author="Priya Nair")
    commitments.add(inc.id, s.text, s.due_at, "Priya Nair", message_id=update.id)
    clock.advance(timedelta(minutes=1))
    _publish(messages, clock, inc.id, Channel.BLOG, Purpose.ADVANCE_NOTICE,
             f"From {decay.effective_at:%d %B} (change #{decay.id}), scores of profiles with no "
             "activity for months will decay slowly, with a half-life of 90 days. Active "
             "profiles are not affected.", "Priya Nair", "Daniel Reyes", "Priya Nair",
             title="Advance notice: inactive-profile decay")


# --- listening: the backlash after the model rollout, as mentions ---------------------

MENTION_VOICES = [
    # author, channel, reach, text: the seed story's voices first
    ("@PamMktgNut", "x", 48_000, "I have all metrics going up: blog traffic is up, retweets are "
     "up, followers up. Yet my score dropped 19 points today. Why?"),
    ("Richard Mackney", "facebook", 12_500, "Update the history too: anyone viewing my graphs "
     "will see a massive plummet with no explanation. If I was job hunting I'd be concerned."),
    ("Kalani Kirk Hausman", "blog", 31_000, "You have retroactively altered the history of our "
     "scores, which has created financial and employment hardships already this morning."),
    ("@socialsavvy", "x", 260_000, "WTF happened to my score overnight?! Unacceptable, no "
     "warning at all"),
]
MENTION_OPENINGS = (
    "Why did my score drop", "My score went from {a} to {b} overnight", "This is a joke",
    "No warning, no explanation", "Anyone else see their number fall?", "Scores look fine here",
    "Reputon changed the algorithm again", "I rely on this for work and it is broken",
    "Thanks for the quick acknowledgement", "Transparency, please", "Clients ask me why my "
    "rank fell", "Is this a glitch or the new model?")
MENTION_ENDINGS = ("", "!!", " - fix it", " #reputon", "?", ". Disappointed.", " today",
                   ". Not happy.", " @reputon")
MENTION_CHANNELS = ("x", "x", "x", "facebook", "blog", "forum")
MENTION_COUNT = 320


def _joined(opening: str, ending: str) -> str:
    if opening.endswith("?") and ending[:1] in ".?!":
        return opening + ending.lstrip(".?") if ending[:1] != "!" else opening + ending
    return opening + ending


def _mentions(services: object) -> None:
    """A few hundred mentions on the open incident; the named voices' profiles (and a
    third of the others) are real demo profiles, most of them halved in batch 2291, so
    the data check confirms their complaints. One is answered (its reply approved and
    published), one has a reply drafted, two are assigned, two set aside as spam."""
    import json
    import tempfile
    from pathlib import Path

    from commandcenter.ingest.snapshot_paths import snapshot_dir

    from .mention_checks import check_against, recent_snapshots
    from .mentions import MentionService

    ctx = services.ctx  # type: ignore[attr-defined]
    current = next(i for i in services.incidents.list()  # type: ignore[attr-defined]
                   if i.resolved_at is None and not i.drill)
    with ctx.uow() as uow:
        snapshots = recent_snapshots(uow, snapshot_dir(ctx.outbox_dir))
    candidates = [(str(pid), "") for pid in range(1, 3001)]
    checks = check_against(snapshots, candidates)
    fell = [int(p) for (p, _), c in checks.items() if c.fell]
    held = [int(p) for (p, _), c in checks.items() if c.found and not c.fell]
    rng = np.random.default_rng(9)
    now = ctx.clock.now()
    start = current.detected_at
    span = max((now - start).total_seconds() - 60, 600.0)
    rows = []
    for i, (author, channel, reach, text) in enumerate(MENTION_VOICES):
        rows.append({"channel": channel, "author": author, "reach": reach, "text": text,
                     "at": (start + timedelta(minutes=4 + 3 * i)).isoformat(),
                     "profile_id": str(fell[i])})
    for i in range(MENTION_COUNT - len(MENTION_VOICES)):
        who = int(rng.integers(0, 140))
        opening = MENTION_OPENINGS[int(rng.integers(0, len(MENTION_OPENINGS)))]
        pid = (fell[10 + who] if who % 3 == 0 else held[who] if who % 3 == 1 else None)
        check = checks.get((str(pid), "")) if pid else None
        a, b = ((round(check.before), round(check.after)) if check and check.found
                else (int(rng.integers(40, 70)), int(rng.integers(15, 40))))
        row = {"channel": MENTION_CHANNELS[who % len(MENTION_CHANNELS)],
               "author": f"@{('creator', 'brandpro', 'growthhacker', 'mktg', 'influ')[who % 5]}"
                         f"{who}",
               "reach": int(min(rng.pareto(1.1) * 400 + 20, 2_000_000)),
               "text": _joined(opening.format(a=a, b=b), MENTION_ENDINGS[int(rng.integers(
                   0, len(MENTION_ENDINGS)))]),
               "at": (start + timedelta(seconds=float(rng.uniform(60, span)))).isoformat()}
        if pid is not None:
            row["profile_id"] = str(pid)
        if i % 7 == 0:
            row["link"] = f"https://social.example/p/{1000 + i}"
        rows.append(row)
    rows.append({"channel": "x", "author": "@cheapfollowers", "reach": 90_000,
                 "text": "Buy 10k followers and boost your score fast!",
                 "at": (now - timedelta(minutes=7)).isoformat()})
    rows.append({"channel": "x", "author": "@cheapfollowers", "reach": 90_000,
                 "text": "Score dropped? Buy followers and get it back today!",
                 "at": (now - timedelta(minutes=3)).isoformat()})
    mentions = MentionService(ctx)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-mentions.ndjson"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        mentions.import_file(current.id, path, "Priya Nair")
    ranked = mentions.list(current.id, "open", limit=400)
    by_author = {m.author: m for m in reversed(ranked)}
    spam = [m.id for m in ranked if m.author == "@cheapfollowers"]
    mentions.set_aside_many(spam, "spam: selling followers", "Priya Nair")
    mentions.assign(by_author["Kalani Kirk Hausman"].id, "Omar Haddad", "Priya Nair")
    mentions.assign(by_author["Richard Mackney"].id, "Tom Becker", "Priya Nair")
    # Answered the normal way: drafted from the mention, approved by the owner of the
    # communications chain, published; one more, to @socialsavvy, waits as a draft.
    pam = by_author["@PamMktgNut"]
    reply = mentions.reply(pam.id, "@PamMktgNut you're right, and we're sorry: today's model "
                           "update lowered your score. We're reviewing it and will explain "
                           "what changed here within the hour.", "Priya Nair")
    messages = MessageService(ctx)
    messages.submit(reply.message.id, "Priya Nair")
    messages.approve(reply.message.id, messages.owner_now(), DEMO_PASSPHRASE)
    messages.publish(reply.message.id, "Priya Nair")
    mentions.reply(by_author["@socialsavvy"].id, "@socialsavvy sorry for the shock, and for "
                   "the missing warning: the new model lowered some scores. We've paused it "
                   "and will explain here today.", "Tom Becker")
