"""Ranking mentions: the lexicon scorer, the own-score test, the documented priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.mentions import (
    DATA_POINTS,
    NOT_FOUND,
    MentionState,
    ScoreCheck,
    check_can_assign,
    check_can_reply,
    check_can_set_aside,
    priority_at,
    rank_mention,
    reach_points,
    reasons,
)
from commandcenter.domain.negativity import about_own_score, explain_negativity, negativity

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FELL = ScoreCheck(True, 62.0, 31.0, "batch 2291", "profile_id")
STEADY = ScoreCheck(True, 55.0, 56.0, "batch 2291", "handle")


@pytest.mark.parametrize(("text", "low", "high"), [
    ("Scores look fine to me", 0.0, 0.0),
    ("Thanks for the quick fix, great work", 0.0, 0.0),
    ("my score dropped", 0.2, 0.3),
    ("This is unfair", 0.35, 0.45),
    ("WTF is this SCAM, a total joke!!!", 0.7, 1.0),
])
def test_negativity_is_graded_by_the_lexicon(text: str, low: float, high: float) -> None:
    assert low <= negativity(text) <= high


def test_a_negator_turns_a_complaint_off_and_praise_into_a_complaint() -> None:
    assert negativity("this is not bad") == 0.0
    assert negativity("this is bad") > 0
    assert negativity("not happy") > 0 == negativity("happy")
    assert explain_negativity("not happy, just broken").words == ("not happy", "broken")


def test_good_news_about_other_metrics_does_not_cancel_the_complaint() -> None:
    pam = ("I have all metrics going up: blog traffic is up, retweets are up, followers up. "
           "Yet my score dropped 19 points today. Why?")
    assert negativity(pam) > 0.3
    assert explain_negativity(pam).words == ("dropped", "why")


def test_shouting_counts_but_case_does_not_change_words() -> None:
    assert negativity("scam") == pytest.approx(negativity("Scam"))
    assert negativity("SCAM") > negativity("scam")  # capitals: a little louder
    assert negativity("unfair!!") > negativity("unfair")


@pytest.mark.parametrize(("text", "own"), [
    ("Why did my score drop?", True),
    ("My Klout went from 62 to 31", True),
    ("what happened to my influence score??", True),
    ("I dropped from 62 overnight", True),
    ("Scores across the board look odd", False),
    ("My cat is asleep", False),
])
def test_own_score(text: str, own: bool) -> None:
    assert about_own_score(text) is own


def test_high_reach_angry_own_score_question_outranks_low_reach_neutral() -> None:
    at = (NOW - timedelta(minutes=30)).timestamp()
    loud = rank_mention(250_000, "WTF, why did my score drop by half? Unacceptable!", at,
                        NOT_FOUND)
    quiet = rank_mention(40, "Reading about the new scoring model", at, NOT_FOUND)
    assert loud.own_score and loud.negativity > 0.5
    assert quiet.negativity == 0 and not quiet.own_score
    assert loud.rank > quiet.rank


def test_a_confirmed_complaint_outranks_any_unconfirmed_one_of_equal_reach() -> None:
    at = NOW.timestamp()
    mild_confirmed = rank_mention(5_000, "my score dropped", at, FELL)
    furious_unconfirmed = rank_mention(
        5_000, "WTF why did my score drop?! SCAM, unacceptable, a total joke!!!", at, STEADY)
    assert mild_confirmed.confirmed and not furious_unconfirmed.confirmed
    assert mild_confirmed.rank > furious_unconfirmed.rank
    # ... but the data alone does not make praise a complaint
    assert not rank_mention(5_000, "Thanks, all fixed", at, FELL).confirmed


def test_recency_costs_a_point_an_hour_and_never_reorders() -> None:
    old = rank_mention(1000, "unfair", (NOW - timedelta(hours=5)).timestamp(), NOT_FOUND)
    new = rank_mention(1000, "unfair", NOW.timestamp(), NOT_FOUND)
    assert new.rank - old.rank == pytest.approx(5.0)
    assert priority_at(new.rank, NOW) == pytest.approx(new.base)
    later = NOW + timedelta(hours=3)
    assert priority_at(new.rank, later) == pytest.approx(new.base - 3)


def test_reach_points_are_logarithmic_and_capped() -> None:
    assert reach_points(0) == 0
    assert reach_points(999) == pytest.approx(20, abs=0.1)
    assert reach_points(1_000_000) == pytest.approx(40, abs=0.01)
    assert reach_points(50_000_000) == 40


def test_the_data_check_reads_as_the_issue_asks() -> None:
    assert FELL.text() == "score 62 -> 31, -50% in batch 2291"
    assert FELL.fell and not STEADY.fell
    assert STEADY.text() == "score 55 -> 56 in batch 2291, no fall"
    assert NOT_FOUND.text() == ""
    assert not ScoreCheck(True, 5.0, 4.6, "batch 2", "handle").fell  # under a point


def test_reasons_name_every_term() -> None:
    text = "Why did my score drop? This is unfair"
    out = reasons(12_000, text, NOW - timedelta(hours=2), NOW, FELL.text(), True)
    assert out[0] == "reach 12k (+27)"
    assert out[1].startswith("negative ") and "unfair" in out[1]
    assert out[2] == "asks about own score (+10)"
    assert out[3] == f"data confirms: score 62 -> 31, -50% in batch 2291 (+{DATA_POINTS:.0f})"
    assert out[4] == "posted 2 h ago (-2.0)"


def test_states() -> None:
    check_can_assign(MentionState.NEW)
    check_can_assign(MentionState.ASSIGNED)
    check_can_reply(MentionState.ASSIGNED)
    assert check_can_set_aside(MentionState.NEW, "  spam  ") == "spam"
    with pytest.raises(InvalidInput):
        check_can_set_aside(MentionState.NEW, " ")
    for done in (MentionState.ANSWERED, MentionState.SET_ASIDE):
        with pytest.raises(PolicyRefused):
            check_can_assign(done)
        with pytest.raises(PolicyRefused):
            check_can_reply(done)
        with pytest.raises(PolicyRefused):
            check_can_set_aside(done, "again")
    assert MentionState.parse("set-aside") is MentionState.SET_ASIDE
