"""A page post does each piece of work once: the stored answers read once, visibility computed once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.db.engine import get_engine
from app.scoring import answers as scoring_answers
from app.services import responses
from app.web.routes import respondent
from tests.api.conftest import Tenant
from tests.web.conftest import form_token
from tests.web.test_respondent_pages import _link, _page_of, _saved, _shown

PARENT, FOLLOW_UP = "m4-ask-why-chose", "insight-why-chose-used"  # the follow-up is hidden by "never"


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts, while the test runs: statements reading stored answers, and visibility computations."""
    counted = {"answer reads": 0, "visibility": 0}

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bFROM answers\b", statement):
            counted["answer reads"] += 1

    def counting_visibility(*args: Any, **kwargs: Any) -> dict[str, bool]:
        counted["visibility"] += 1
        return scoring_answers.visibility(*args, **kwargs)

    for module in (responses, respondent):
        monkeypatch.setattr(module, "visibility", counting_visibility)
    engine = get_engine()
    event.listen(engine, "before_cursor_execute", on_statement)
    yield counted
    event.remove(engine, "before_cursor_execute", on_statement)


def _form(client: TestClient, token: str, number: int) -> dict[str, Any]:
    page = client.get(f"/r/{token}/page/{number}")
    assert page.status_code == 200
    return {"csrf_token": form_token(page.text), "shown": _shown(page.text), "action": "next"}


def _choice(client: TestClient, token: str, number: int, index: int) -> str:
    html = client.get(f"/r/{token}/page/{number}").text
    return re.findall(rf'name="answer-{PARENT}" value="([^"]+)"', html)[index]


def test_a_page_post_reads_the_stored_answers_once_and_computes_visibility_once(
    client: TestClient, tenant: Tenant, work: dict[str, int]
) -> None:
    _, token = _link(tenant, "customer-centricity")
    number = _page_of(client, token, PARENT)
    data = {**_form(client, token, number), f"answer-{PARENT}": _choice(client, token, number, 2)}
    work.update({"answer reads": 0, "visibility": 0})
    response = client.post(f"/r/{token}/page/{number}", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#q-{FOLLOW_UP}")  # the page grew: visibility after the save
    assert work == {"answer reads": 1, "visibility": 1}


def test_a_refused_post_re_renders_from_the_answers_read_once(
    client: TestClient, tenant: Tenant, work: dict[str, int]
) -> None:
    _, token = _link(tenant, "customer-centricity")
    number = _page_of(client, token, "outcome-clv")
    data = {**_form(client, token, number), "answer-outcome-clv": "-5"}
    work.update({"answer reads": 0, "visibility": 0})
    response = client.post(f"/r/{token}/page/{number}", data=data, follow_redirects=False)
    assert response.status_code == 422 and 'id="error-outcome-clv"' in response.text
    assert work["answer reads"] == 1
    assert work["visibility"] == 2  # the save's check, then the page shown again


def test_a_follow_up_this_post_hides_is_left_out_even_when_its_answer_is_refused(
    client: TestClient, tenant: Tenant
) -> None:
    _, token = _link(tenant, "customer-centricity")
    number = _page_of(client, token, PARENT)
    often = _choice(client, token, number, 2)
    client.post(f"/r/{token}/page/{number}", data={**_form(client, token, number), f"answer-{PARENT}": often})
    data = {**_form(client, token, number), f"answer-{PARENT}": "never", f"answer-{FOLLOW_UP}": "9"}
    assert FOLLOW_UP in data["shown"]
    response = client.post(f"/r/{token}/page/{number}", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    saved = _saved(client, token)["answers"]
    assert saved[PARENT] == "never" and FOLLOW_UP not in saved
