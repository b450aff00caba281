"""Message bodies: X's weighted length, channel limits, the EXERCISE prefix, the content hash."""

from __future__ import annotations

import pytest

from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.messages import (
    LIMITS,
    Channel,
    MessageState,
    check_body,
    check_edit_allowed,
    content_hash,
    exercise_body,
    x_length,
)

SHORT_URL = "https://t.co/x"
LONG_URL = "https://klout.example/blog/2011/10/26/an-update-on-scores?utm_source=" + "a" * 150


def test_plain_ascii_counts_one_per_character() -> None:
    assert x_length("Scores are back.") == 16


@pytest.mark.parametrize("url", [SHORT_URL, LONG_URL, "http://klout.example",
                                 "www.klout.example/faq", "klout.example/score"])
def test_a_url_counts_23_whatever_its_length(url: str) -> None:
    assert x_length(url) == 23
    assert x_length(f"Read {url} now") == len("Read ") + 23 + len(" now")


def test_two_urls_count_23_each() -> None:
    assert x_length(f"{SHORT_URL} and {LONG_URL}") == 23 + 5 + 23


@pytest.mark.parametrize(("text", "expected"), [
    ("日本", 4),  # CJK
    ("점수", 4),  # Hangul
    ("スコア", 6),  # Katakana
    ("score 日本", 6 + 4),
    ("é", 1),  # Latin with accent stays 1
    ("e\u0301", 1),  # decomposed, normalised to NFC first
    ("\u2014", 1),  # em dash is in a light range
])
def test_weighted_characters(text: str, expected: int) -> None:
    assert x_length(text) == expected


def test_emoji_counts_two() -> None:
    assert x_length("\U0001F600") == 2


def test_exactly_280_is_accepted_and_281_refused() -> None:
    assert check_body(Channel.X, "a" * 280) == "a" * 280
    with pytest.raises(InvalidInput, match=r"body: 281 weighted characters, over the x limit"):
        check_body(Channel.X, "a" * 281)


def test_limit_with_a_long_url() -> None:
    at_limit = "a" * 256 + " " + LONG_URL  # 256 + 1 + 23 = 280
    assert len(at_limit) > 280
    assert check_body(Channel.X, at_limit)
    with pytest.raises(InvalidInput, match="281 weighted"):
        check_body(Channel.X, "a" + at_limit)


def test_limit_with_cjk() -> None:
    assert check_body(Channel.X, "日" * 140)
    with pytest.raises(InvalidInput, match="282 weighted"):
        check_body(Channel.X, "日" * 141)
    with pytest.raises(InvalidInput, match="281 weighted"):
        check_body(Channel.X, "日" * 140 + "a")


def test_other_channels_count_plain_characters() -> None:
    body = "日" * LIMITS[Channel.STATUS_PAGE]
    assert check_body(Channel.STATUS_PAGE, body) == body
    with pytest.raises(InvalidInput, match=r"over the status_page limit of 5000"):
        check_body(Channel.STATUS_PAGE, body + "x")


def test_empty_body_and_long_title_are_refused() -> None:
    with pytest.raises(InvalidInput, match="body: must not be empty"):
        check_body(Channel.BLOG, "   \n ")
    with pytest.raises(InvalidInput, match="title: "):
        check_body(Channel.BLOG, "text", "t" * 301)


@pytest.mark.parametrize(("body", "expected"), [
    ("Scores are back.", "EXERCISE: Scores are back."),
    ("  Scores are back.", "EXERCISE: Scores are back."),
    ("EXERCISE: already marked", "EXERCISE: already marked"),
    ("exercise - lower case counts", "exercise - lower case counts"),
])
def test_drill_bodies_start_with_exercise(body: str, expected: str) -> None:
    assert exercise_body(body) == expected
    assert exercise_body(exercise_body(body)) == expected


def test_content_hash_covers_channel_title_and_body() -> None:
    base = content_hash(Channel.X, None, "We are on it.")
    assert base == content_hash(Channel.X, "", "We are on it.")
    assert len(base) == 64
    assert base != content_hash(Channel.FACEBOOK, None, "We are on it.")
    assert base != content_hash(Channel.X, "Update", "We are on it.")
    assert base != content_hash(Channel.X, None, "We are on it!")
    assert base != content_hash(Channel.X, None, "We are on it. ")


@pytest.mark.parametrize("state", list(MessageState))
def test_only_unpublished_live_messages_can_be_edited(state: MessageState) -> None:
    if state in (MessageState.PUBLISHED, MessageState.WITHDRAWN):
        with pytest.raises(PolicyRefused):
            check_edit_allowed(state)
    else:
        check_edit_allowed(state)


def test_channel_names() -> None:
    assert Channel.parse("Twitter") is Channel.X
    assert Channel.parse("status page") is Channel.STATUS_PAGE
    with pytest.raises(InvalidInput, match=r"^channel: 'myspace'"):
        Channel.parse("myspace")
    assert not Channel.INTERNAL.is_public


@pytest.mark.parametrize(("text", "expected"), [
    ("klout.com", 23),
    ("see klout.com/score now", 4 + 23 + 4),
    ("nyc.gov.", 24),
    ("e.g. this", 9),
    ("3.5 points", 10),
])
def test_bare_domains_count_as_links_as_on_x(text: str, expected: int) -> None:
    assert x_length(text) == expected
