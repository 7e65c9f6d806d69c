"""The one rule on outside text (`app.text`): what it refuses and repairs, the same on its ASCII fast path."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from app.text import REPLACEMENT, repaired, text_problem

# Every character the rule refuses, by the definition in app/text.py's docstring, written out here
# independently of its patterns: C0 controls but tab/LF/CR, DEL, C1 controls, surrogates, noncharacters.
REFUSED_EVERYWHERE = (
    [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n\r"]
    + [chr(0x7F)]
    + [chr(c) for c in range(0x80, 0xA0)]
    + ["\ud800", "\udbff", "\udc00", "\udfff"]
    + [chr(c) for c in range(0xFDD0, 0xFDF0)]
    + [chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)]
)
LINE_BREAKS = ["\t", "\n", "\r"]
ACCEPTED = [" ", "a", "~", "\u00a0", "é", "\u2028", "\ufdcf", "\ufdf0", "\ufffd", "😀", "\U0010fffd"]


@pytest.mark.parametrize("neighbour", ["plain ascii ", "accentué "])
def test_every_refused_character_is_refused_in_ascii_and_in_other_text(neighbour: str) -> None:
    # The neighbour decides which pattern searches the value: an ASCII-only string takes the fast
    # path unless the refused character itself is not ASCII; "accentué" always takes the full one.
    for character in REFUSED_EVERYWHERE:
        value = neighbour + character
        position = len(neighbour) + 1
        assert text_problem(value, multiline=True) is not None, repr(character)
        assert f"character {position} " in (text_problem(value) or ""), repr(character)
        assert repaired(value) == neighbour + REPLACEMENT, repr(character)


@pytest.mark.parametrize("neighbour", ["plain ascii ", "accentué "])
def test_line_breaks_are_refused_in_one_line_fields_only_and_never_repaired(neighbour: str) -> None:
    for character in LINE_BREAKS:
        value = neighbour + character + "next"
        assert text_problem(value, multiline=True) is None
        assert "line break or tab" in (text_problem(value, multiline=False) or "")
        assert repaired(value) == value


def test_accepted_characters_pass_unchanged() -> None:
    for character in ACCEPTED:
        for value in (character, "ascii " + character, character * 3):
            assert text_problem(value) is None, repr(value)
            assert repaired(value) is value, repr(value)


def test_repair_keeps_markup_as_markup_on_both_paths() -> None:
    for value in (Markup("<b>x\x00</b>"), Markup("<b>é\x85</b>")):
        fixed = repaired(value)
        assert isinstance(fixed, Markup)
        assert REPLACEMENT in fixed and "\x00" not in fixed and "\x85" not in fixed
