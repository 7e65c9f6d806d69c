"""compose.yaml, checked without Docker: PostgreSQL and two app instances behind one proxy whose config
file exists and names both, health checks everywhere, and an environment the production checks accept."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest
import yaml

from app.settings import Settings
from tests.ops.dockerfile import COMPOSE, ROOT, substitute

EXAMPLE_VARIABLES = {
    "POSTGRES_PASSWORD": "a-strong-password",
    "CENTRICITY_SECRET_KEY": "a-production-secret-of-more-than-32-characters",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("build") == "." or str(service.get("image", "")).startswith("centricity")
    }


def proxy_config(compose: dict[str, Any]) -> str:
    for volume in compose["services"]["proxy"]["volumes"]:
        source, target = volume.split(":")[:2]
        if target == "/etc/caddy/Caddyfile":
            path = ROOT / source
            assert path.is_file(), f"compose.yaml mounts {source}, which does not exist"
            return path.read_text()
    raise AssertionError("the proxy mounts no Caddyfile")


def test_two_app_instances_built_from_the_dockerfile(compose: dict[str, Any]) -> None:
    apps = app_services(compose)
    assert len(apps) == 2
    for service in apps.values():
        assert service["build"] == "." and (ROOT / "Dockerfile").is_file()
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert "/readyz" in " ".join(service["healthcheck"]["test"])


def test_every_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_postgresql_with_a_health_check_and_a_volume(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])


def test_one_public_port_through_a_proxy_that_sends_to_both_instances(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"proxy"}
    proxy = compose["services"]["proxy"]
    assert set(proxy["depends_on"]) == set(app_services(compose))
    config = proxy_config(compose)
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", config)
    assert upstreams, config
    assert set(upstreams.group(1).split()) == {f"{name}:8000" for name in app_services(compose)}
    assert "health_uri /readyz" in config
    # /metrics stays off the public port
    assert re.search(r"handle /metrics \{\s*respond 404", config)


def test_the_app_environment_passes_the_production_checks(compose: dict[str, Any]) -> None:
    for service in app_services(compose).values():
        environment = {
            name: substitute(str(value), EXAMPLE_VARIABLES) for name, value in service["environment"].items()
        }
        assert environment["CENTRICITY_ENVIRONMENT"] == "production"
        assert environment["DATABASE_URL"].startswith("postgresql://centricity:a-strong-password@db:5432/")
        settings = Settings(
            **{
                "DATABASE_URL": environment["DATABASE_URL"],
                "environment": environment["CENTRICITY_ENVIRONMENT"],
                "secret_key": environment["CENTRICITY_SECRET_KEY"],
                "base_url": environment["CENTRICITY_BASE_URL"],
                "db_pool_size": environment["CENTRICITY_DB_POOL_SIZE"],
            }
        )
        assert settings.base_url == "https://localhost" and settings.secure_cookies
        assert settings.database_url.startswith("postgresql+psycopg://")
        # two instances' pools (with overflow) fit in PostgreSQL's default 100 connections
        assert 2 * (settings.db_pool_size + 10) < 100


@pytest.mark.parametrize("missing", sorted(EXAMPLE_VARIABLES))
def test_compose_refuses_to_start_without_the_secrets(compose: dict[str, Any], missing: str) -> None:
    variables = {name: value for name, value in EXAMPLE_VARIABLES.items() if name != missing}
    service = next(iter(app_services(compose).values()))
    with pytest.raises(KeyError, match=missing):
        for value in service["environment"].values():
            substitute(str(value), variables)


def test_app_instances_believe_forwarded_headers_only_from_the_proxy_address(compose: dict[str, Any]) -> None:
    proxy_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(proxy_address) in ipaddress.ip_network(subnet)
    for name, service in app_services(compose).items():
        trusted = str(service["environment"]["FORWARDED_ALLOW_IPS"])
        assert trusted == proxy_address, f"{name} trusts forwarded headers from {trusted!r}, not only the proxy"
