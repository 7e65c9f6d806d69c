"""Start a command that serves the app, wait for /healthz, stop it with SIGTERM: for tests of how it is run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


@dataclass
class Served:
    base_url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def log_lines(self) -> list[str]:
        return [line for line in self.stderr.read_text(errors="replace").splitlines() if line.strip()]

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_lines()]


@contextmanager
def serving(command: Sequence[str], port: int, env: dict[str, str], cwd: Path, logs: Path) -> Iterator[Served]:
    """Run `command` (which listens on `port`); yields once GET /healthz answers 200. On leaving, the
    server gets SIGTERM and must exit by itself (killed only if it does not, which fails the test)."""
    logs.mkdir(parents=True, exist_ok=True)
    stdout, stderr = logs / "stdout.log", logs / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=env, cwd=cwd)
    served = Served(f"http://127.0.0.1:{port}", process, stdout, stderr)
    try:
        _wait_for_health(served)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
                pytest.fail(f"the server did not stop on SIGTERM:\n{_tail(served)}")


def _tail(served: Served) -> str:
    return "\n".join(served.log_lines()[-40:])


def _wait_for_health(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"the server exited with {served.process.returncode}:\n{_tail(served)}")
        try:
            if httpx.get(f"{served.base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"/healthz did not answer within {START_TIMEOUT:.0f} s:\n{_tail(served)}")


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any Centricity, database or metrics setting, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CENTRICITY_", "PROMETHEUS_")) and name not in ("DATABASE_URL", "PYTHONPATH")
    }
    env.update(variables)
    return env
