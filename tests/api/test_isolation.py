"""Tenant isolation, and assessments pinned to their questionnaire snapshot."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import get_settings
from tests import logos
from tests.api.conftest import Tenant, pulse_answers
from tests.conftest import QUESTIONNAIRES

# A valid body for every route that takes one, so that a 404 can only come from the lookup.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/v1/organizations/{organization_id}"): {"region": "Elsewhere"},
    ("PATCH", "/api/v1/assessments/{assessment_id}"): {"title": "Taken over"},
    ("POST", "/api/v1/assessments/{assessment_id}/respondents"): {
        "respondents": [{"role": "executive", "function": "sales"}]
    },
    ("POST", "/api/v1/assessments/{assessment_id}/responses"): {
        "role": "executive",
        "function": "sales",
        "answers": {"strategy-plan": 3},
    },
}


def victim_ids(client: TestClient, victim: Tenant) -> dict[str, str]:
    organization = victim.organization("Victim Ltd")
    assessment = victim.assessment(organization["id"])
    victim.post(f"/assessments/{assessment['id']}/open")
    other = victim.assessment(organization["id"])
    victim.invite(assessment["id"], ("executive", "sales"))
    victim.post(
        f"/assessments/{assessment['id']}/responses",
        {"role": "frontline", "function": "service", "answers": pulse_answers(client, victim)},
    )
    key = victim.post("/api-keys", {"name": "victim tool"}).json()
    ids = {
        "organization_id": organization["id"],
        "assessment_id": assessment["id"],
        "other_id": other["id"],
        "key_id": key["id"],
    }
    # Branding has no id in its routes (the key's workspace is the one): set here so that the
    # snapshot shows no other route touched it, and the attacker's own branding shows none of it.
    assert victim.patch("/branding", {"name": "Victim Brand", "accent_color": "#123456"}).status_code == 200
    logo = victim.client.put(
        "/api/v1/branding/logo", content=logos.png(), headers={**victim.headers, "Content-Type": "image/png"}
    )
    assert logo.status_code == 200, logo.text
    hook = victim.post("/webhooks", {"url": "https://hooks.example/centricity", "events": ["assessment.closed"]})
    if hook.status_code == 201:
        ids["webhook_id"] = hook.json()["id"]
    return ids


def snapshot(victim: Tenant, ids: dict[str, str]) -> list[Any]:
    assessment = ids["assessment_id"]
    return [
        victim.get(f"/organizations/{ids['organization_id']}").json(),
        victim.get(f"/assessments/{assessment}").json(),
        victim.get(f"/assessments/{ids['other_id']}").json(),
        [(r["id"], r["status"]) for r in victim.get(f"/assessments/{assessment}/respondents").json()["items"]],
        victim.get(f"/assessments/{assessment}/results").json()["respondents"],
        [(k["id"], k["revoked_at"]) for k in victim.get("/api-keys").json()["items"]],
        victim.get("/branding").json(),
    ]


def test_every_route_with_another_workspaces_id_is_404_and_changes_nothing(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = victim_ids(client, tenant)
    before = snapshot(tenant, ids)
    spec = client.get("/openapi.json").json()
    called = 0
    for path, operations in spec["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params or path.startswith(("/api/v1/respond/", "/api/v1/questionnaires/")):
            continue  # links take a token (see the forged-link test); the questionnaire library is shared
        missing = [p for p in params if p not in ids]
        assert not missing, f"add a victim id for {path}"
        url = path.format(**ids)
        for method in operations:
            body = BODIES.get((method.upper(), path))
            response = client.request(method.upper(), url, json=body, headers=other_tenant.headers)
            assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code} {response.text}"
            assert response.json()["error"] == "NotFound"
            called += 1
    assert called >= 15
    assert snapshot(tenant, ids) == before
    # and the attacker's own lists show none of it
    assert other_tenant.get("/organizations").json()["total"] == 0
    assert other_tenant.get("/assessments").json()["total"] == 0
    theirs = other_tenant.get("/branding").json()
    assert (theirs["name"], theirs["accent_color"], theirs["has_logo"]) == ("Rival Partners", None, False)
    assert other_tenant.get("/branding/logo").status_code == 404


def test_filtering_by_another_workspaces_organization_finds_nothing(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ids = victim_ids(client, tenant)
    listed = other_tenant.get("/assessments", params={"organization_id": ids["organization_id"]}).json()
    assert listed["total"] == 0


def test_a_respondent_link_reaches_only_its_own_answers(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    first, second = tenant.invite(assessment["id"], ("executive", "sales"), ("frontline", "service"))
    client.put(f"/api/v1/respond/{first}/answers", json={"answers": {"strategy-plan": 5}})
    assert client.get(f"/api/v1/respond/{second}").json()["answers"] == {}
    # a link is no API key
    assert client.get("/api/v1/organizations", headers={"Authorization": f"Bearer {first}"}).status_code == 401


@pytest.fixture
def editable_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    library = tmp_path / "questionnaires"
    library.mkdir()
    shutil.copy(QUESTIONNAIRES / "pulse.yaml", library / "pulse.yaml")
    monkeypatch.setenv("CENTRICITY_QUESTIONNAIRES_DIR", str(library))
    get_settings.cache_clear()  # the directory is a setting, read once per process
    yield library / "pulse.yaml"
    get_settings.cache_clear()


def test_editing_the_yaml_never_changes_a_running_assessment(
    client: TestClient, tenant: Tenant, editable_library: Path
) -> None:
    assessment = tenant.open_assessment()
    (token,) = tenant.invite(assessment["id"], ("executive", "sales"))
    before = client.get(f"/api/v1/respond/{token}").json()
    first_question = before["sections"][0]["questions"][0]
    text = editable_library.read_text(encoding="utf-8")
    assert first_question["text"] in text
    editable_library.write_text(
        text.replace('version: "1.0"', 'version: "2.0"').replace(first_question["text"], "A different question?"),
        encoding="utf-8",
    )
    after = client.get(f"/api/v1/respond/{token}").json()
    assert after["sections"][0]["questions"][0]["text"] == first_question["text"]
    assert after["questionnaire"]["version"] == "1.0"
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": pulse_answers(client, tenant)})
    assert client.post(f"/api/v1/respond/{token}/submit").status_code == 200
    result = tenant.get(f"/assessments/{assessment['id']}/results").json()
    assert result["questionnaire"]["hash"] == assessment["questionnaire_hash"]
    # a new assessment picks up the edited file
    fresh = tenant.assessment(assessment["organization_id"])
    assert fresh["questionnaire_version"] == "2.0" and fresh["questionnaire_hash"] != assessment["questionnaire_hash"]
