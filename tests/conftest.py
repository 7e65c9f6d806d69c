"""Shared fixtures: the concept registry, the worked-example questionnaire, and databases.

Database fixtures run every test on SQLite and, when configured, on PostgreSQL: PostgreSQL
runs are enabled by `CENTRICITY_TEST_POSTGRES_URL` (a database the URL's role owns); each
test gets its own schema there, dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from app.db.engine import create_db_engine, get_engine
from app.db.migrate import upgrade_to_head
from app.main import create_app
from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.library import default_concepts
from app.questionnaire.loader import load_questionnaire_file
from app.questionnaire.models import Questionnaire
from app.scoring.answers import Respondent
from app.settings import Settings, get_settings
from tests.api.conftest import Tenant, make_tenant

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
QUESTIONNAIRES = ROOT / "questionnaires"


@pytest.fixture(scope="session")
def concepts() -> ConceptRegistry:
    return default_concepts()


@pytest.fixture(scope="session")
def mini(concepts: ConceptRegistry) -> Questionnaire:
    return load_questionnaire_file(FIXTURES / "mini.yaml", concepts)


def person(respondent_id: str, role: str | None = None, function: str | None = None, **answers: Any) -> Respondent:
    """A respondent; answer keys use '_' where question ids use '-' (o_nps -> o-nps)."""
    return Respondent(respondent_id, role, function, {k.replace("_", "-"): v for k, v in answers.items()})


POSTGRES_URL_VARIABLE = "CENTRICITY_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = f"set {POSTGRES_URL_VARIABLE}=postgresql+psycopg://... to run against PostgreSQL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an empty database: a fresh SQLite file, or a fresh schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'centricity.db'}"
        return
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    if not configured:
        pytest.skip(POSTGRES_SKIP_REASON)
    base_url = Settings(database_url=configured).database_url  # postgresql:// -> the installed driver
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        # search_path set at connect time: migrations, reflection and queries all land in the schema.
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An application engine on the empty database."""
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An application engine on an empty SQLite file, for what only SQLite has (PRAGMAs, BEGIN modes)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'centricity.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """An application engine on a database migrated to head, the way the service starts."""
    upgrade_to_head(database_url)
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def backend(engine: Engine) -> str:
    return engine.dialect.name


# ---- the application on a migrated database, and API clients of two workspaces


@pytest.fixture
def app_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's settings and engine pointed at a fresh database migrated to head."""
    upgrade_to_head(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "test")
    # Tests that need webhook deliveries run the sender themselves, step by step.
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "false")
    # Likewise background report renders: the report tests turn them on and join them.
    monkeypatch.setenv("CENTRICITY_REPORT_BACKGROUND_RENDERS", "false")
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield database_url
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def client(app_database: str) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return make_tenant(client, "Acme Consulting")


@pytest.fixture
def other_tenant(client: TestClient) -> Tenant:
    return make_tenant(client, "Rival Partners")
