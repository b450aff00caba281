"""``paging``: the escalation policy, what waits for a decision, and the clock's tick."""

from __future__ import annotations

import argparse
from typing import Any

from commandcenter.domain.incidents import Severity
from commandcenter.domain.paging import waited

from .common import Registry, credentials


def _policy_show(_a: argparse.Namespace, svc: Any) -> Any:
    policy = svc.paging.policy()
    print(policy.describe())
    return policy.to_json()


def _policy_set(a: argparse.Namespace, svc: Any) -> Any:
    current = svc.paging.policy()
    given = {s: getattr(a, s.value.lower()) for s in Severity}
    minutes = {s: current.minutes[s] if v is None else v for s, v in given.items()}
    delegation = current.delegation_minutes if a.delegation is None else a.delegation
    policy = svc.paging.set_policy(minutes, delegation_minutes=delegation,
                                   by=credentials(a.as_))
    print(f"Escalation {policy.describe()} (for review requests made from now on)")
    return policy.to_json()


def _waiting(_a: argparse.Namespace, svc: Any) -> Any:
    now = svc.ctx.clock.now()
    rows = svc.paging.waiting()
    for r in rows:
        print(f"message {r.message_id}  {r.severity.value}  waits {waited(r.requested_at, now)}"
              f"  for {r.owner or 'nobody'}  escalates {r.deadline_at:%Y-%m-%d %H:%M} UTC"
              f"  ({r.state}, escalated {r.escalations}x)")
    if not rows:
        print("nothing waits for a decision")
    return rows


def _tick(_a: argparse.Namespace, svc: Any) -> Any:
    result = svc.paging.tick()
    print(f"opened {result.opened}, closed {result.closed}, escalated {result.escalated}, "
          f"mailed {result.mailed}")
    return result


def register(r: Registry) -> None:
    paging = r.group("paging")
    r.cmd(paging, "policy", _policy_show, "the escalation policy in force")
    sp = r.cmd(paging, "set-policy", _policy_set,
               "a new escalation policy for requests made from now on (a commander)")
    for sev in Severity:
        sp.add_argument(f"--{sev.value.lower()}", type=int, metavar="MIN",
                        help=f"minutes without a decision before a {sev.value} request "
                             "escalates")
    sp.add_argument("--delegation", type=int, metavar="MIN",
                    help="how long the escalation's delegation lasts")
    r.as_(sp)
    r.cmd(paging, "waiting", _waiting, "review requests waiting for a decision")
    r.cmd(paging, "tick", _tick,
          "escalate overdue requests and send pending mail now (the window does it every "
          "few seconds)")
