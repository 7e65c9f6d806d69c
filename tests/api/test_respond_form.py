"""`GET /respond/{token}`: the form made once per pinned questionnaire, its exact shape, and its ETag."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import respond_form
from app.api.schemas import ProgressPublic, RespondQuestion, RespondSection, RespondView
from app.db.session import read_session
from app.questionnaire.library import find_questionnaire
from app.questionnaire.models import Question
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import visibility
from app.services import responses
from tests.api.conftest import Tenant

FLAGSHIP = "customer-centricity"
PARENT, FOLLOW_UP = "experience-journey-maps", "experience-journey-refresh"  # shown from level 3 on
WITH_COMMENT = "strategy-customer-strategy"


def form(client: TestClient, token: str, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag is not None else {}
    return client.get(f"/api/v1/respond/{token}", headers=headers)


@pytest.fixture
def token(tenant: Tenant) -> str:
    assessment = tenant.open_assessment(FLAGSHIP)
    (made,) = tenant.invite(assessment["id"], ("executive", "sales"))
    return made


def test_the_body_is_the_response_models_json_with_every_visible_question(
    client: TestClient, tenant: Tenant, token: str
) -> None:
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": {PARENT: 4}, "comments": {}})
    response = form(client, token)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    # Field for field (and in order) what the documented model serializes to.
    assert list(body) == list(RespondView.model_fields)
    assert RespondView.model_validate(body).model_dump(mode="json") == body
    questionnaire = find_questionnaire(FLAGSHIP)
    visible = visibility(questionnaire, {PARENT: 4})
    shown = [q["id"] for section in body["sections"] for q in section["questions"]]
    pages = [d.id for d in questionnaire.dimensions] + [None]
    expected = [q for page in pages for q in questionnaire.questions if q.dimension == page and visible[q.id]]
    assert shown == [q.id for q in expected]
    assert FOLLOW_UP in shown
    normalized = {q["id"]: q for q in tenant.get(f"/questionnaires/{FLAGSHIP}").json()["questions"]}
    for section in body["sections"]:
        for question in section["questions"]:
            assert question["answers"] == normalized[question["id"]]["answers"]
            assert question["dimension"] == section["id"] == normalized[question["id"]]["dimension"]
            assert question["text"] == normalized[question["id"]]["text"]
    assert body["answers"] == {PARENT: 4}
    assert body["progress"]["answered"] == 1 and isinstance(body["progress"]["share"], float)
    assert body["status"] == "open" and body["role"] == "executive" and body["function"] == "sales"


def test_an_unchanged_form_is_a_304_with_no_body(client: TestClient, token: str) -> None:
    first = form(client, token)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: no W/
    again = form(client, token)
    assert again.headers["etag"] == etag and again.content == first.content
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = form(client, token, sent)
        assert not_modified.status_code == 304, sent
        assert not_modified.content == b""
        assert not_modified.headers["etag"] == etag
        assert not_modified.headers["cache-control"] == "no-store"
    assert form(client, token, '"something else"').status_code == 200


def test_the_etag_changes_with_every_change_of_the_form(client: TestClient, tenant: Tenant, token: str) -> None:
    seen: list[str] = []

    def changed() -> dict[str, Any]:
        response = form(client, token, seen[-1] if seen else None)
        assert response.status_code == 200, "a stale ETag must get the whole form"
        assert response.headers["etag"] not in seen
        seen.append(response.headers["etag"])
        return response.json()  # type: ignore[no-any-return]

    changed()

    def save(answers: dict[str, Any], comments: dict[str, Any] | None = None) -> None:
        saved = client.put(f"/api/v1/respond/{token}/answers", json={"answers": answers, "comments": comments or {}})
        assert saved.status_code == 200, saved.text

    save({PARENT: 4})
    assert FOLLOW_UP in str(changed()["sections"])
    save({WITH_COMMENT: 3})
    changed()
    save({}, {WITH_COMMENT: "Written in the 2026 plan."})
    assert changed()["comments"] == {WITH_COMMENT: "Written in the 2026 plan."}
    save({PARENT: 1})  # hides the follow-up
    assert FOLLOW_UP not in str(changed()["sections"])
    save({PARENT: None})
    assert PARENT not in changed()["answers"]
    # Not only answers: the status is part of the form too.
    assessment_id = tenant.get("/assessments").json()["items"][0]["id"]
    assert tenant.post(f"/assessments/{assessment_id}/close").status_code == 200
    assert changed()["status"] == "closed"


def test_the_form_of_a_questionnaire_is_made_once(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    build = respond_form._build

    def counting(questionnaire: Any) -> respond_form.Form:
        built.append(questionnaire.id)
        return build(questionnaire)

    monkeypatch.setattr(respond_form, "_build", counting)
    monkeypatch.setattr(respond_form, "_forms", type(respond_form._forms)(maxsize=8))
    assessment = tenant.open_assessment(FLAGSHIP)
    tokens = tenant.invite(assessment["id"], ("executive", "sales"), ("manager", "service"))
    for made in tokens * 3:
        assert form(client, made).status_code == 200
    assert built == [FLAGSHIP]


def test_an_unknown_link_is_still_a_404(client: TestClient) -> None:
    response = form(client, "no-such-token", "*")
    assert response.status_code == 404


def reference_body(token: str) -> bytes:
    """The form as the response model made it before the form was cached: model objects, serialized by pydantic."""
    with read_session() as session:
        context = responses.by_token(session.connection(), token)
        values, comments = responses.stored_values(session.connection(), context.link.respondent_id)
    questionnaire = context.questionnaire
    visible = visibility(questionnaire, values)

    def question(q: Question) -> RespondQuestion:
        return RespondQuestion(
            id=q.id,
            dimension=q.dimension,
            type=q.type.value,
            text=q.text,
            help=q.help,
            required=q.required,
            comment_prompt=q.comment,
            answers=accepted_answers(q, questionnaire),
        )

    sections = []
    for dimension in questionnaire.dimensions:
        shown = [question(q) for q in questionnaire.questions if q.dimension == dimension.id and visible[q.id]]
        if shown:
            sections.append(
                RespondSection(
                    id=dimension.id, title=dimension.title, description=dimension.description, questions=shown
                )
            )
    unplaced = [question(q) for q in questionnaire.questions if q.dimension is None and visible[q.id]]
    if unplaced:
        sections.append(
            RespondSection(
                id=None,
                title="Results your organization tracks",
                description="Figures about customers and employees; they are reported beside the maturity score.",
                questions=unplaced,
            )
        )
    answers = {q: v for q, v in sorted(values.items()) if visible.get(q)}
    progress = responses.progress_of(questionnaire, answers)
    status = responses.respondent_status(context.link.submitted_at, context.link)
    view = RespondView(
        assessment_title=context.link.title,
        questionnaire={"id": questionnaire.id, "version": questionnaire.version, "title": questionnaire.title},
        status=status,
        role=context.link.role,
        function=context.link.function,
        sections=sections,
        answers=answers,
        comments=dict(sorted(comments.items())),
        progress=ProgressPublic.of(progress),
        missing_required=progress.missing_required,
    )
    return view.model_dump_json().encode()


def test_the_body_is_byte_for_byte_what_the_response_model_serializes_to(client: TestClient, token: str) -> None:
    assert form(client, token).content == reference_body(token)
    client.put(
        f"/api/v1/respond/{token}/answers",
        json={
            "answers": {
                PARENT: 4,
                FOLLOW_UP: "quarterly",
                WITH_COMMENT: 2,
                "outcome-nps": [10, 9, 3],
                "outcome-clv": 1.5,
            },
            "comments": {WITH_COMMENT: 'Ünïcode ✓ "quoted" \\ and\nlines'},
        },
    )
    body = form(client, token)
    assert body.json()["answers"][FOLLOW_UP] == "quarterly"
    assert body.content == reference_body(token)
