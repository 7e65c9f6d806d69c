"""Concurrency through a real server: many respondents saving at once lose nothing and see no errors.

The app is served by `centricity serve` (uvicorn, in its own process, as in production) on a
free loopback port, against the test database: a SQLite file, and a PostgreSQL schema when
one is configured. Clients are threads with their own HTTP connections, released together.
Every answer the server acknowledged (a 2xx PUT) must be stored afterwards with the last
value acknowledged for it, read back both through the API and straight from the table.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from app.db.session import session_scope
from app.db.tables import Answer
from tests.api.conftest import Tenant, make_tenant
from tests.live_server import serving

pytestmark = pytest.mark.slow

QUESTIONNAIRE = "customer-centricity"
RESPONDENTS = 50
# Every third respondent goes back over some pages and changes answers, clears one and adds a comment.
RESAVE_EVERY = 3
RESAVED_SECTIONS = 3
# A condition only reveals questions of its own section (checked below): after a page is saved,
# the page is read again when some of its questions were hidden, and what appeared is answered.
MAX_PASSES_PER_SECTION = 3
SAME_RESPONDENT_ROUNDS = 10

# Bounds, generous for a loaded CI machine: a request waits at most REQUEST_TIMEOUT (the
# SQLite busy timeout is 15 s), a whole run at most RUN_TIMEOUT.
REQUEST_TIMEOUT = 30.0
RUN_TIMEOUT = 120.0


# ---- the server


@pytest.fixture
def server(app_database: str, tmp_path: Path) -> Iterator[str]:
    """`centricity serve` against the test database (app_database put its URL into os.environ)."""
    with serving(tmp_path / "server.log") as base_url:
        yield base_url


@pytest.fixture
def tenant_client(server: str) -> Iterator[httpx.Client]:
    """The workspace's own connection, for setting up (organizations, assessments, invitations)."""
    with httpx.Client(base_url=server, timeout=REQUEST_TIMEOUT) as http:
        yield http


@pytest.fixture
def live_tenant(tenant_client: httpx.Client) -> Tenant:
    # Tenant only needs get/post/put on an httpx client; TestClient is one, so is this.
    return make_tenant(tenant_client, "Acme Consulting")  # type: ignore[arg-type]


# ---- answers that the questionnaire accepts


def _answer(spec: dict[str, Any], rng: random.Random, note: str) -> Any:
    """A valid answer in its stored (normal) form, from the accepted answers the API describes."""
    kind = spec["kind"]
    if "dont_know" in spec["special"] and rng.random() < 0.05:
        return "dont_know"
    if kind in ("level", "choice"):
        return rng.choice(spec["values"])["value"]
    if kind == "checklist":
        # Stored in the questionnaire's order, so the list is sent in that order.
        return [v["value"] for v in spec["values"] if rng.random() < 0.5]
    if kind == "number":
        low = int(spec["min"] or 0)
        return rng.randint(low, low + 12)
    if kind == "text":
        return note
    if kind == "outcome":
        if spec["accepts"] in ("both", "ratings") and rng.random() < 0.5:
            return [rng.randint(spec["rating_min"], spec["rating_max"]) for _ in range(rng.randint(1, 15))]
        low = spec["reported_min"]
        high = spec["reported_max"] if spec["reported_max"] is not None else low + 1000
        return round(rng.uniform(low, high), 1)
    raise AssertionError(f"an answer kind this test does not know: {kind}")


def _condition_sources(condition: Any) -> set[str]:
    """The questions a condition reads, however deeply it nests all/any/not."""
    if isinstance(condition, dict):
        found = {condition["question"]} if isinstance(condition.get("question"), str) else set()
        for value in condition.values():
            found |= _condition_sources(value)
        return found
    if isinstance(condition, list):
        return set().union(*(_condition_sources(c) for c in condition)) if condition else set()
    return set()


@dataclass(frozen=True)
class Form:
    """What the test needs to know about the questionnaire, from GET /questionnaires/{id}."""

    specs: dict[str, dict[str, Any]]  # question id -> accepted answers
    condition_sources: set[str]  # answers that show or hide other questions
    sections: dict[str | None, set[str]]  # dimension (None: the outcome figures) -> its question ids


def _form(tenant: Tenant) -> Form:
    response = tenant.get(f"/questionnaires/{QUESTIONNAIRE}")
    assert response.status_code == 200, response.text
    questions = response.json()["questions"]
    by_id = {q["id"]: q for q in questions}
    sources: set[str] = set()
    for question in questions:
        for source in _condition_sources(question["condition"]):
            # The section-by-section walk below relies on this; a new questionnaire may need a smarter walk.
            assert by_id[source]["dimension"] == question["dimension"], f"{question['id']} depends on another section"
            sources.add(source)
    assert sources, "the flagship questionnaire has conditions; this test means to exercise them"
    sections: dict[str | None, set[str]] = {}
    for question in questions:
        sections.setdefault(question["dimension"], set()).add(question["id"])
    return Form({q["id"]: q["answers"] for q in questions}, sources, sections)


