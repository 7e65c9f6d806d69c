"""A real `centricity serve` on a free loopback port, for tests that need HTTP as production serves it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SERVER_START_TIMEOUT = 30.0
SERVER_STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


@contextmanager
def serving(log: Path, port: int | None = None) -> Iterator[str]:
    """Serve the app with this process's environment (DATABASE_URL and friends); yields the base URL
    once /readyz answers, and stops the server (SIGTERM, then kill) when the block ends."""
    port = port or free_port()
    centricity = Path(sys.executable).with_name("centricity")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(centricity), "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url, log)
        yield base_url
    finally:
        process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SERVER_STOP_TIMEOUT)


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{_log_tail(log)}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"the server was not ready within {SERVER_START_TIMEOUT:.0f} s:\n{_log_tail(log)}")
