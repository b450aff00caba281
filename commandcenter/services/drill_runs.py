"""Running a drill: the exercise's roster in its own database, injects at their simulated
offsets, scripted or live player actions through the normal services, and the scoring.

Every timestamp comes from the drill's :class:`SimulatedClock` (the services
read ``ctx.clock``); the incident is marked drill, so its messages carry the
EXERCISE prefix and can only reach the drill outbox. Approvals are signed by
the exercise's people with the scenario's passphrase, on the normal path.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from commandcenter.domain.chains import COMMUNICATIONS
from commandcenter.domain.clock import SimulatedClock, format_utc
from commandcenter.domain.compose import fill, placeholders
from commandcenter.domain.errors import CommandCenterError, InvalidInput
from commandcenter.domain.incidents import IncidentStatus
from commandcenter.domain.messages import Channel, MessageState
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import ContactFields
from commandcenter.domain.timeline import EntryKind
from commandcenter.drills.actions import Action
from commandcenter.drills.durations import format_offset
from commandcenter.drills.hot_wash import clean_hot_wash, hot_wash_problems
from commandcenter.drills.live_roster import LiveRoster, drill_windows, resolve
from commandcenter.drills.patterns import plans, snapshot_scores
from commandcenter.drills.replay import ReplayEntry
from commandcenter.drills.scenario import Inject, Scenario, parse_scenario
from commandcenter.drills.scoring import (
    Facts,
    MentionFact,
    Publication,
    check_approvals,
    response_figures,
    score_objectives,
)
from commandcenter.persistence.drill_models import (
    DrillObservationRow,
    DrillOutageRow,
    DrillRunRow,
)

from .authority import Credentials
from .commitments import CommitmentService
from .context import ServiceContext
from .drill_mentions import deliver_mention, reply_to_mention
from .health import HealthService
from .incidents import IncidentService, load_incident
from .messages import MessageService
from .ownership import ChainSnapshot
from .roster import RosterService, set_up_company
from .timeline import append

EXERCISE_CONTROL = "exercise control"



def template_text(key: str, channel: Channel) -> Any:
    """The shipped (or the team's) template ``key``'s words for ``channel``."""
    from commandcenter.services.templates import shipped_templates

    template = next((t for t in shipped_templates() if t.key == key), None)
    text = template.for_channel(channel) if template is not None else None
    if text is None:
        raise InvalidInput(f"template: {key!r} has no words for {channel.value}")
    return text


@dataclass(frozen=True, slots=True)
class DrillStatus:
    """What the drill bar shows."""

    run_id: int
    incident_id: int
    now: datetime
    elapsed: timedelta
    duration: timedelta
    injects_fired: int
    injects_total: int
    next_inject_at: timedelta | None
    next_inject: str
    objectives_met: int
    objectives_total: int
    finished: bool
    fired: tuple[int, ...] = ()
    actions_done: int = 0


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    index: int
    at: timedelta
    who: str
    do: str
    ok: bool
    detail: str


class DrillSession:
    """One drill in its own (empty) database: set up, then stepped forward in simulated time."""

    def __init__(self, ctx: ServiceContext, clock: SimulatedClock, scenario: Scenario,
                 scenario_text: str, source: str = "", actions: list[Action] | None = None,
                 live: LiveRoster | None = None) -> None:
        if scenario.live_roster:  # played by the team as it is: its roster, checked
            if live is None:
                raise InvalidInput("live_roster: this scenario is played by the live roster; "
                                   "read it first (drill run does)")
            scenario = resolve(scenario, live, source or "scenario")
        self.live = live
        self.ctx, self.clock, self.s = ctx, clock, scenario
        self.roster = RosterService(ctx)
        self.incidents = IncidentService(ctx)
        self.messages = MessageService(ctx)
        self.health = HealthService(ctx)
        self.commitments = CommitmentService(ctx)
        self.commitment_refs: dict[str, int] = {}
        self.actions = list(actions or [])
        self.outcomes: list[ActionOutcome] = []
        self.refs: dict[str, int] = {}
        self.replies: dict[int, int] = {}
        self.mentions: list[MentionFact] = []
        self.fired: list[int] = []
        self._done_actions = 0
        self._plans = plans(scenario)
        self._baseline_taken = False
        self._scored: tuple[tuple[int, int], int] | None = None
        self._moved: dict[int, Inject] = {}  # metric injects fired early by hand
        self.listeners: list[Callable[[str], None]] = []
        clock.set(scenario.start)
        self.run_id, self.incident_id = self._set_up(scenario_text, source)
        self.advance_to(timedelta(0))  # the drill starts: what is due at T+0 happens

    # --- set-up -------------------------------------------------------------------
    def _set_up(self, text: str, source: str) -> tuple[int, int]:
        s = self.s
        if self.roster.contacts():
            raise InvalidInput("drill: the drill database must be empty")
        operators = [p for p in s.people if p.role is not None]
        operators.sort(key=lambda p: p.role is not Role.COMMANDER)  # the first one is a commander
        windows = [(w.person, w.status, w.starts_at, w.ends_at, w.reachable, w.note)
                   for w in drill_windows(self.live, s)] if self.live else []
        set_up_company(self.roster, [ContactFields(p.name, p.title, p.email, p.phone, p.handle,
                                                   p.timezone) for p in s.people],
                       {name: list(members) for name, members in s.chains.items()},
                       [(p.name, p.role, s.passphrase) for p in operators if p.role], windows)
        inc = self.incidents.open(s.incident_title, s.incident_severity, s.facilitator,
                                  kind=s.incident_kind, drill=True,
                                  status=IncidentStatus.DETECTED,
                                  evidence=f"Exercise: {s.name}. {s.briefing}"[:10_000])
        with self.ctx.uow() as uow:
            row = DrillRunRow(incident_id=inc.id, scenario_name=s.name, scenario_file=source,
                              scenario_sha256=hashlib.sha256(text.encode()).hexdigest(),
                              scenario_text=text, simulated_start=s.start, simulated_end=s.end,
                              clock_at=s.start, state="running", fired=[], result={},
                              hot_wash={})
            uow.session.add(row)
            uow.audit(s.start, s.facilitator, "drill.start", "drill_run", None,
                      {"scenario": s.name, "incident": inc.id, "sha256": row.scenario_sha256})
            uow.commit()
            return row.id, inc.id

    def credentials(self, who: str) -> Credentials:
        return Credentials(who, self.s.passphrase)

    # --- time -----------------------------------------------------------------------
    @property
    def elapsed(self) -> timedelta:
        return self.clock.now() - self.s.start

    @property
    def finished(self) -> bool:
        return self.clock.now() >= self.s.end

    def _pending_injects(self) -> list[Inject]:
        done = set(self.fired)
        return [j for j in self.s.injects if j.index not in done]

    def next_event_at(self) -> timedelta | None:
        times = [j.at for j in self._pending_injects()]
        times += [a.at for a in self.actions[self._done_actions:]]
        return min(times) if times else None

    def advance_to(self, offset: timedelta) -> int:
        """Play every inject and action due up to ``offset``; returns how many happened."""
        offset = min(offset, self.s.duration)
        happened = 0
        while True:
            due = self.next_event_at()
            if due is None or due > offset:
                break
            self.clock.set(max(self.clock.now(), self.s.start + due))
            self._ingest_due()
            for inj in [j for j in self._pending_injects() if j.at <= due]:
                self.fire(inj.index)
                happened += 1
            self.commitments.sweep()
            while self._done_actions < len(self.actions) and \
                    self.actions[self._done_actions].at <= due:
                self._perform(self.actions[self._done_actions])
                self._done_actions += 1
                happened += 1
        self.clock.set(max(self.clock.now(), self.s.start + offset))
        self._ingest_due()
        self.commitments.sweep()  # promises made in the drill fall due on the drill's clock
        self._save_clock()
        return happened

    def jump_to_next(self) -> timedelta | None:
        nxt = next((j.at for j in self._pending_injects()), None)
        if nxt is not None:
            self.advance_to(max(nxt, self.elapsed))
        return nxt

    def _ingest_due(self) -> None:
        now = self.clock.now()
        groups = {}
        for plan in self._plans:
            ts, vs = plan.due(now)
            if ts.size:
                groups[plan.name] = (ts, vs)
        if groups:
            self.health.ingest_arrays(groups, source=f"drill: {self.s.name}"[:500])

    def _save_clock(self) -> None:
        with self.ctx.uow() as uow:
            row = uow.session.get(DrillRunRow, self.run_id)
            row.clock_at = self.clock.now()
            row.fired = list(self.fired)
            uow.commit()

    # --- injects ------------------------------------------------------------------
    def fire(self, index: int) -> str:
        """Fire one inject now (at its time, or earlier by the facilitator's hand)."""
        inj = next(j for j in self.s.injects if j.index == index)
        if index in self.fired:
            raise InvalidInput(f"inject: {index} has already been fired")
        self.fired.append(index)
        try:
            text = self._fire(inj)
        except CommandCenterError as exc:  # e.g. an availability change the rules refuse
            text = f"inject refused: {exc}"
            self._control_note(text, inj)
        for listener in self.listeners:
            listener(text)
        return text

    def _fire(self, inj: Inject) -> str:
        now, start = self.clock.now(), self.s.start
        if inj.kind == "metric":
            if inj.at > self.elapsed:  # fired by hand, early: the pattern starts now
                self._move_metric(inj)
            # No timeline note: players find out from the charts, as they would.
            return f"{inj.series}: {inj.pattern} from {format_offset(self.elapsed)}"
        if inj.kind == "snapshot":
            if not self._baseline_taken:
                ids, base = snapshot_scores(inj, self.s.seed, baseline=True)
                self.health.ingest_snapshot(ids, base, at=now - timedelta(days=1),
                                            source="drill: healthy baseline")
                self._baseline_taken = True
            ids, scores = snapshot_scores(inj, self.s.seed)
            self.health.ingest_snapshot(ids, scores, at=now, source=f"drill inject {inj.index}")
            return self._control_note(f"Score snapshot: {inj.describe()}", inj)
        if inj.kind == "mention":
            mid = deliver_mention(self.ctx, self.incident_id, channel=inj.channel,
                                  author=inj.author, reach=inj.reach, text=inj.text, at=now,
                                  link=inj.link)
            self.mentions.append(MentionFact(mid, inj.author, inj.channel, inj.reach, now))
            return f"mention by {inj.author}"
        if inj.kind == "availability":
            assert inj.status is not None and inj.until is not None
            self.roster.set_availability(inj.person, inj.status, now, start + inj.until,
                                         reachable=inj.reachable, note=inj.note,
                                         by=self.credentials(inj.recorded_by or inj.person))
            return f"{inj.person} {inj.status.label} until {format_offset(inj.until)}"
        if inj.kind == "outage":
            assert inj.until is not None
            with self.ctx.uow() as uow:
                uow.session.add(DrillOutageRow(run_id=self.run_id, channel=inj.channel,
                                               starts_at=now, ends_at=start + inj.until))
                uow.audit(now, EXERCISE_CONTROL, "drill.outage", "drill_run", self.run_id,
                          {"channel": inj.channel, "until": (start + inj.until).isoformat()})
                uow.commit()
            return self._control_note(f"Exercise: {inj.channel} is unavailable until "
                                      f"{format_utc(start + inj.until)}", inj)
        return self._control_note(f"Facilitator: {inj.text}", inj, actor=self.s.facilitator)

    def _move_metric(self, inj: Inject) -> None:
        self._moved[inj.index] = dataclasses.replace(inj, at=self.elapsed)
        metric = [self._moved.get(j.index, j) for j in self.s.injects
                  if j.kind == "metric" and j.series == inj.series]
        (plan,) = plans(self.s, metric)
        plan.skip_to(self.clock.now())
        self._plans = [plan if p.name == inj.series else p for p in self._plans]

    def _control_note(self, text: str, inj: Inject, actor: str = EXERCISE_CONTROL) -> str:
        now = self.clock.now()
        with self.ctx.uow() as uow:
            inc = load_incident(uow, self.incident_id, for_update=True)
            append(uow, inc, EntryKind.NOTE, actor, text, occurred_at=now, recorded_at=now,
                   data={"drill_inject": inj.kind, "inject": inj.index})
            uow.commit()
        return text

    # --- player actions --------------------------------------------------------------
    def _perform(self, a: Action) -> None:
        try:
            detail = self.perform(a)
            self.outcomes.append(ActionOutcome(a.index, a.at, a.who, a.do, True, detail))
        except CommandCenterError as exc:
            self.outcomes.append(ActionOutcome(a.index, a.at, a.who, a.do, False, str(exc)))

    def perform(self, a: Action) -> str:
        inc, who = self.incident_id, a.who
        if a.do == "declare":
            self.incidents.change_status(inc, IncidentStatus.DECLARED, who)
            return "declared"
        if a.do in ("note", "decision"):
            kind = EntryKind.DECISION if a.do == "decision" else EntryKind.NOTE
            self.incidents.add_entry(inc, a.text, who, kind=kind)
            return a.do
        if a.do == "status":
            assert a.status is not None
            self.incidents.change_status(inc, a.status, who, note=a.text)
            return a.status.value
        if a.do == "draft":
            body, title = a.body, a.title
            if a.template is not None:
                assert a.channel is not None
                t = template_text(a.template.value, a.channel)
                view = self.incidents.get(inc)
                values = placeholders(title=view.title, severity=view.severity.value,
                                      status=view.status.value, detected_at=view.detected_at,
                                      now=self.clock.now())
                values.update(dict(a.facts))
                body = body or fill(t.body, values)
                title = title if title is not None else (fill(t.title, values) or None)
            assert a.channel is not None and a.purpose is not None
            m = self.messages.draft(inc, a.channel, body, who, title=title, purpose=a.purpose)
            self.refs[a.ref] = m.id
            return f"message {m.id}"
        if a.do == "reply":
            mention = next((m for m in self.mentions if m.author.lower() == a.mention.lower()),
                           None)
            if mention is None:
                raise InvalidInput(f"reply: no mention by {a.mention!r} has arrived yet")
            mid = reply_to_mention(self.ctx, mention.id, a.body, who)
            self.refs[a.ref] = mid
            self.replies[mid] = mention.id
            return f"message {mid} replies to {mention.author}"
        if a.do == "commit":
            assert a.until is not None
            mid = self.refs.get(a.message) if a.message else None
            c = self.commitments.add(inc, a.text, self.s.start + a.until, who, message_id=mid)
            self.commitment_refs[a.ref] = c.id
            return f"commitment {c.id} due {format_offset(a.until)}"
        if a.do == "keep":
            cid = self.commitment_refs.get(a.ref)
            if cid is None:
                raise InvalidInput(f"keep: commitment {a.ref!r} was never made")
            mid = self.refs.get(a.message) if a.message else None
            self.commitments.keep(cid, who, message_id=mid)
            return f"commitment {cid} kept"
        if a.do == "delegate":
            assert a.until is not None
            self.roster.delegate(a.chain, a.to, self.clock.now(), self.s.start + a.until,
                                 reason=a.text, by=self.credentials(who))
            return f"{a.chain} delegated to {a.to}"
        mid = self.refs.get(a.message)
        if mid is None:
            raise InvalidInput(f"{a.do}: message {a.message!r} was never drafted")
        if a.do == "edit":
            self.messages.edit(mid, a.body, who, title=a.title)
        elif a.do == "submit":
            self.messages.submit(mid, who)
        elif a.do == "approve":
            self.messages.approve(mid, who, self.s.passphrase)
        elif a.do == "reject":
            self.messages.reject(mid, a.text, who)
        elif a.do == "publish":
            self.messages.publish(mid, who)
        return f"message {mid} {a.do}"

    # --- notes, status, scoring --------------------------------------------------------
    def observe(self, author: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise InvalidInput("note: must not be empty")
        with self.ctx.uow() as uow:
            uow.session.add(DrillObservationRow(run_id=self.run_id, at=self.clock.now(),
                                                author=author, text=text[:5000]))
            uow.commit()

    def facts(self) -> Facts:
        inc = self.incidents.get(self.incident_id)
        pubs = []
        published = [m for m in self.messages.list(self.incident_id)
                     if m.state is MessageState.PUBLISHED and m.published_at is not None]
        with self.ctx.uow() as uow:
            snapshot = ChainSnapshot(uow, COMMUNICATIONS)
            owners = {}
            for m in published:
                assert m.published_at is not None
                if m.approved_at is not None:
                    o = snapshot.owner_at(m.approved_at).owner
                    owners[m.id] = o.name if o else None
                pubs.append(Publication(m.id, m.channel.value, m.purpose.value, m.author,
                                        m.body, m.published_at, m.approved_by or "",
                                        m.approved_at, owners.get(m.id)))
        return Facts(self.s.start, inc.detected_at, inc.declared_at, inc.resolved_at,
                     tuple(pubs), tuple(self.mentions), dict(self.replies))

    def status(self) -> DrillStatus:
        pending = self._pending_injects()
        # Scoring reads every message: only again once something happened.
        key = (len(self.outcomes), len(self.fired))
        if self._scored is None or self._scored[0] != key:
            self._scored = (key, sum(r.met for r in score_objectives(self.s, self.facts())))
        met = self._scored[1]
        nxt = pending[0] if pending else None
        return DrillStatus(self.run_id, self.incident_id, self.clock.now(), self.elapsed,
                           self.s.duration, len(self.fired), len(self.s.injects),
                           nxt.at if nxt else None, nxt.describe() if nxt else "",
                           met, len(self.s.objectives), self.finished, tuple(self.fired),
                           self._done_actions)

    def _commitments_result(self) -> dict[str, Any]:
        return _commitments_result_of(self)

    def finish(self) -> dict[str, Any]:
        """Play to the end, score, and store the result on the run."""
        self.advance_to(self.s.duration)
        facts = self.facts()
        result = {
            "scenario": self.s.name, "run": self.run_id, "incident": self.incident_id,
            "start": self.s.start.isoformat(), "end": self.s.end.isoformat(),
            "objectives": [r.as_json(self.s.start) for r in score_objectives(self.s, facts)],
            "approvals": [{"message": c.message_id, "approver": c.approver,
                           "approved_at": c.approved_at.isoformat(), "owner": c.owner,
                           "right_owner": c.right_owner} for c in check_approvals(facts)],
            "refused_approvals": [dataclasses.asdict(o) | {"at": format_offset(o.at)}
                                  for o in self.outcomes if o.do == "approve" and not o.ok],
            "figures": [{"name": f.name, "label": f.label,
                         "measured": None if f.measured is None else f.measured.total_seconds(),
                         "benchmark": None if f.benchmark is None
                         else f.benchmark.total_seconds(), "beat_benchmark": f.beat_benchmark}
                        for f in response_figures(self.s, facts)],
            "actions": [dataclasses.asdict(o) | {"at": format_offset(o.at)}
                        for o in self.outcomes],
            "mentions": [{"id": m.id, "author": m.author, "channel": m.channel,
                          "reach": m.reach, "at": m.at.isoformat()} for m in self.mentions],
            "replies": {str(k): v for k, v in self.replies.items()},
            "injects_fired": len(self.fired),
            "commitments": self._commitments_result(),
        }
        with self.ctx.uow() as uow:
            row = uow.session.get(DrillRunRow, self.run_id)
            row.state, row.result, row.clock_at = "finished", result, self.clock.now()
            row.fired = list(self.fired)
            uow.audit(self.clock.now(), self.s.facilitator, "drill.finish", "drill_run",
                      self.run_id, {"met": sum(o["met"] for o in result["objectives"]),
                                    "objectives": len(result["objectives"])})
            uow.commit()
        return result


def _commitments_result_of(session: DrillSession) -> dict[str, Any]:
    figures = session.commitments.figures(session.incident_id)
    items = [{"id": c.id, "text": c.text, "owner": c.owner, "due_at": c.due_at.isoformat(),
              "state": c.state.value, "kept_at": c.kept_at.isoformat() if c.kept_at else None,
              "kept_late": c.kept_late}
             for c in session.commitments.list(session.incident_id)]
    return {**figures.as_dict(), "items": items}


def finished_runs(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every run in a drill database, with its stored result (to reopen or re-report)."""
    with ctx.uow() as uow:
        rows = uow.session.execute(select(DrillRunRow).order_by(DrillRunRow.id)).scalars()
        return [{"run": r.id, "incident": r.incident_id, "scenario": r.scenario_name,
                 "state": r.state, "result": dict(r.result or {}),
                 "hot_wash": dict(r.hot_wash or {}), "scenario_text": r.scenario_text}
                for r in rows]


def reopen(ctx: ServiceContext, run_id: int) -> tuple[Scenario, dict[str, Any], dict[str, Any]]:
    with ctx.uow() as uow:
        row = uow.session.get(DrillRunRow, run_id)
        if row is None:
            raise InvalidInput(f"run: no drill run {run_id}")
        scenario = parse_scenario(row.scenario_text, row.scenario_file)
        if scenario.live_roster:  # the copy of the live roster the drill was played by
            from .drill_live_roster import roster_of

            people, chains, _windows = roster_of(uow.session)
            scenario = dataclasses.replace(scenario, people=people, chains=chains)
        return scenario, dict(row.result or {}), dict(row.hot_wash or {})


def record_hot_wash(ctx: ServiceContext, run_id: int, *, strengths: list[str],
                    improvements: list[str], plan: list[dict[str, str]], by: str) -> None:
    """The facilitator's hot wash: strengths, areas for improvement, the improvement plan
    (action, owner, due date) — HSEEP's after-action report and improvement plan.
    The ``drill report --hot-wash`` file and the window's dialog both save through here."""
    problems = hot_wash_problems(strengths, improvements, plan)
    if problems:
        raise InvalidInput("; ".join(f"{f}: {m}" for f, m in problems))
    hot = clean_hot_wash(strengths, improvements, plan, by)
    with ctx.uow() as uow:
        row = uow.session.get(DrillRunRow, run_id)
        if row is None:
            raise InvalidInput(f"run: no drill run {run_id}")
        row.hot_wash = hot
        uow.audit(ctx.clock.now(), hot["by"], "drill.hot_wash", "drill_run", run_id, hot)
        uow.commit()


def hot_wash(ctx: ServiceContext, run_id: int) -> dict[str, Any]:
    """What was saved before (empty lists when nothing was), to edit it again."""
    with ctx.uow() as uow:
        row = uow.session.get(DrillRunRow, run_id)
        if row is None:
            raise InvalidInput(f"run: no drill run {run_id}")
        saved = dict(row.hot_wash or {})
    return {"strengths": list(saved.get("strengths", [])),
            "improvements": list(saved.get("improvements", [])),
            "plan": [dict(p) for p in saved.get("plan", [])], "by": saved.get("by", "")}


def observations(ctx: ServiceContext, run_id: int) -> list[tuple[datetime, str, str]]:
    with ctx.uow() as uow:
        rows = uow.session.execute(select(DrillObservationRow).where(
            DrillObservationRow.run_id == run_id).order_by(DrillObservationRow.id)).scalars()
        return [(r.at, r.author, r.text) for r in rows]


def replay_entries(ctx: ServiceContext, run_id: int) -> tuple[Scenario, dict[str, Any],
                                                              list[ReplayEntry]]:
    """A finished run's timeline to replay: the incident's entries, the mentions the drill
    injected, refused player actions and observer notes, each at its simulated time."""
    from commandcenter.drills.durations import parse_offset

    scenario, result, _hot = reopen(ctx, run_id)
    if not result:
        raise InvalidInput(f"run: drill run {run_id} has not finished; nothing to replay yet")
    start = scenario.start
    entries = [ReplayEntry(e.occurred_at - start, e.occurred_at, e.kind.value.replace("_", " "),
                           e.actor, e.text)
               for e in IncidentService(ctx).timeline(int(result["incident"])).entries]
    for m in result.get("mentions", []):
        at = datetime.fromisoformat(m["at"])
        entries.append(ReplayEntry(at - start, at, "mention", m["author"],
                                   f"mention on {m['channel']} (reach {m['reach']})"))
    for a in result.get("actions", []):
        if not a["ok"]:
            offset = parse_offset(a["at"])
            entries.append(ReplayEntry(offset, start + offset, "refused", a["who"],
                                       f"{a['do']} refused: {a['detail']}"))
    for at, who, text in observations(ctx, run_id):
        entries.append(ReplayEntry(at - start, at, "observer note", who, text))
    entries.sort(key=lambda e: e.at)  # stable: the timeline's own order within an instant
    return scenario, result, entries
