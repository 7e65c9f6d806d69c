"""Proof fixtures: a live server's environment on a fresh SQLite file, and figures that reach the CI log.

Figures (latency percentiles, error and example counts) are printed in a "proof figures"
section at the end of the pytest run and written to artifacts/proof/, never asserted on.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.db.engine import get_engine
from app.settings import get_settings
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "proof"
_FIGURES = pytest.StashKey[list[str]]()

Record = Callable[[str, list[str], dict[str, Any]], None]


@pytest.fixture
def record_figures(request: pytest.FixtureRequest) -> Record:
    """`record(name, lines, figures)`: lines for the CI log, figures as artifacts/proof/<name>.json."""
    config = request.config

    def record(name: str, lines: list[str], figures: dict[str, Any]) -> None:
        config.stash.setdefault(_FIGURES, []).extend([f"{name}:", *lines])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
        (ARTIFACTS / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    return record


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    lines = config.stash.get(_FIGURES, [])
    if lines:
        terminalreporter.section("proof figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def live_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    """(database URL, port) for a `centricity serve` started by the test: a fresh SQLite file, and this
    process's settings pointed at it too (restored afterwards)."""
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'centricity.db'}"
    environment = {
        "DATABASE_URL": database_url,
        "CENTRICITY_ENVIRONMENT": "test",
        "CENTRICITY_WEBHOOK_SENDER": "false",
        "CENTRICITY_BASE_URL": f"http://127.0.0.1:{port}",
        # As a deployment's: a server restarted on the same file keeps its secret, so the outcomes of
        # Idempotency-Keys stored before the restart can still be read (a new secret answers 409).
        "CENTRICITY_SECRET_KEY": secrets.token_urlsafe(32),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield database_url, port
    get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()
