"""Names as keys: the same name is one key, a look-alike one skeleton."""

from __future__ import annotations

import pytest

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.names import check_new_names, clean_name, name_key, skeleton


def test_the_same_name_written_differently_is_one_key() -> None:
    assert name_key("  Daniel   Reyes ") == name_key("DANIEL REYES") == "daniel reyes"
    assert name_key("Ｄａｎｉｅｌ Reyes") == "daniel reyes"  # full-width, NFKC
    assert clean_name("Dan\u200biel Reyes") == "Daniel Reyes"


@pytest.mark.parametrize("spoof", ["Danıel Reyes", "Dаniel Reyes", "Daniel Rеyes",
                                   "Dániel Reyes", "Danie1 Reyes", "Daniel-Reyes",
                                   "Daniel Reyes.", "ᴅaniel reyes"])
def test_look_alikes_share_a_skeleton(spoof: str) -> None:
    assert skeleton(spoof) == skeleton("Daniel Reyes")


@pytest.mark.parametrize("other", ["Daniela Reyes", "Dan Reyes", "Daniel Reye", "Maya Okafor"])
def test_different_names_do_not(other: str) -> None:
    assert skeleton(other) != skeleton("Daniel Reyes")


def test_a_look_alike_is_refused_naming_the_original_and_the_line() -> None:
    with pytest.raises(InvalidInput, match="line 7: name: 'Danıel Reyes' looks like "
                                           "'Daniel Reyes'"):
        check_new_names([("line 7: ", "Danıel Reyes")], {skeleton("Daniel Reyes"):
                                                         "Daniel Reyes"})
    with pytest.raises(InvalidInput, match=r"line 3: name: 'ann b' repeats 'Ann B' \(line 2\)"):
        check_new_names([("line 2: ", "Ann B"), ("line 3: ", "ann b")], {})
