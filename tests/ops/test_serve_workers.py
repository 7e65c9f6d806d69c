"""`centricity serve --workers 2`: whichever worker answers /metrics reports the requests of both, from a
multiprocess directory that serve makes for the run and removes afterwards."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from tests.live_server import free_port
from tests.ops.conftest import sample
from tests.ops.server import clean_environment, serving

HEALTH_REQUESTS = 20
METRICS_READS = 6


def test_metrics_add_up_the_requests_of_every_worker(tmp_path: Path) -> None:
    port = free_port()
    env = clean_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'centricity.db'}",
        CENTRICITY_ENVIRONMENT="development",
        CENTRICITY_WEBHOOK_SENDER="false",
    )
    command = [str(Path(sys.executable).with_name("centricity")), "serve", "--port", str(port), "--workers", "2"]
    with serving(command, port, env, tmp_path, tmp_path / "logs") as served:
        started = next(line for line in served.json_lines() if line["logger"] == "centricity")
        directory = Path(started["metrics_multiprocess_dir"])
        assert started["workers"] == 2 and directory.is_dir()
        before = httpx.get(f"{served.base_url}/metrics").text
        already = sample(before, "centricity_http_requests_total", method="GET", route="/healthz", status="2xx")
        for _ in range(HEALTH_REQUESTS):  # a new connection each time: the workers share them out
            assert httpx.get(f"{served.base_url}/healthz").status_code == 200
        for _ in range(METRICS_READS):
            text = httpx.get(f"{served.base_url}/metrics").text
            counted = sample(text, "centricity_http_requests_total", method="GET", route="/healthz", status="2xx")
            assert counted - already == HEALTH_REQUESTS
        assert list(directory.glob("*.db"))
    worker_pids = {line["pid"] for line in served.json_lines() if line["message"].startswith("Started server process")}
    assert len(worker_pids) == 2
    assert not directory.exists()  # serve removes the directory it made
