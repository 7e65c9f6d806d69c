"""Web test fixtures: a user who can sign in, and a signed-in browser-like client."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from app.db.session import session_scope
from app.services import accounts, demo
from tests.api.conftest import Tenant

PASSWORD = "a long enough password"


@dataclass
class Account:
    email: str
    workspace_id: str


def make_account(email: str, workspace: str) -> Account:
    with session_scope() as session:
        found = accounts.get_or_create_workspace(session, workspace)
        accounts.create_user(session, found, email, PASSWORD)
        return Account(email, found.id)


@pytest.fixture
def account(client: TestClient) -> Account:
    return make_account("ann@acme.example", "Acme Consulting")


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": form_token(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def signed_in(client: TestClient, account: Account) -> TestClient:
    sign_in(client, account.email)
    return client


@pytest.fixture
def demo_site(client: TestClient) -> tuple[demo.DemoInfo, Tenant]:
    with session_scope() as session:
        info = demo.create_demo(session)
        workspace = accounts.find_workspace(session, info.workspace)
        _record, key = accounts.create_api_key(session, workspace.id, "tests", actor="tests")
        workspace_id = workspace.id
    sign_in(client, info.email, info.password)
    return info, Tenant(workspace_id, key, client)
