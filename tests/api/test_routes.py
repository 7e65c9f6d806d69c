"""Every API route through the real app: success, and the failures a client can run into."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, pulse_answers


def error_of(response: Any) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return response.status_code, body["error"], body["detail"]["message"]


# ---- authentication


def test_no_key_wrong_key_and_revoked_key_are_401(client: TestClient, tenant: Tenant) -> None:
    assert error_of(client.get("/api/v1/organizations"))[:2] == (401, "Unauthorized")
    bad = client.get("/api/v1/organizations", headers={"Authorization": "Bearer ck_not-a-key"})
    assert error_of(bad)[:2] == (401, "Unauthorized")
    assert bad.headers["WWW-Authenticate"] == "Bearer"
    created = tenant.post("/api-keys", {"name": "crm"}).json()
    assert created["key"].startswith("ck_") and len(created["key"]) >= 40
    assert tenant.post(f"/api-keys/{created['id']}/revoke").json()["revoked_at"] is not None
    revoked = client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {created['key']}"})
    assert error_of(revoked)[:2] == (401, "Unauthorized")


def test_api_keys_are_listed_without_the_key(tenant: Tenant) -> None:
    tenant.post("/api-keys", {"name": "bi tool"})
    tenant.post("/api-keys", {"name": "crm"})
    page = tenant.get("/api-keys").json()
    listed = page["items"]
    assert page["total"] == 3 and [k["name"] for k in listed] == ["tests", "bi tool", "crm"]
    assert all("key" not in k and "key_hash" not in k for k in listed)
    second = tenant.get("/api-keys", params={"limit": 1, "offset": 1}).json()
    assert [k["name"] for k in second["items"]] == ["bi tool"] and second["total"] == 3
    assert tenant.post("/api-keys/nope/revoke").status_code == 404


# ---- questionnaires


def test_questionnaire_library(tenant: Tenant) -> None:
    listed = {q["id"]: q for q in tenant.get("/questionnaires").json()}
    assert {"customer-centricity", "pulse"} <= set(listed)
    assert listed["customer-centricity"]["dimensions"] == 11
    one = tenant.get("/questionnaires/pulse").json()
    assert one["id"] == "pulse" and one["questions"][0]["answers"]["kind"] in {"level", "choice"}
    assert error_of(tenant.get("/questionnaires/nope"))[:2] == (404, "NotFound")


# ---- organizations


def test_organization_lifecycle(tenant: Tenant) -> None:
    created = tenant.organization("Globex", industry="retail", size_band="250-999", region="EU")
    assert created["industry"] == "retail" and created["created_at"].endswith("Z")
    assert tenant.get(f"/organizations/{created['id']}").json()["name"] == "Globex"
    patched = tenant.patch(f"/organizations/{created['id']}", {"region": "Nordics"}).json()
    assert patched["region"] == "Nordics" and patched["industry"] == "retail"
    page = tenant.get("/organizations", params={"limit": 1, "offset": 0}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (1, 1, 0, 1)
    assert tenant.delete(f"/organizations/{created['id']}").status_code == 204
    assert tenant.get(f"/organizations/{created['id']}").status_code == 404


def test_organization_bad_input(tenant: Tenant) -> None:
    tenant.organization("Globex")
    assert error_of(tenant.post("/organizations", {"name": "Globex"}))[:2] == (409, "Conflict")
    status, name, message = error_of(tenant.post("/organizations", {"name": ""}))
    assert (status, name) == (422, "ValidationError") and "body.name" in message
    assert tenant.post("/organizations", {"name": "X", "colour": "red"}).status_code == 422
    org = tenant.organization("Initech")
    response = tenant.patch(f"/organizations/{org['id']}", {"name": None})
    assert response.status_code == 422 and "'name' cannot be null" in response.text
    assert tenant.get("/organizations", params={"limit": 0}).status_code == 422
    assert tenant.get("/organizations", params={"limit": 500}).status_code == 422


def test_pagination_pages_through_everything(tenant: Tenant) -> None:
    names = [f"Org {i:02d}" for i in range(7)]
    for name in names:
        tenant.organization(name)
    seen = []
    for offset in range(0, 7, 3):
        page = tenant.get("/organizations", params={"limit": 3, "offset": offset}).json()
        assert page["total"] == 7
        seen += [o["name"] for o in page["items"]]
    assert seen == names


# ---- assessments


def test_assessment_lifecycle(tenant: Tenant) -> None:
    org = tenant.organization()
    created = tenant.assessment(org["id"], "customer-centricity", target_level=5)
    assert created["status"] == "draft" and created["target_level"] == 5
    assert created["questionnaire_version"] == "1.0" and len(created["questionnaire_hash"]) == 64
    patched = tenant.patch(f"/assessments/{created['id']}", {"title": "Spring 2027", "min_group_size": 5}).json()
    assert (patched["title"], patched["min_group_size"]) == ("Spring 2027", 5)
    assert tenant.post(f"/assessments/{created['id']}/open").json()["status"] == "open"
    closed = tenant.post(f"/assessments/{created['id']}/close").json()
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    listed = tenant.get("/assessments", params={"organization_id": org["id"], "status": "closed"}).json()
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    assert tenant.get("/assessments", params={"status": "open"}).json()["total"] == 0


def test_assessment_bad_transitions_and_input(tenant: Tenant) -> None:
    org = tenant.organization()
    draft = tenant.assessment(org["id"])
    assert error_of(tenant.post(f"/assessments/{draft['id']}/close"))[:2] == (409, "Conflict")
    tenant.post(f"/assessments/{draft['id']}/open")
    assert error_of(tenant.post(f"/assessments/{draft['id']}/open"))[:2] == (409, "Conflict")
    tenant.post(f"/assessments/{draft['id']}/close")
    assert error_of(tenant.patch(f"/assessments/{draft['id']}", {"title": "x"}))[:2] == (409, "Conflict")
    assert error_of(tenant.post("/assessments", {"organization_id": org["id"], "questionnaire_id": "nope"}))[0] == 404
    assert error_of(tenant.post("/assessments", {"organization_id": "nope", "questionnaire_id": "pulse"}))[0] == 404
    bad_level = tenant.post(
        "/assessments", {"organization_id": org["id"], "questionnaire_id": "pulse", "target_level": 6}
    )
    assert bad_level.status_code == 422 and "body.target_level" in bad_level.text
    naive = tenant.post(
        "/assessments", {"organization_id": org["id"], "questionnaire_id": "pulse", "opens_at": "2027-01-01T09:00:00"}
    )
    assert naive.status_code == 422 and "time zone" in naive.text
    backwards = tenant.post(
        "/assessments",
        {
            "organization_id": org["id"],
            "questionnaire_id": "pulse",
            "opens_at": "2027-02-01T09:00:00Z",
            "closes_at": "2027-01-01T09:00:00Z",
        },
    )
    assert error_of(backwards)[:2] == (422, "InvalidInput")


# ---- respondents and the respondent side


def test_invite_and_progress_never_show_tokens(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    tokens = tenant.invite(assessment["id"], ("executive", "sales"), ("frontline", "service"))
    assert len(tokens) == 2 and len(set(tokens)) == 2
    listed = tenant.get(f"/assessments/{assessment['id']}/respondents").json()
    assert listed["total"] == 2
    assert all(r["status"] == "invited" and r["progress"]["answered"] == 0 for r in listed["items"])
    assert not any(token in str(listed) for token in tokens)


def test_invite_refuses_unknown_role_and_closed_assessment(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    response = tenant.post(
        f"/assessments/{assessment['id']}/respondents", {"respondents": [{"role": "ceo", "function": "sales"}]}
    )
    status, name, _ = error_of(response)
    assert (status, name) == (422, "InvalidInput")
    assert response.json()["detail"]["problems"][0]["field"] == "respondents[0].role"
    assert tenant.get(f"/assessments/{assessment['id']}/respondents").json()["total"] == 0
    tenant.post(f"/assessments/{assessment['id']}/close")
    assert (
        tenant.post(
            f"/assessments/{assessment['id']}/respondents",
            {"respondents": [{"role": "executive", "function": "sales"}]},
        ).status_code
        == 409
    )


def test_respondent_saves_resumes_and_submits(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    view = client.get(f"/api/v1/respond/{token}").json()
    assert view["status"] == "open" and view["progress"]["answered"] == 0
    assert [s["id"] for s in view["sections"]][:2] == ["strategy", "leadership"]
    answers = pulse_answers(client, tenant)
    first = dict(list(answers.items())[:4])
    saved = client.put(f"/api/v1/respond/{token}/answers", json={"answers": first}).json()
    assert saved["progress"]["answered"] == 4
    # resume from the same link: the answers are there
    resumed = client.get(f"/api/v1/respond/{token}").json()
    assert resumed["answers"] == first
    # submitting early lists what is missing and changes nothing
    early = client.post(f"/api/v1/respond/{token}/submit")
    assert early.status_code == 422 and len(early.json()["detail"]["problems"]) == len(answers) - 4
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": answers})
    submitted = client.post(f"/api/v1/respond/{token}/submit")
    assert submitted.status_code == 200 and submitted.json()["submitted_at"].endswith("Z")
    again = client.post(f"/api/v1/respond/{token}/submit")
    assert error_of(again)[:2] == (409, "Conflict")
    late = client.put(f"/api/v1/respond/{token}/answers", json={"answers": first})
    assert error_of(late)[:2] == (409, "Conflict")
    listed = tenant.get(f"/assessments/{assessment['id']}/respondents").json()["items"][0]
    # anonymous: a submitted respondent's answer count would single out their exported row
    assert listed["status"] == "submitted" and listed["progress"] is None


def test_bad_answers_are_refused_and_nothing_is_saved(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    good = {"strategy-plan": 3}
    for bad, question in [
        ({"strategy-plan": 9}, "strategy-plan"),
        ({"no-such-question": 1}, "no-such-question"),
        ({"insight-needs": "very"}, "insight-needs"),
    ]:
        response = client.put(url, json={"answers": {**good, **bad}})
        status, name, message = error_of(response)
        assert (status, name) == (422, "InvalidInput")
        assert question in message and "nothing was saved" in message
        assert response.json()["detail"]["problems"][0]["question"] == question
    assert client.get(f"/api/v1/respond/{token}").json()["answers"] == {}
    not_json = client.put(url, content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 422


def test_forged_or_unknown_link_is_404(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for response in (
        client.get(f"/api/v1/respond/{forged}"),
        client.put(f"/api/v1/respond/{forged}/answers", json={"answers": {}}),
        client.post(f"/api/v1/respond/{forged}/submit"),
    ):
        assert error_of(response)[:2] == (404, "NotFound")


def test_closed_assessment_refuses_answers(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    tenant.post(f"/assessments/{assessment['id']}/close")
    assert client.get(f"/api/v1/respond/{token}").json()["status"] == "closed"
    response = client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 3}})
    assert error_of(response)[:2] == (409, "Conflict")


def test_draft_assessment_is_not_open_for_answers(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.assessment(tenant.organization()["id"])
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    assert client.get(f"/api/v1/respond/{token}").json()["status"] == "not_open"
    assert client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 3}}).status_code == 409


def test_conditions_hide_questions_and_prune_answers(client: TestClient, tenant: Tenant) -> None:
    normalized = tenant.get("/questionnaires/customer-centricity").json()
    conditional = next(q for q in normalized["questions"] if q["condition"] and "in" in q["condition"])
    condition = conditional["condition"]
    trigger = next(q for q in normalized["questions"] if q["id"] == condition["question"])
    values = [v["value"] for v in trigger["answers"]["values"]]
    showing = condition["in"][0]
    hiding = next(v for v in values if v not in condition["in"])
    assessment = tenant.open_assessment("customer-centricity")
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    follow_up = _some_answer(conditional)
    # hidden while the trigger is unanswered: refused
    refused = client.put(url, json={"answers": {conditional["id"]: follow_up}})
    assert refused.status_code == 422 and "hidden" in refused.text
    # shown once the trigger allows it, in the same request
    assert client.put(url, json={"answers": {trigger["id"]: showing, conditional["id"]: follow_up}}).status_code == 200
    view = client.get(f"/api/v1/respond/{token}").json()
    assert conditional["id"] in view["answers"]
    # changing the trigger hides the follow-up again, and its answer is removed
    assert client.put(url, json={"answers": {trigger["id"]: hiding}}).status_code == 200
    view = client.get(f"/api/v1/respond/{token}").json()
    assert conditional["id"] not in view["answers"]
    shown_ids = {q["id"] for s in view["sections"] for q in s["questions"]}
    assert conditional["id"] not in shown_ids


def _some_answer(question: dict[str, Any]) -> Any:
    spec = question["answers"]
    if spec["kind"] in ("level", "choice", "checklist"):
        first = spec["values"][0]["value"]
        return [first] if spec["kind"] == "checklist" else first
    if spec["kind"] == "number":
        return spec["min"]
    return "a few words"


def test_comments_need_a_question_that_takes_them(client: TestClient, tenant: Tenant) -> None:
    normalized = tenant.get("/questionnaires/customer-centricity").json()
    assessment = tenant.open_assessment("customer-centricity")
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    view = client.get(f"/api/v1/respond/{token}").json()
    with_prompt = next(
        q for s in view["sections"] for q in s["questions"] if q["comment_prompt"] and q["type"] == "maturity"
    )
    without = next(q for s in view["sections"] for q in s["questions"] if not q["comment_prompt"])
    ok = client.put(
        url, json={"answers": {with_prompt["id"]: 3}, "comments": {with_prompt["id"]: "See the 2026 plan."}}
    )
    assert ok.status_code == 200
    assert client.get(f"/api/v1/respond/{token}").json()["comments"] == {with_prompt["id"]: "See the 2026 plan."}
    refused = client.put(url, json={"answers": {}, "comments": {without["id"]: "hi"}})
    assert refused.status_code == 422 and "takes no comment" in refused.text
    assert normalized["id"] == "customer-centricity"


# ---- pushed responses, results, comparison, trend, benchmark


def test_pushed_response_is_scored(client: TestClient, tenant: Tenant) -> None:
    # named, groups of one shown: one respondent's figures (tests/api/test_privacy.py covers the anonymous case)
    assessment = tenant.open_assessment(anonymity="named", min_group_size=1)
    answers = pulse_answers(client, tenant, level=3)
    pushed = tenant.post(
        f"/assessments/{assessment['id']}/responses", {"role": "executive", "function": "sales", "answers": answers}
    )
    assert pushed.status_code == 201, pushed.text
    result = tenant.get(f"/assessments/{assessment['id']}/results").json()
    assert result["respondents"] == 1
    assert (
        result["questionnaire"]["id"] == "pulse" and result["questionnaire"]["hash"] == assessment["questionnaire_hash"]
    )
    # every scored pulse answer is the middle option or level 3: each question scores 50, so does the index
    assert result["overall"]["index"] == pytest.approx(50.0)
    assert result["overall"]["level"] == 3
    bad = tenant.post(
        f"/assessments/{assessment['id']}/responses",
        {"role": "executive", "function": "sales", "answers": {**answers, "strategy-plan": 0}},
    )
    assert bad.status_code == 422 and "strategy-plan" in bad.text
    assert tenant.get(f"/assessments/{assessment['id']}/results").json()["respondents"] == 1


def test_results_count_submitted_answers_unless_asked(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment(anonymity="named", min_group_size=1)
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 5}})
    assert tenant.get(f"/assessments/{assessment['id']}/results").json()["respondents"] == 0
    partial = tenant.get(f"/assessments/{assessment['id']}/results", params={"include_in_progress": True}).json()
    assert partial["respondents"] == 1 and partial["disclosure"]["in_progress"] == "included"
    strategy = next(d for d in partial["dimensions"] if d["id"] == "strategy")
    assert strategy["score"] == pytest.approx(100.0)  # level 5 -> (5 - 1) x 25


def test_breakdowns_hide_groups_below_the_minimum(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment(anonymity="named", min_group_size=2)
    answers = pulse_answers(client, tenant)
    people = [("executive", "sales"), ("executive", "sales"), ("frontline", "service"), ("frontline", "service")]
    for role, function in people[:3]:
        tenant.post(
            f"/assessments/{assessment['id']}/responses", {"role": role, "function": function, "answers": answers}
        )
    breakdowns = tenant.get(f"/assessments/{assessment['id']}/results").json()["breakdowns"]
    roles = {g["group"]: g for g in breakdowns["by_role"]}
    # the lone front-line respondent is hidden, and so are the executives: overall x 3 - executives x 2
    # would be the front-line respondent's own scores
    assert roles["frontline"]["suppressed"] and roles["frontline"]["n"] is None
    assert roles["executive"]["suppressed"] and roles["executive"]["n"] is None
    role, function = people[3]
    tenant.post(f"/assessments/{assessment['id']}/responses", {"role": role, "function": function, "answers": answers})
    roles = {
        g["group"]: g for g in tenant.get(f"/assessments/{assessment['id']}/results").json()["breakdowns"]["by_role"]
    }
    assert roles["executive"]["n"] == 2 and not roles["executive"]["suppressed"]
    assert roles["frontline"]["n"] == 2 and not roles["frontline"]["suppressed"]


def test_compare_and_trend(client: TestClient, tenant: Tenant) -> None:
    org = tenant.organization()
    first = tenant.assessment(org["id"], anonymity="named", min_group_size=1)
    second = tenant.assessment(org["id"], anonymity="named", min_group_size=1)
    for assessment, level in ((first, 2), (second, 4)):
        tenant.post(f"/assessments/{assessment['id']}/open")
        tenant.post(
            f"/assessments/{assessment['id']}/responses",
            {"role": "executive", "function": "sales", "answers": pulse_answers(client, tenant, level)},
        )
    comparison = tenant.get(f"/assessments/{second['id']}/compare/{first['id']}").json()
    # level 2 -> every scored question 25; level 4 -> 75: index +50, same questionnaire
    assert comparison["index_delta"] == pytest.approx(50.0)
    assert comparison["same_method"] is True
    trend = tenant.get(f"/organizations/{org['id']}/trend").json()
    assert [t["assessment_id"] for t in trend] == [first["id"], second["id"]]
    assert trend[1]["point"]["change"]["index_delta"] == pytest.approx(50.0)
    assert tenant.get(f"/assessments/{second['id']}/compare/nope").status_code == 404


def test_benchmark_needs_five_peers(client: TestClient, tenant: Tenant) -> None:
    answers = {level: pulse_answers(client, tenant, level) for level in (1, 2, 3, 4, 5)}
    mine = tenant.open_assessment(name="Me Inc", anonymity="named", min_group_size=1)
    tenant.post(
        f"/assessments/{mine['id']}/responses", {"role": "executive", "function": "sales", "answers": answers[3]}
    )
    peers = []
    for i, level in enumerate([1, 2, 4, 5]):
        peer = tenant.open_assessment(
            name=f"Peer {i}", organization={"industry": "retail"}, anonymity="named", min_group_size=1
        )
        tenant.post(
            f"/assessments/{peer['id']}/responses",
            {"role": "executive", "function": "sales", "answers": answers[level]},
        )
        tenant.post(f"/assessments/{peer['id']}/close")
        peers.append(peer)
    few = tenant.get(f"/assessments/{mine['id']}/benchmark").json()
    assert few["available"] is False and few["peers"] == 4 and few["dimensions"] == []
    fifth = tenant.open_assessment(name="Peer 5", anonymity="named", min_group_size=1)
    tenant.post(
        f"/assessments/{fifth['id']}/responses", {"role": "executive", "function": "sales", "answers": answers[2]}
    )
    tenant.post(f"/assessments/{fifth['id']}/close")
    full = tenant.get(f"/assessments/{mine['id']}/benchmark").json()
    assert full["available"] is True and full["peers"] == 5
    # peers' indices 0, 25, 75, 100 and 25; mine 50: below = 3 -> 3 / 5 = 60th percentile
    assert full["index_percentile"] == pytest.approx(60.0)
    assert full["dimensions"][0]["peer_median"] == pytest.approx(25.0)  # 0, 25, 25, 75, 100
    # filtering by industry leaves 4 peers (Peer 5 has none): hidden again
    assert (
        tenant.get(f"/assessments/{mine['id']}/benchmark", params={"industry": "retail"}).json()["available"] is False
    )


# ---- idempotency


def test_idempotency_key_replays_instead_of_duplicating(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "create-globex-1"}
    first = tenant.post("/organizations", {"name": "Globex"}, headers=headers)
    second = tenant.post("/organizations", {"name": "Globex"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert tenant.get("/organizations").json()["total"] == 1
    reused = tenant.post("/organizations", {"name": "Initech"}, headers=headers)
    assert error_of(reused)[:2] == (422, "InvalidInput") and "different request" in reused.text


def test_idempotent_invites_do_not_create_twice(tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    body = {"respondents": [{"role": "executive", "function": "sales"}]}
    url = f"/assessments/{assessment['id']}/respondents"
    first = tenant.post(url, body, headers={"Idempotency-Key": "k1"})
    again = tenant.post(url, body, headers={"Idempotency-Key": "k1"})
    assert first.json() == again.json()
    assert tenant.get(url).json()["total"] == 1


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/api/v1/assessments/{assessment_id}/results" in spec["paths"]
    assert spec["paths"]["/api/v1/organizations"]["post"]["description"]
    assert error_of(client.get("/api/v1/nothing-here"))[:2] == (404, "NotFound")
