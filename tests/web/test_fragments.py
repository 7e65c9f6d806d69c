"""Page fragments printed once per context (`app.web.templating.fragment`): same values, same print;
any changed value, a new print."""

from __future__ import annotations

from typing import Any

import pytest

from app.web import templating
from app.web.templating import fragment
from tests.web import test_escaping  # noqa: F401  (first: it gathers the hostile modules, which import it)
from tests.web.hostile_results import _ASSESSMENT, _VIEW

NAME = "web/consultant/_results_content.html"


@pytest.fixture
def prints(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The contexts the fragment's template was actually rendered with."""
    rendered: list[dict[str, Any]] = []
    template = templating.environment.get_template(NAME)
    original = template.render

    def counting(*args: Any, **kwargs: Any) -> str:
        rendered.append(dict(*args, **kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(template, "render", counting)
    monkeypatch.setattr(templating, "_fragments", type(templating._fragments)(maxsize=8))
    return rendered


def _context(title: str, respondents: int) -> dict[str, Any]:
    return {"assessment": {**_ASSESSMENT, "title": title}, "view": {**_VIEW, "respondents": respondents}}


def test_the_same_values_are_printed_once(prints: list[dict[str, Any]]) -> None:
    first = fragment(NAME, **_context("Q3 run", 12))
    again = fragment(NAME, **_context("Q3 run", 12))  # equal values, new objects: the key is the content
    assert again == first
    assert len(prints) == 1


def test_any_changed_value_is_printed_anew(prints: list[dict[str, Any]]) -> None:
    fragment(NAME, **_context("Q3 run", 12))
    one_more = fragment(NAME, **_context("Q3 run", 13))  # one more respondent submitted
    renamed = fragment(NAME, **_context("Q4 run", 12))  # another assessment, same figures
    assert len(prints) == 3
    assert "Q4 run" not in one_more and "Q3 run" not in renamed


def test_a_fragment_repairs_stored_text_once_and_the_page_prints_it_as_is(prints: list[dict[str, Any]]) -> None:
    # A title stored before the text rule existed, with a NUL and a C1 control in it.
    content = fragment(NAME, **_context("Q3\x00 run\x85", 12))
    assert "\x00" not in content and "\x85" not in content and "Q3\ufffd run\ufffd" in content
    page = templating.environment.from_string("<main>{{ content }}</main>").render(content=content)
    assert page == f"<main>{content}</main>"  # printed as it is: not escaped twice, not searched again
    # Any other markup still passes the repair when printed.
    assert "\ufffd" in templating.environment.from_string("{{ m }}").render(m=templating.Markup("a\x00"))
