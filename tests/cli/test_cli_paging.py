"""``paging``: the escalation policy is a commander's authority change; what waits is listed."""

from __future__ import annotations

from tests.services.support import ALICE, BOB, in_review, open_incident


def test_the_policy_is_shown_and_set_by_a_commander_only(cli, company) -> None:  # type: ignore[no-untyped-def]
    shown = cli("paging", "policy")
    assert shown.code == 0 and "default policy: escalate after SEV1 15 min, SEV2 30 min" in \
        shown.out
    refused = cli("paging", "set-policy", "--sev1", "10", "--as", BOB)
    assert refused.code == 3 and "error:" in refused.err
    bad = cli("paging", "set-policy", "--sev2", "0", "--as", ALICE)
    assert bad.code == 2 and "sev2: minutes must be" in bad.error_line
    done = cli("paging", "set-policy", "--sev1", "10", "--as", ALICE, as_json=True)
    assert done.code == 0 and done.json()["minutes"]["SEV1"] == 10
    assert done.json()["minutes"]["SEV2"] == 30 and done.json()["version"] == 1


def test_waiting_lists_what_waits_for_whom(cli, company) -> None:  # type: ignore[no-untyped-def]
    mid = in_review(company, open_incident(company))
    out = cli("paging", "waiting")
    assert out.code == 0 and f"message {mid}  SEV1" in out.out and "for Carol Chen" in out.out
    tick = cli("paging", "tick", as_json=True)
    assert tick.code == 0 and tick.json()["escalated"] == 0
