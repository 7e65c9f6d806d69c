"""Operations test helpers: reading /metrics, and the app on SQLite only (these tests are about the shell)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from tests.api.conftest import Tenant, make_tenant


def sample(metrics_text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus exposition (0 when it is not there yet)."""
    for family in text_string_to_metric_families(metrics_text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


@pytest.fixture
def sqlite_client(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from app.db.engine import get_engine
    from app.db.migrate import upgrade_to_head
    from app.settings import get_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'centricity.db'}"
    upgrade_to_head(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "test")
    monkeypatch.setenv("CENTRICITY_WEBHOOK_SENDER", "false")
    monkeypatch.delenv("CENTRICITY_METRICS_TOKEN", raising=False)
    get_settings.cache_clear()
    get_engine.cache_clear()
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def sqlite_tenant(sqlite_client: TestClient) -> Tenant:
    return make_tenant(sqlite_client, "Acme Consulting")
