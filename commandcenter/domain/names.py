"""People's names as keys: one spelling per person, and no look-alikes.

A roster is where authority comes from, so "Danıel Reyes" (dotless ı) must
not sit beside "Daniel Reyes". Two keys:

* ``name_key``: NFKC-normalised, case-folded, white space collapsed. Two names
  with the same key are the same name.
* ``skeleton``: what the name looks like. Compatibility decomposition, accents
  and other combining marks dropped, look-alike letters from other scripts
  (Cyrillic "а", Greek "ο", Latin "ı", "ł", ...) mapped to the Latin letter
  they imitate, zero-width characters removed, case folded. Two names with the
  same skeleton are confusable, so the second is refused, naming the first.

The table covers the letters of Unicode's confusables list (UTS #39) that
imitate the Latin alphabet in the scripts a roster meets; it errs on the side
of refusing ("José" and "Jose" are one person's name written two ways).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from .errors import InvalidInput

# Look-alikes of Latin letters and digits (UTS #39 confusables, prototype on the right).
_CONFUSABLE = {
    # Latin letters without a decomposition
    "ı": "i", "ȷ": "j", "ł": "l", "ŀ": "l", "ƚ": "l", "ø": "o", "đ": "d", "ħ": "h",
    "ŧ": "t", "ß": "ss", "æ": "ae", "œ": "oe", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ʟ": "l",
    "ɪ": "i", "ʀ": "r", "ᴀ": "a", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ᴋ": "k", "ᴍ": "m",
    "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z", "ſ": "s",
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "и": "u", "і": "i", "ї": "i",
    "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ү": "y", "ӏ": "l", "ɛ": "e", "ь": "b", "г": "r",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    "ζ": "z", "μ": "u",
    # Armenian and others often used to spoof
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "զ": "q",
    # Digits and letters that imitate each other in most fonts
    "0": "o", "1": "l", "|": "l", "!": "l",
}
# Characters that render as nothing (or as a plain space) and so hide a difference.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"}


def clean_name(name: str) -> str:
    """The name as stored: NFKC, invisible characters removed, white space collapsed."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if ch not in _INVISIBLE)
    return " ".join(text.split())


def name_key(name: str) -> str:
    """Equal for names that are the same name."""
    return clean_name(name).casefold()


def skeleton(name: str) -> str:
    """Equal for names that look alike."""
    text = unicodedata.normalize("NFKD", clean_name(name).casefold())
    out: list[str] = []
    for ch in text:
        if unicodedata.combining(ch) or ch in _INVISIBLE:
            continue
        if unicodedata.category(ch).startswith(("Z", "P")) and ch not in "|!":
            out.append(" ")  # hyphens, dots and spaces all read as a gap
            continue
        out.append(_CONFUSABLE.get(ch, ch))
    return " ".join("".join(out).split())


def check_new_names(names: Iterable[tuple[str, str]], existing: Mapping[str, str]) -> None:
    """Refuse a name (``(where, name)`` pairs) confusable with one on the roster or earlier.

    ``existing`` maps skeleton to the stored name. ``where`` prefixes the error
    ("line 4: "), so a file's bad line is named.
    """
    seen = {key: (name, "") for key, name in existing.items()}
    for where, name in names:
        key = skeleton(name)
        if key in seen:
            other, other_where = seen[key]
            same = name_key(other) == name_key(name)
            if other_where:
                reason = f"repeats {other!r} ({other_where.rstrip(': ')})"
            else:
                reason = "is already on the roster" if same else f"looks like {other!r}"
            raise InvalidInput(f"{where}name: {name!r} {reason}")
        seen[key] = (name, where or "earlier")
