"""What text from outside may contain: the one rule every boundary checks, and the repair outputs apply.

Refused everywhere: lone UTF-16 surrogates (no UTF-8 encoder, database driver or PDF writer takes
them), NUL and the other C0 and C1 control characters, DEL, and the Unicode noncharacters
(U+FFFE, U+FFFF...: XML, and so spreadsheets and the report, cannot hold them). Tab, line feed
and carriage return are text in multi-line fields (comments, text answers, descriptions,
pasted lists) and refused in one-line fields (names, titles, ids).

Pure: no I/O and no framework, so the scoring core, the questionnaire loader, the API's request
models and the pages all use this same rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator

_SURROGATES = "\ud800-\udfff"
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_ASCII_CONTROLS_BUT_LINE_BREAKS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROLS_BUT_LINE_BREAKS = _ASCII_CONTROLS_BUT_LINE_BREAKS + "\x80-\x9f"

_BAD_IN_TEXT = re.compile(f"[{_CONTROLS_BUT_LINE_BREAKS}{_SURROGATES}{_NONCHARACTERS}]")
_BAD_IN_LINE = re.compile(f"[\t\n\r{_CONTROLS_BUT_LINE_BREAKS}{_SURROGATES}{_NONCHARACTERS}]")
# The same rule for ASCII text, which can hold only the ASCII controls: a class of those alone is
# searched ~8x faster, and every printed value of every page passes through `repaired`.
_BAD_ASCII_IN_TEXT = re.compile(f"[{_ASCII_CONTROLS_BUT_LINE_BREAKS}]")
_BAD_ASCII_IN_LINE = re.compile(f"[\t\n\r{_ASCII_CONTROLS_BUT_LINE_BREAKS}]")

REPLACEMENT = "\ufffd"


def _describe(character: str) -> str:
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        return f"an unpaired UTF-16 surrogate (U+{code:04X}), which is not valid Unicode"
    if character in "\t\n\r":
        return f"a line break or tab (U+{code:04X}), and this field is one line of text"
    if code <= 0x9F:
        return f"the control character U+{code:04X}"
    return f"the Unicode noncharacter U+{code:04X}"


def _refused(value: str, *, multiline: bool) -> re.Pattern[str]:
    """The pattern of the characters refused in `value`."""
    if value.isascii():
        return _BAD_ASCII_IN_TEXT if multiline else _BAD_ASCII_IN_LINE
    return _BAD_IN_TEXT if multiline else _BAD_IN_LINE


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` may not be stored (naming the first refused character and where), or None when it may."""
    found = _refused(value, multiline=multiline).search(value)
    if found is None:
        return None
    return f"character {found.start() + 1} is {_describe(found.group())}"


def first_text_problem(value: Any, *, multiline: bool = True) -> str | None:
    """`text_problem` for every string in a JSON-like value (strings, lists, dicts' keys and values)."""
    if isinstance(value, str):
        return text_problem(value, multiline=multiline)
    if isinstance(value, list | tuple):
        for item in value:
            problem = first_text_problem(item, multiline=multiline)
            if problem is not None:
                return problem
    if isinstance(value, dict):
        for key, item in value.items():
            problem = first_text_problem(key, multiline=False) or first_text_problem(item, multiline=multiline)
            if problem is not None:
                return problem
    return None


S = TypeVar("S", bound=str)
T = TypeVar("T")


def repaired(value: S) -> S:
    """`value` with every refused character (line breaks and tabs kept) replaced by U+FFFD, for outputs
    that must not fail on a value stored before these checks existed. Keeps `value`'s str subclass
    (markupsafe's Markup stays Markup)."""
    refused = _refused(value, multiline=True)
    if refused.search(value) is None:
        return value
    return type(value)(refused.sub(REPLACEMENT, value))


def repaired_deep(value: Any) -> Any:
    """`repaired` applied to every string in plain data (dicts, lists, tuples); anything else is kept as is."""
    if isinstance(value, str):
        return repaired(value)
    if isinstance(value, dict):
        return {repaired_deep(key): repaired_deep(item) for key, item in value.items()}
    if isinstance(value, list):
        return [repaired_deep(item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(repaired_deep(item) for item in value)
    return value


def printable(value: Any) -> Any:
    """A template's `finalize`: every printed string repaired, so no stored value can break a page."""
    return repaired(value) if isinstance(value, str) else value


def _checker(multiline: bool) -> Callable[[T], T]:
    def check(value: T) -> T:
        if isinstance(value, str) and (problem := text_problem(value, multiline=multiline)) is not None:
            raise ValueError(problem)
        return value

    return check


# For request models, after a field's own constraints (`Annotated[str | None, Field(...), ONE_LINE]`):
# ONE_LINE for names, titles and ids, MULTILINE for comments and other multi-line text.
ONE_LINE = AfterValidator(_checker(multiline=False))
MULTILINE = AfterValidator(_checker(multiline=True))
CleanLine = Annotated[str, ONE_LINE]  # a one-line text with no other constraint (dict keys)


_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(text: str) -> int | None:
    """A whole number typed in a form (ASCII digits, at most 18 of them), or None. `str.isdigit` is no
    test: it takes "¹" and other digits that `int` refuses."""
    typed = text.strip()
    return int(typed) if _WHOLE_NUMBER.fullmatch(typed) else None
