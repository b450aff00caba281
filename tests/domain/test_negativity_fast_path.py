"""negativity's shortcut (the lexicon sum in C when no negator is present) gives the
careful word-by-word result on every text."""

from __future__ import annotations

import random
import re

from commandcenter.domain.negativity import (
    _SPLIT_BYTES,
    HALF,
    NEGATIVE,
    NEGATORS,
    POSITIVE,
    lexicon_sum,
    negativity,
    negativity_column,
)


def _careful(text: str) -> float:
    total = lexicon_sum(text.lower().encode().translate(_SPLIT_BYTES).split())
    bangs, shouts = text.count("!"), len(re.findall(r"\b[A-Z]{4,}\b", text))
    if bangs or shouts:
        total += min(1.0, 0.25 * bangs + 0.5 * shouts)
    return 0.0 if total <= 0.0 else total / (total + HALF)


def test_the_shortcut_matches_the_careful_sum_on_mixed_texts() -> None:
    rng = random.Random(9)
    vocabulary = [*NEGATIVE, *POSITIVE, *NEGATORS, "score", "my", "the", "Klout", "ÉTÉ",
                  "déçu", "WHY", "!!", "?", ",", "(12)", "rip-off", "n't"]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))
             for _ in range(3000)]
    texts += ["", "Thanks for the quick update", "WTF why did my score drop? Unacceptable!",
              "not happy", "never a scam", "good good good", "fine, great, thanks!!"]
    shortcut_taken = 0
    for text in texts:
        words = text.lower().encode().translate(_SPLIT_BYTES).split()
        shortcut_taken += not any(w.decode() in NEGATORS for w in words)
        assert negativity(text) == _careful(text), text
    assert 500 < shortcut_taken < len(texts)  # both paths were exercised


def test_the_column_score_is_the_score_of_each_text() -> None:
    rng = random.Random(11)
    vocabulary = [*NEGATIVE, *POSITIVE, *NEGATORS, "score", "my", "WHY", "SCAM!", "!!", "?",
                  "ÉTÉ", "déçu", "İstanbul", "rip-off", "n't", "\t", "\n", "\x0b", "(12)"]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 12)))
             for _ in range(3000)] + ["", " ", "!!!!!", "GOOD", "not", "fine fine"]
    lows = [t.lower() for t in texts]
    assert negativity_column(texts, lows) == [negativity(t) for t in texts]
    assert negativity_column([], []) == []
