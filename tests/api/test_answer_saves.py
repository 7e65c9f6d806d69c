"""Answer saves (`PUT /api/v1/respond/{token}/answers`) beyond the route tests: the response shape,
comments, Idempotency-Key replays, one row per question when saves race, and the ORM callers
(the web form) seeing what a save wrote."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import col, func, select

from app.api.schemas import ProgressPublic, SavedAnswers
from app.db.engine import get_engine
from app.db.session import session_scope
from app.db.tables import Answer, Respondent
from app.security import digest
from app.services import responses
from tests.api.conftest import Tenant

THREADS = 8


def _commented_question(client: TestClient, token: str) -> str:
    view = client.get(f"/api/v1/respond/{token}").json()
    return str(
        next(
            q["id"]
            for s in view["sections"]
            for q in s["questions"]
            if q["comment_prompt"] and q["type"] == "maturity" and q["required"]
        )
    )


def _stored(token: str) -> dict[str, tuple[Any, str | None]]:
    with session_scope() as session:
        respondent = session.exec(select(Respondent).where(Respondent.token_hash == digest(token))).one()
        rows = session.exec(select(Answer).where(Answer.respondent_id == respondent.id)).all()
        return {a.question_id: (a.value, a.comment) for a in rows}


def test_the_response_is_a_saved_answers_document(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    response = client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 3}})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == set(SavedAnswers.model_fields)
    assert SavedAnswers.model_validate(body).model_dump() == body
    assert set(body["progress"]) == set(ProgressPublic.model_fields)
    view = client.get(f"/api/v1/respond/{token}").json()
    assert body["saved"] == 1
    assert body["progress"] == view["progress"] and body["missing_required"] == view["missing_required"]


def test_comments_are_kept_replaced_and_cleared(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("customer-centricity")
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    question = _commented_question(client, token)

    def put(body: dict[str, Any]) -> None:
        response = client.put(url, json=body)
        assert response.status_code == 200, response.text

    put({"answers": {question: 2}, "comments": {question: "first"}})
    assert _stored(token)[question] == (2, "first")
    put({"answers": {question: 3}})  # a new value keeps the comment
    assert _stored(token)[question] == (3, "first")
    put({"comments": {question: "second"}})  # a comment alone keeps the value
    assert _stored(token)[question] == (3, "second")
    put({"comments": {question: None}})
    assert _stored(token)[question] == (3, None)
    put({"answers": {question: 4}, "comments": {question: "third"}})
    put({"answers": {question: None}})  # clearing the answer removes its comment with it
    assert question not in _stored(token)
    refused = client.put(url, json={"comments": {question: "no answer to go with"}})
    assert refused.status_code == 422 and question in refused.text


def test_an_idempotency_key_replays_the_first_save(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    first = client.put(url, json={"answers": {"strategy-plan": 3}}, headers={"Idempotency-Key": "save-1"})
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    assert client.put(url, json={"answers": {"strategy-plan": 4}}).status_code == 200
    replayed = client.put(url, json={"answers": {"strategy-plan": 3}}, headers={"Idempotency-Key": "save-1"})
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == first.json()
    assert _stored(token)["strategy-plan"] == (4, None)  # the retry did not save again
    other_body = client.put(url, json={"answers": {"strategy-plan": 5}}, headers={"Idempotency-Key": "save-1"})
    assert other_body.status_code == 422 and "already used" in other_body.text
    refused = client.put(url, json={"answers": {"strategy-plan": 9}}, headers={"Idempotency-Key": "save-2"})
    assert refused.status_code == 422
    assert client.put(url, json={"answers": {"strategy-plan": 2}}, headers={"Idempotency-Key": "save-2"}).is_success
    assert _stored(token)["strategy-plan"] == (2, None)


def _race(work: Callable[[int], Any], rounds: int) -> list[Any]:
    """Run work(0..rounds*THREADS-1) on THREADS threads released together each round."""
    barrier = threading.Barrier(THREADS)

    def worker(thread: int) -> list[Any]:
        done = []
        for round_number in range(rounds):
            barrier.wait(timeout=60)
            done.append(work(round_number * THREADS + thread))
        return done

    with ThreadPoolExecutor(THREADS) as pool:
        return [result for results in pool.map(worker, range(THREADS)) for result in results]


def test_racing_saves_of_one_respondent_keep_one_row_per_question(client: TestClient, tenant: Tenant) -> None:
    """Every save succeeds and each question has one row with one of the values saved for it, both
    through the locked path the API takes and with no row lock at all (the upsert alone)."""
    assessment = tenant.open_assessment()
    tokens = tenant.invite(assessment["id"], ("executive", "sales"), ("manager", "service"))
    questions = ["strategy-plan", "insight-needs", "voice-feedback"]
    pulse = {q["id"] for q in tenant.get("/questionnaires/pulse").json()["questions"]}
    assert set(questions) <= pulse
    engine = get_engine()

    def locked(n: int) -> int:
        saved = responses.save_by_token(engine, tokens[0], {questions[n % 3]: n % 5 + 1}, {})
        return saved.written

    def unlocked(n: int) -> int:
        # Every thread of a round saves the same question, new in that round: concurrent inserts.
        with engine.begin() as connection:
            link, questionnaire = responses.link_by_token(connection, tokens[1], for_update=False)
            question = questions[n // THREADS % 3]
            return responses.save_to_link(connection, link, questionnaire, {question: n % 5 + 1}, {}).written

    assert _race(locked, rounds=3) == [1] * 3 * THREADS
    assert _race(unlocked, rounds=3) == [1] * 3 * THREADS
    with session_scope() as session:
        rows = session.exec(
            select(Answer.respondent_id, Answer.question_id, func.count())
            .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
            .where(Respondent.assessment_id == assessment["id"])
            .group_by(col(Answer.respondent_id), col(Answer.question_id))
        ).all()
    assert Counter(count for _, _, count in rows) == {1: 6}
    for token in tokens:
        assert set(_stored(token)) == set(questions)
        assert all(value in {1, 2, 3, 4, 5} for value, _ in _stored(token).values())


def test_a_save_through_an_orm_session_is_seen_by_that_session(client: TestClient, tenant: Tenant) -> None:
    """The web form saves in a session that may hold the respondent's answers as objects already."""
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    with session_scope() as session:
        context = responses.by_token(session.connection(), token, for_update=True)
        responses.save_answers(session, context, {"strategy-plan": 2, "insight-needs": 2}, {})
        # The link is read again for its new state (nothing patches what was read before the save).
        link, _ = responses.link_by_token(session.connection(), token)
        assert link.started_at is not None and link.last_seen_at is not None
        assert responses.stored_values(session.connection(), context.link.respondent_id)[0] == {
            "strategy-plan": 2,
            "insight-needs": 2,
        }
        responses.save_answers(session, context, {"strategy-plan": 4, "insight-needs": None}, {})
        assert responses.stored_values(session.connection(), context.link.respondent_id)[0] == {"strategy-plan": 4}
    assert _stored(token) == {"strategy-plan": (4, None)}
    with session_scope() as session:
        respondent = session.exec(select(Respondent).where(Respondent.token_hash == digest(token))).one()
        assert respondent.started_at is not None and respondent.last_seen_at is not None


def test_a_save_reads_the_link_and_its_answers_then_writes_once(client: TestClient, tenant: Tenant) -> None:
    """The statements of a save once its questionnaire is cached: no snapshot read, no ORM loads.
    On SQLite the stored answers come with the link; PostgreSQL reads them after locking the row."""
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    assert client.put(url, json={"answers": {"strategy-plan": 3}}).status_code == 200  # started, seen, cached
    engine = get_engine()
    statements: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.put(url, json={"answers": {"insight-needs": 2}}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    queries = [s for s in statements if not s.startswith("BEGIN")]
    kinds = [s.split()[0] for s in queries]
    expected = ["SELECT", "INSERT"] if engine.dialect.name == "sqlite" else ["SELECT", "SELECT", "INSERT"]
    assert kinds == expected, queries
    assert "FROM respondents JOIN assessments" in queries[0] and "questionnaire_snapshot" not in " ".join(queries)
    assert "ON CONFLICT (respondent_id, question_id) DO UPDATE" in queries[-1]
