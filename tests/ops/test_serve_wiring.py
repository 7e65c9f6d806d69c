"""How `centricity serve` hands the server its configuration: JSON logging in every worker, no uvicorn access
log (it would log respondent tokens), a worker start-up allowance, and the multiprocess metrics directory."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from app import cli as cli_module
from app.observability.logs import JsonFormatter, RequestIdFilter
from app.observability.metrics import MULTIPROC_DIR_VARIABLE
from app.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Runs of uvicorn.run, recorded instead of served (the database is migrated for real)."""
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: str, **options: Any) -> None:
        seen.update(options, app=app, multiproc_dir=os.environ.get(MULTIPROC_DIR_VARIABLE))
        if seen["multiproc_dir"]:
            seen["dir_existed"] = Path(seen["multiproc_dir"]).is_dir()

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'centricity.db'}")
    monkeypatch.setenv("CENTRICITY_ENVIRONMENT", "test")
    monkeypatch.setenv("CENTRICITY_LOG_LEVEL", "warning")
    monkeypatch.delenv(MULTIPROC_DIR_VARIABLE, raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield seen
    root.handlers[:] = handlers  # serve configured this process's logging: put pytest's back
    root.setLevel(level)
    get_settings.cache_clear()


def test_serve_gives_uvicorn_json_logging_and_no_access_log(captured: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli_module.cli, ["serve", "--port", "9999"])
    assert result.exit_code == 0, result.output
    assert captured["app"] == "app.main:app" and captured["port"] == 9999
    assert captured["access_log"] is False
    assert captured["log_level"] == "warning"
    config = captured["log_config"]
    assert config["formatters"]["json"]["()"] is JsonFormatter
    assert config["filters"]["request_id"]["()"] is RequestIdFilter
    assert config["root"] == {"handlers": ["stderr"], "level": "WARNING"}
    for noisy in ("uvicorn.access", "httpx", "httpcore"):
        assert config["loggers"][noisy]["level"] == "WARNING"
    assert captured["timeout_worker_healthcheck"] >= 30
    assert captured["multiproc_dir"] is None  # one worker: its own registry


def test_forwarded_headers_are_believed_from_no_one_unless_a_proxy_is_configured(
    captured: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvicorn's own default would believe X-Forwarded-For from 127.0.0.1, letting any local client
    # pick the address the sign-in limits count.
    assert CliRunner().invoke(cli_module.cli, ["serve"]).exit_code == 0
    assert captured["proxy_headers"] is False and captured["forwarded_allow_ips"] is None

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "172.30.0.10")
    get_settings.cache_clear()
    captured.clear()
    assert CliRunner().invoke(cli_module.cli, ["serve"]).exit_code == 0
    assert captured["proxy_headers"] is True and captured["forwarded_allow_ips"] == "172.30.0.10"


def test_serve_with_workers_gets_a_fresh_metrics_directory_and_removes_it(captured: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli_module.cli, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert captured["workers"] == 2 and captured["dir_existed"]
    assert not Path(captured["multiproc_dir"]).exists()
    assert MULTIPROC_DIR_VARIABLE not in os.environ or os.environ[MULTIPROC_DIR_VARIABLE] != captured["multiproc_dir"]


def test_a_metrics_directory_given_by_the_operator_is_emptied_of_old_values_and_kept(
    captured: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1234.db").write_bytes(b"old run")
    (directory / "README").write_text("not ours")
    monkeypatch.setenv(MULTIPROC_DIR_VARIABLE, str(directory))
    result = CliRunner().invoke(cli_module.cli, ["serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert captured["multiproc_dir"] == str(directory)
    assert sorted(p.name for p in directory.iterdir()) == ["README"]


def test_the_logging_module_workers_load_first_imports_nothing_heavy() -> None:
    # uvicorn's workers configure logging (loading this module) before they answer the supervisor's
    # health pings; the web framework, the ORM and the settings load later.
    code = (
        "import sys, app.observability.logs; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'sqlalchemy', 'pydantic', 'prometheus_client') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