# ---- one respondent filling in the form


@dataclass
class Journal:
    """What the server acknowledged to one respondent (2xx PUTs, in order), and what it refused."""

    token: str
    answers: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    puts: int = 0
    errors: list[str] = field(default_factory=list)

    def put(self, http: httpx.Client, answers: dict[str, Any], comments: dict[str, str] | None = None) -> bool:
        body = {"answers": answers, "comments": comments or {}}
        try:
            response = http.put(f"/api/v1/respond/{self.token}/answers", json=body)
        except httpx.HTTPError as exc:
            self.errors.append(f"PUT {sorted(answers)}: {exc!r}")
            return False
        if not response.is_success:
            self.errors.append(f"PUT {sorted(answers)}: {response.status_code} {response.text[:500]}")
            return False
        self.puts += 1
        for question_id, value in answers.items():
            if value is None:  # a null clears the answer, and its comment with it
                self.answers.pop(question_id, None)
                self.comments.pop(question_id, None)
            else:
                self.answers[question_id] = value
        self.comments.update(comments or {})
        return True

    def view(self, http: httpx.Client) -> dict[str, Any] | None:
        try:
            response = http.get(f"/api/v1/respond/{self.token}")
        except httpx.HTTPError as exc:
            self.errors.append(f"GET: {exc!r}")
            return None
        if response.status_code != 200:
            self.errors.append(f"GET: {response.status_code} {response.text[:500]}")
            return None
        return response.json()  # type: ignore[no-any-return]


def _section(view: dict[str, Any], section_id: str | None) -> dict[str, Any] | None:
    return next((s for s in view["sections"] if s["id"] == section_id), None)


def fill_in(base_url: str, token: str, form: Form, seed: int, start: threading.Barrier) -> Journal:
    """Answer the whole form page by page, as the web form does; some respondents then change answers."""
    rng = random.Random(seed)
    journal = Journal(token)
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        start.wait(timeout=RUN_TIMEOUT)
        view = journal.view(http)
        if view is None:
            return journal
        for section_id in [s["id"] for s in view["sections"]]:
            for _pass in range(MAX_PASSES_PER_SECTION):
                section = _section(view, section_id)
                if section is None:
                    break
                todo = [q for q in section["questions"] if q["id"] not in journal.answers]
                if not todo:
                    break
                page = {q["id"]: _answer(form.specs[q["id"]], rng, f"note {seed}") for q in todo}
                if not journal.put(http, page):
                    break
                if {q["id"] for q in section["questions"]} >= form.sections[section_id]:
                    break  # nothing left on this page that an answer could reveal
                view = journal.view(http)  # the page again, with what these answers revealed
                if view is None:
                    break
        if seed % RESAVE_EVERY == 0:
            _change_answers(http, journal, form, rng, seed)
    return journal


def _change_answers(http: httpx.Client, journal: Journal, form: Form, rng: random.Random, seed: int) -> None:
    """Go back over a few pages: new values, one answer cleared, one comment added.

    Answers that show or hide other questions stay as they are, so what is visible, and
    therefore what must be stored, does not change.
    """
    view = journal.view(http)
    if view is None:
        return
    for section in rng.sample(view["sections"], RESAVED_SECTIONS):
        changeable = [q for q in section["questions"] if q["id"] not in form.condition_sources]
        if not changeable:
            continue
        page: dict[str, Any] = {q["id"]: _answer(form.specs[q["id"]], rng, f"changed {seed}") for q in changeable}
        page[changeable[-1]["id"]] = None
        commentable = [q["id"] for q in changeable[:-1] if q["comment_prompt"]]
        comments = {commentable[0]: f"comment of respondent {seed}"} if commentable else {}
        journal.put(http, page, comments)


# ---- the tests


def _invite(tenant: Tenant, assessment_id: str, count: int) -> dict[str, str]:
    """Invite `count` people spread over the roles and functions; respondent id -> link token."""
    roles = ["executive", "senior-manager", "manager", "frontline", "specialist"]
    functions = ["leadership", "marketing", "sales", "service", "product", "operations", "it", "hr", "finance"]
    people = [{"role": roles[i % len(roles)], "function": functions[i % len(functions)]} for i in range(count)]
    response = tenant.post(f"/assessments/{assessment_id}/respondents", {"respondents": people})
    assert response.status_code == 201, response.text
    return {item["id"]: item["api_link"].rsplit("/", 1)[1] for item in response.json()}


