"""API test fixtures: the real app on a migrated database (SQLite, and PostgreSQL when configured),
with workspaces and API keys made through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app.db.session import session_scope
from app.services import accounts


@dataclass
class Tenant:
    """A workspace as an API client sees it."""

    workspace_id: str
    key: str
    client: TestClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(f"/api/v1{path}", json=json, headers={**self.headers, **(headers or {})}, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", json=json, headers=self.headers, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(f"/api/v1{path}", json=json, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers, **kw)

    # -- shortcuts used by many tests

    def organization(self, name: str = "Globex", **fields: Any) -> dict[str, Any]:
        response = self.post("/organizations", {"name": name, **fields})
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def assessment(self, organization_id: str, questionnaire_id: str = "pulse", **fields: Any) -> dict[str, Any]:
        response = self.post(
            "/assessments", {"organization_id": organization_id, "questionnaire_id": questionnaire_id, **fields}
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def open_assessment(
        self,
        questionnaire_id: str = "pulse",
        name: str = "Globex",
        organization: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A new organization (name and `organization` fields) with an open assessment (`fields`)."""
        assessment = self.assessment(self.organization(name, **(organization or {}))["id"], questionnaire_id, **fields)
        assert self.post(f"/assessments/{assessment['id']}/open").status_code == 200
        return assessment

    def respond(self, assessment_id: str, role: str, function: str, answers: dict[str, Any]) -> None:
        """Record one submitted response (the offline import path) from a (role, function) person."""
        body = {"role": role, "function": function, "answers": answers}
        response = self.post(f"/assessments/{assessment_id}/responses", body)
        assert response.status_code == 201, response.text

    def invite(self, assessment_id: str, *people: tuple[str, str]) -> list[str]:
        """Invite (role, function) people; returns their link tokens."""
        body = {"respondents": [{"role": r, "function": f} for r, f in people]}
        response = self.post(f"/assessments/{assessment_id}/respondents", body)
        assert response.status_code == 201, response.text
        return [item["api_link"].rsplit("/", 1)[1] for item in response.json()]


def make_tenant(client: TestClient, name: str) -> Tenant:
    with session_scope() as session:
        workspace = accounts.get_or_create_workspace(session, name)
        _record, key = accounts.create_api_key(session, workspace.id, "tests", actor="tests")
        workspace_id = workspace.id
    return Tenant(workspace_id, key, client)


# Complete answers to the pulse questionnaire: every level and option chosen so that the scores are
# easy to check (maturity 3 -> 50, agreement "agree" -> 75, frequency "often" -> 75 on the built-in scale).
def pulse_answers(client: TestClient, tenant: Tenant, level: int = 3) -> dict[str, Any]:
    normalized = tenant.get("/questionnaires/pulse").json()
    answers: dict[str, Any] = {}
    for question in normalized["questions"]:
        spec = question["answers"]
        if spec["kind"] == "level":
            answers[question["id"]] = level
        elif spec["kind"] == "choice":
            values = [v["value"] for v in spec["values"]]
            answers[question["id"]] = values[min(level, len(values)) - 1]
    return answers


def dont_know_answers(tenant: Tenant, questionnaire_id: str) -> dict[str, Any]:
    """The least complete answers a questionnaire takes: "don't know" to every required question shown to all."""
    questions = tenant.get(f"/questionnaires/{questionnaire_id}").json()["questions"]
    return {q["id"]: "dont_know" for q in questions if q["required"] and q.get("condition") is None}
