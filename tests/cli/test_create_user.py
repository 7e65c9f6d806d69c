"""`centricity create-user` sets only passwords that are hard to guess, says why one is refused, and
stores nothing then; every other place a password is set goes through the same check."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from app.cli import cli
from app.db.engine import get_engine
from app.db.tables import User, Workspace
from app.services import accounts, demo
from app.services.errors import InvalidInput

runner = CliRunner()


def create_user(password: str, email: str = "ann@acme.example") -> tuple[int, str]:
    result = runner.invoke(
        cli,
        ["create-user", "--workspace", "Acme Consulting", "--email", email, "--password-stdin"],
        input=password + "\n",
    )
    return result.exit_code, result.output


def counts() -> tuple[int, int]:
    with Session(get_engine()) as session:
        users = session.exec(select(func.count()).select_from(User)).one()
        workspaces = session.exec(select(func.count()).select_from(Workspace)).one()
    return users, workspaces


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", "Repeats like"),
        (" " * 10, "Repeats like"),
        ("password1234", "very common password"),
        ("ann@acme.example", "too easy to guess"),  # the email itself
        ("acme-consulting", "too easy to guess"),  # the workspace's name
        ("short", "at least 10 characters"),
    ],
)
def test_weak_passwords_are_refused_saying_why_and_nothing_is_stored(
    app_database: str, password: str, why: str
) -> None:
    exit_code, output = create_user(password)
    assert exit_code == 2
    assert why in output
    assert counts() == (0, 0)


def test_a_strong_password_is_accepted_and_signs_in(app_database: str) -> None:
    exit_code, output = create_user("violet kettle marches north")
    assert exit_code == 0, output
    with Session(get_engine()) as session:
        user = accounts.authenticate_user(session, "ann@acme.example", "violet kettle marches north")
    assert user.email == "ann@acme.example"


def test_the_service_applies_the_same_check_and_the_demo_password_passes_it(app_database: str) -> None:
    with Session(get_engine()) as session:
        workspace = accounts.get_or_create_workspace(session, "Acme Consulting")
        with pytest.raises(InvalidInput, match="too easy to guess"):
            accounts.create_user(session, workspace, "bob@acme.example", "qwertyuiop1")
    assert accounts.password_problem(demo.PASSWORD, demo.EMAIL) is None
