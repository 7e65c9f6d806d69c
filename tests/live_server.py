"""A real `centricity serve` on a free loopback port, for tests that need HTTP as production serves it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass
class ServerProcess:
    """A running `centricity serve`: its URL and its process, the leader of its own process group
    (with `--workers N` the worker processes are in that group too)."""

    base_url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the whole process group at once, as a power cut or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=SERVER_STOP_TIMEOUT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # uvicorn shuts down gracefully on SIGTERM
            try:
                self.process.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=SERVER_STOP_TIMEOUT)
        # Workers left behind by a supervisor that died first would hold the port and the database.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@contextmanager
def server_process(log: Path, port: int | None = None, workers: int = 1) -> Iterator[ServerProcess]:
    """Serve the app with this process's environment (DATABASE_URL and friends) in a new process
    group; yields it once /readyz answers, and stops it (SIGTERM, then kill) when the block ends."""
    port = port or free_port()
    centricity = Path(sys.executable).with_name("centricity")
    command = [str(centricity), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ), start_new_session=True
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_ready(process, server.base_url, log)
        yield server
    finally:
        server.stop()


@contextmanager
def serving(log: Path, port: int | None = None) -> Iterator[str]:
    """Serve the app with this process's environment (DATABASE_URL and friends); yields the base URL
    once /readyz answers, and stops the server (SIGTERM, then kill) when the block ends."""
    with server_process(log, port) as server:
        yield server.base_url


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
