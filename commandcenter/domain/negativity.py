"""How negative a mention is, from a small word list: no network, no model, no surprises.

``negativity(text)`` is in [0, 1]. Each word of the lexicon carries a weight
(1 mild, 2 clear, 3 strong); a negator just before a word ("not", "never",
"no", "n't" words) turns a negative word off and a positive word into a mild
negative ("not happy"). Shouting adds a little: each word of four letters or
more in capitals adds 0.5, each "!" 0.25 (at most 1 in all). Positive words
take half their weight off. The sum ``s`` becomes ``s / (s + 3)``: one clear
word gives 0.4, two give 0.57, a rant approaches 1, and nothing negative is 0.

Words are matched after lower-casing and cutting the text at white space
and punctuation (apostrophes and hyphens stay inside words), so "WTF!!" and
"wtf" are the same word.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

NEGATIVE: dict[str, int] = {
    # strong
    "scam": 3, "fraud": 3, "outrageous": 3, "disgrace": 3, "disgusting": 3, "furious": 3,
    "unacceptable": 3, "pathetic": 3, "joke": 2, "lawsuit": 3, "sue": 3, "hate": 3,
    "wtf": 3, "ridiculous": 3, "garbage": 3, "worst": 3, "rigged": 3, "liar": 3, "lies": 3,
    "betrayed": 3, "shameful": 3, "infuriating": 3, "useless": 3, "rip-off": 3,
    # clear
    "angry": 2, "unfair": 2, "broken": 2, "terrible": 2, "awful": 2, "horrible": 2,
    "plummet": 2, "plummeted": 2, "plummeting": 2, "tanked": 2, "crashed": 2, "wrong": 2,
    "fools": 2, "fool": 2, "quit": 2, "cancel": 2, "cancelled": 2, "deleting": 2,
    "delete": 2, "mess": 2, "disappointed": 2, "disappointing": 2, "upset": 2, "bad": 2,
    "destroyed": 2, "ruined": 2, "halved": 2, "slashed": 2, "hardship": 2,
    "hardships": 2, "transparency": 1, "shady": 2, "secret": 1, "silence": 1, "mum": 1,
    "ignored": 2, "ignoring": 2, "bogus": 2, "nonsense": 2, "lost": 2, "punished": 2,
    # mild
    "dropped": 1, "drop": 1, "dropping": 1, "fell": 1, "fall": 1, "falling": 1, "down": 1,
    "lower": 1, "decline": 1, "declined": 1, "declines": 1, "confused": 1, "confusing": 1,
    "why": 1, "worried": 1, "concerned": 1, "concern": 1, "problem": 1, "issue": 1,
    "glitch": 1, "bug": 1, "annoyed": 1, "frustrated": 2, "frustrating": 2, "sucks": 2,
    "backlash": 1, "worse": 2, "unexplained": 1, "explanation": 1, "palm-to-face": 2,
    "facepalm": 2,
}
POSITIVE: dict[str, int] = {
    "thanks": 2, "thank": 2, "great": 2, "love": 2, "awesome": 2, "good": 1, "happy": 2,
    "fixed": 2, "appreciate": 2, "helpful": 2, "nice": 1, "fine": 1, "glad": 2,
    "improved": 1, "fair": 1, "excellent": 2,
}
NEGATORS = frozenset({"not", "no", "never", "nothing", "hardly", "isn't", "wasn't", "don't",
                      "doesn't", "didn't", "can't", "won't", "aren't", "haven't", "nor"})
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
HALF = 3.0  # the sum at which negativity is 0.5


@dataclass(frozen=True, slots=True)
class Negativity:
    score: float  # 0..1
    words: tuple[str, ...]  # the negative words that counted, in text order


_SPLIT = str.maketrans({c: " " for c in "!\"#$%&()*+,./:;<=>?@[\\]^_`{|}~\t\r\n"})
# The same cut on UTF-8 bytes: bytes.translate is a table look-up in C, str.translate
# with a dict is not (about 10x slower).
_SPLIT_BYTES = bytes(b if chr(b) not in "!\"#$%&()*+,./:;<=>?@[\\]^_`{|}~\t\r\n" else 32
                     for b in range(256))
_CAPS4 = re.compile(r"[A-Z]{4}")
_WEIGHT = {**{w.encode(): float(v) for w, v in NEGATIVE.items()},
           **{w.encode(): -0.5 * v for w, v in POSITIVE.items()}}
_LEXICON = frozenset(_WEIGHT)
_NEGATORS = frozenset(n.encode() for n in NEGATORS)
assert _LEXICON.isdisjoint(_NEGATORS)
# For negativity_column: a text's words between two NUL words (a text holds no NUL), a
# negator marked by a weight no sum of lexicon words comes near.
_NEGATOR_MARK = 2.0**40
_COLUMN_WEIGHT = {**_WEIGHT, **dict.fromkeys(_NEGATORS, _NEGATOR_MARK), b"\x00": math.nan}
_NUL_WORD = " \x00 "


def negativity(text: str) -> float:
    """The score alone."""
    return negativity_lower(text, text.lower())


def negativity_lower(text: str, low: str) -> float:
    """:func:`negativity` given the text lower-cased too: the import path calls this a
    million times, and lower-cases each text once for this and :func:`own_score_lower`."""
    total = 0.0
    words = low.encode().translate(_SPLIT_BYTES).split()
    if _LEXICON.isdisjoint(words):
        pass
    elif _NEGATORS.isdisjoint(words):
        # No negator, so every word counts as it is: the sum in C. The weights are
        # multiples of 0.5, so the sum is exact in any order (the loop's result).
        total = sum(map(_WEIGHT.get, words, repeat(0.0)))
    else:
        total = lexicon_sum(words)
    bangs = text.count("!")
    shouts = len(_SHOUT.findall(text)) if _CAPS4.search(text) is not None else 0
    if bangs or shouts:
        total += min(1.0, 0.25 * bangs + 0.5 * shouts)
    if total <= 0.0:
        return 0.0
    return total / (total + HALF)


def negativity_column(texts: Sequence[str], lows: Sequence[str]) -> list[float]:
    """:func:`negativity_lower` of each text (none holding a NUL character), a batch at a
    time: the batch's words are cut in one pass and their weights summed per text with
    NumPy. The weights are multiples of 0.5, so each sum is exact in any order, and the
    rest is the same float64 arithmetic: the very same numbers. A text with a negator is
    scored by :func:`negativity_lower` itself."""
    import numpy as np  # here: a listing needs no NumPy

    if not texts:
        return []
    joined = (_NUL_WORD + _NUL_WORD.join(lows)).encode().translate(_SPLIT_BYTES)
    weights = np.fromiter(map(_COLUMN_WEIGHT.get, joined.split(), repeat(0.0)),
                          dtype=np.float64)
    starts = np.flatnonzero(np.isnan(weights))
    if starts.size != len(texts):
        return list(map(negativity_lower, texts, lows))  # not reached: a text held a NUL
    weights[starts] = 0.0
    total = np.add.reduceat(weights, starts)
    bangs = np.fromiter(map(str.count, texts, repeat("!")), dtype=np.float64,
                        count=len(texts))
    shouts = np.zeros(len(texts))
    for i, found in enumerate(map(_CAPS4.search, texts)):
        if found is not None:
            shouts[i] = len(_SHOUT.findall(texts[i]))
    loud = (bangs > 0) | (shouts > 0)
    total = np.where(loud, total + np.minimum(1.0, 0.25 * bangs + 0.5 * shouts), total)
    out = np.zeros(len(texts))
    np.divide(total, total + HALF, out=out, where=total > 0.0)
    scores = out.tolist()
    for i in np.flatnonzero(total >= _NEGATOR_MARK / 2).tolist():
        scores[i] = negativity_lower(texts[i], lows[i])
    return scores


def lexicon_sum(words: list[bytes]) -> float:
    """The careful sum of the lexicon weights of ``words`` (lower-cased, cut), word by
    word with the negators; :func:`negativity_lower` takes a shortcut when it can."""
    total = 0.0
    previous = b""
    weight_of = _WEIGHT.get
    for word in words:
        weight = weight_of(word)
        if weight is not None:
            if previous in _NEGATORS:
                if weight < 0:  # "not happy"
                    total += 1.0
            else:
                total += weight
        previous = word
    return total


def explain_negativity(text: str) -> Negativity:
    """The score and the words behind it, for the reasons shown beside a mention."""
    words: list[str] = []
    previous = ""
    for word in text.lower().translate(_SPLIT).split():
        if word in NEGATIVE and previous not in NEGATORS:
            words.append(word)
        elif word in POSITIVE and previous in NEGATORS:
            words.append(f"{previous} {word}")
        previous = word
    return Negativity(negativity(text), tuple(dict.fromkeys(words)))


_OWN_SCORE = re.compile(  # matched against the lower-cased text
    r"\bmy\s+(?:\w+\s+){0,2}?(?:score|scores|klout|rank|ranking|rating|number|influence)\b"
    r"|\b(?:score|klout|rank|rating)\s+of\s+mine\b"
    r"|\bi\s+(?:went|dropped|fell|lost)\s+(?:from\s+)?\d")


def about_own_score(text: str) -> bool:
    """The author talks about their own score ("my score", "why did my Klout drop?")."""
    return own_score_lower(text.lower())


def own_score_lower(low: str) -> bool:
    if "my" not in low and "mine" not in low and "i " not in low:
        return False  # most texts: no regular expression run at all
    return _OWN_SCORE.search(low) is not None