def _stored(respondent_ids: list[str]) -> dict[str, dict[str, tuple[Any, str | None]]]:
    """Straight from the answers table: respondent id -> question id -> (value, comment)."""
    found: dict[str, dict[str, tuple[Any, str | None]]] = {rid: {} for rid in respondent_ids}
    with session_scope() as session:
        for row in session.exec(select(Answer).where(col(Answer.respondent_id).in_(respondent_ids))).all():
            found[row.respondent_id][row.question_id] = (row.value, row.comment)
    return found


def _run_all(work: list[Callable[[], Journal]]) -> list[Journal]:
    """Run the callables at once, one thread each; every one must finish within RUN_TIMEOUT."""
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        futures = [pool.submit(w) for w in work]
        _finished, not_done = wait(futures, timeout=RUN_TIMEOUT)
        assert not not_done, f"{len(not_done)} of {len(futures)} clients did not finish within {RUN_TIMEOUT:.0f} s"
        return [f.result() for f in futures]


def test_fifty_respondents_saving_at_once_lose_nothing(server: str, live_tenant: Tenant) -> None:
    form = _form(live_tenant)
    assessment = live_tenant.open_assessment(QUESTIONNAIRE)
    tokens = _invite(live_tenant, assessment["id"], RESPONDENTS)
    start = threading.Barrier(RESPONDENTS)

    journals = _run_all(
        [partial(fill_in, server, token, form, seed, start) for seed, token in enumerate(tokens.values())]
    )

    errors = [f"respondent {i}: {e}" for i, j in enumerate(journals) for e in j.errors]
    assert not errors, f"{len(errors)} failed requests:\n" + "\n".join(errors[:20])
    assert any(j.comments for j in journals), "no re-saver added a comment: the test lost its way"

    stored = _stored(list(tokens))
    with httpx.Client(base_url=server, timeout=REQUEST_TIMEOUT) as http:
        for seed, ((respondent_id, token), journal) in enumerate(zip(tokens.items(), journals, strict=True)):
            view = http.get(f"/api/v1/respond/{token}").json()
            # Every page was answered; re-savers cleared one answer per page they went back to.
            unanswered = {q["id"] for s in view["sections"] for q in s["questions"]} - set(journal.answers)
            assert len(unanswered) <= (RESAVED_SECTIONS if seed % RESAVE_EVERY == 0 else 0), unanswered
            assert view["answers"] == journal.answers, f"API answers of respondent {respondent_id}"
            assert view["comments"] == journal.comments, f"API comments of respondent {respondent_id}"
            expected = {q: (v, journal.comments.get(q)) for q, v in journal.answers.items()}
            assert stored[respondent_id] == expected, f"stored answers of respondent {respondent_id}"


def test_two_saves_for_the_same_respondent_at_once_both_succeed(server: str, live_tenant: Tenant) -> None:
    """Both requests find no stored answer and insert the same questions: the second must wait for
    the first and replace its answers, never trip over the (respondent, question) unique constraint."""
    form = _form(live_tenant)
    assessment = live_tenant.open_assessment(QUESTIONNAIRE)
    tokens = _invite(live_tenant, assessment["id"], SAME_RESPONDENT_ROUNDS)
    view = live_tenant.client.get(f"/api/v1/respond/{next(iter(tokens.values()))}").json()
    # The first page has no conditions, so both requests are valid whichever comes first.
    page = [q["id"] for q in view["sections"][0]["questions"]]
    assert not set(page) & form.condition_sources

    rng = random.Random(2)
    for respondent_id, token in tokens.items():
        pages = [{q: _answer(form.specs[q], rng, f"version {v}") for q in page} for v in range(2)]
        # Two different versions, so the final state says which request came last.
        choices = [v["value"] for v in form.specs[page[0]]["values"]]
        pages[1][page[0]] = next(v for v in choices if v != pages[0][page[0]])
        start = threading.Barrier(2)
        journals = _run_all([partial(_save_once, server, token, p, start) for p in pages])

        assert [j.errors for j in journals] == [[], []]
        final = {q: value for q, (value, _comment) in _stored([respondent_id])[respondent_id].items()}
        assert final in pages, "the stored answers are neither request's: a save was applied in part"
        via_api = live_tenant.client.get(f"/api/v1/respond/{token}").json()["answers"]
        assert via_api == final


def _save_once(base_url: str, token: str, page: dict[str, Any], start: threading.Barrier) -> Journal:
    journal = Journal(token)
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        # Connect before the barrier, so that both requests leave as close together as possible.
        http.get("/healthz")
        start.wait(timeout=RUN_TIMEOUT)
        journal.put(http, page)
    return journal
