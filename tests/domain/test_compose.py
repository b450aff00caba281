"""Templates, the crisis-plan checklist and length as the composer shows them."""

from __future__ import annotations

from commandcenter.domain.compose import (
    checklist,
    fill,
    length_status,
    revision_diff_html,
    unfilled,
)
from commandcenter.domain.messages import Channel
from commandcenter.services.templates import load_templates


def ticked(text: str) -> set[str]:
    return {item.key for item in checklist(text) if item.satisfied}


def test_the_checklist_ticks_each_point_only_when_the_text_covers_it() -> None:
    assert ticked("Hello.") == set()
    assert ticked("We know scores dropped.") == {"acknowledges"}
    assert ticked("We know scores dropped and we are sorry.") == {"acknowledges", "apologises"}
    full = ("We know many scores dropped overnight; we are sorry. We are restoring them "
            "from the last good batch. Next update by 12:00 UTC.")
    assert ticked(full) == {"acknowledges", "apologises", "doing", "next_update"}


def test_every_template_fills_every_placeholder() -> None:
    texts = [text for t in load_templates() for text in t.texts]
    values = {name: f"<{name}>" for text in texts for name in unfilled(text.body)}
    for text in texts:
        assert unfilled(fill(text.body, values)) == [], text


def test_drill_length_counts_the_exercise_prefix_like_the_service() -> None:
    plain = length_status(Channel.X, "x" * 275)
    drill = length_status(Channel.X, "x" * 275, drill=True)
    assert plain.length == 275 and not plain.over
    assert drill.length == 275 + len("EXERCISE: ") and drill.over


def test_the_diff_strikes_removed_words_and_marks_added_ones() -> None:
    html = revision_diff_html("scores fell by half", "scores fell by a third")
    assert "<s " in html and "half" in html and "third" in html
    assert "&lt;" in revision_diff_html("a", "a <b>")
