"""API key scopes: every route of the API walked with a read, a write and an admin key (like
test_isolation walks tenants), minting keys only within one's own scopes, and keys made without scopes."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.db.session import session_scope
from app.db.tables import Workspace
from tests.api.conftest import Tenant
from tests.api.test_isolation import BODIES, snapshot, victim_ids

# The routes only an admin key reaches, whatever the method; branding only for changes.
ADMIN_PATHS = ("/api/v1/api-keys", "/api/v1/webhooks")
ADMIN_WRITE_PATHS = ("/api/v1/branding",)


def key_with(tenant: Tenant, *scopes: str) -> Tenant:
    response = tenant.post("/api-keys", {"name": "+".join(scopes), "scopes": list(scopes)})
    assert response.status_code == 201, response.text
    assert response.json()["scopes"] == list(scopes)
    return Tenant(tenant.workspace_id, response.json()["key"], tenant.client)


def scope_needed(method: str, path: str) -> str:
    if path.startswith(ADMIN_PATHS) or (method != "GET" and path.startswith(ADMIN_WRITE_PATHS)):
        return "admin"
    return "read" if method == "GET" else "write"


def every_route(client: TestClient, ids: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    """(method, path template, url, body) of every API route that takes an API key."""
    routes = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if not path.startswith("/api/v1/") or path.startswith("/api/v1/respond/"):
            continue  # respondent routes take a link token, no API key
        url = path.format(**{p: ids.get(p, "questionnaire-id") for p in re.findall(r"{(\w+)}", path)})
        for method in operations:
            routes.append((method.upper(), path, url, BODIES.get((method.upper(), path))))
    return routes


def admin_state(tenant: Tenant) -> list[Any]:
    """What only an admin key may change: the keys, the webhooks, the branding."""
    keys = [{**key, "last_used_at": None} for key in tenant.get("/api-keys").json()["items"]]  # using is no change
    return [keys, tenant.get("/webhooks").json(), tenant.get("/branding").json()]


def call(caller: Tenant, method: str, url: str, body: Any) -> Any:
    return caller.client.request(method, url, json=body, headers=caller.headers)


def test_each_route_answers_403_naming_the_scope_a_key_lacks_and_changes_nothing(
    client: TestClient, tenant: Tenant
) -> None:
    ids = victim_ids(client, tenant)
    routes = every_route(client, ids)
    assert len(routes) >= 30
    callers = {scopes: key_with(tenant, *scopes) for scopes in (("read",), ("write",), ("read", "write"))}
    admin = key_with(tenant, "read", "write", "admin")
    before = snapshot(tenant, ids)
    admin_state_before = admin_state(tenant)
    for scopes, caller in callers.items():
        for method, path, url, body in routes:
            needed = scope_needed(method, path)
            response = call(caller, method, url, body)
            if needed in scopes:
                assert response.status_code != 403, f"{scopes} {method} {path}: {response.text}"
                continue
            assert response.status_code == 403, f"{scopes} {method} {path}: {response.status_code} {response.text}"
            assert response.json()["error"] == "Forbidden"
            assert f"'{needed}' scope" in response.json()["detail"]["message"]
        if scopes == ("read",):
            assert snapshot(tenant, ids) == before  # only GETs ran
    # No write key touched the keys, the webhooks or the branding.
    assert admin_state(tenant) == admin_state_before
    for method, path, url, body in routes:
        response = call(admin, method, url, body)
        assert response.status_code != 403, f"admin {method} {path}: {response.text}"


def test_the_spec_describes_the_scopes_and_the_403() -> None:
    from app.main import create_app

    spec = create_app().openapi()
    create = spec["components"]["schemas"]["ApiKeyCreate"]["properties"]["scopes"]
    assert "admin" in create["description"]
    assert spec["components"]["schemas"]["ApiKeyScope"]["enum"] == ["read", "write", "admin"]
    assert "scopes" in spec["components"]["schemas"]["ApiKeyPublic"]["required"]
    forbidden = spec["paths"]["/api/v1/api-keys"]["post"]["responses"]["403"]["description"]
    assert "`admin`" in forbidden


def test_a_key_cannot_mint_a_key_with_a_scope_it_does_not_have(tenant: Tenant) -> None:
    # The scenario: a non-admin key mints a key that survives its own revocation.
    writer = key_with(tenant, "read", "write")
    refused = writer.post("/api-keys", {"name": "escape"})
    assert refused.status_code == 403 and "'admin' scope" in refused.json()["detail"]["message"]
    # An admin key without write cannot hand out write either.
    manager = key_with(tenant, "read", "admin")
    beyond = manager.post("/api-keys", {"name": "more", "scopes": ["read", "write"]})
    assert beyond.status_code == 403
    assert beyond.json()["detail"]["message"] == "a key cannot grant scopes it does not have: write"
    # Left out, the new key gets the asking key's own scopes.
    same = manager.post("/api-keys", {"name": "same"})
    assert same.status_code == 201 and same.json()["scopes"] == ["read", "admin"]
    listed = {k["name"]: k["scopes"] for k in tenant.get("/api-keys").json()["items"]}
    assert listed["same"] == ["read", "admin"]
    assert "escape" not in listed and "more" not in listed
    empty = tenant.post("/api-keys", {"name": "nothing", "scopes": []})
    assert empty.status_code == 422
    unknown = tenant.post("/api-keys", {"name": "root", "scopes": ["superuser"]})
    assert unknown.status_code == 422


def test_keys_made_without_scopes_have_every_scope(client: TestClient, tenant: Tenant) -> None:
    # tenant's key comes from accounts.create_api_key with no scopes, as every key made before scopes existed.
    assert tenant.post("/api-keys", {"name": "made by an old key"}).json()["scopes"] == ["read", "write", "admin"]
    runner = CliRunner()
    with session_scope() as session:
        workspace = session.get_one(Workspace, tenant.workspace_id).name
    made = runner.invoke(cli, ["api-key", "create", "--workspace", workspace, "--name", "script"])
    assert made.exit_code == 0, made.output
    full = Tenant(tenant.workspace_id, made.output.strip(), client)
    assert full.post("/api-keys", {"name": "by the cli key"}).json()["scopes"] == ["read", "write", "admin"]
    reader = runner.invoke(cli, ["api-key", "create", "--workspace", workspace, "--name", "dash", "--scope", "read"])
    assert reader.exit_code == 0, reader.output
    read_only = Tenant(tenant.workspace_id, reader.output.strip(), client)
    assert read_only.get("/organizations").status_code == 200
    assert read_only.post("/organizations", {"name": "Nope"}).status_code == 403
    wrong = runner.invoke(cli, ["api-key", "create", "--workspace", workspace, "--name", "x", "--scope", "root"])
    assert wrong.exit_code == 2 and "unknown scope root" in wrong.output
