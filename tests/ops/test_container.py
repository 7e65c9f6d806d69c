"""The container image, checked without Docker: what the Dockerfile copies exists and is everything the app
reads at run time, it runs as a non-root user with a health check and WeasyPrint's libraries, and its command
starts the app, in production mode, from nothing but the copied files."""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from app.db.migrate import head_revision
from tests.live_server import free_port
from tests.ops.dockerfile import ROOT, Dockerfile
from tests.ops.server import clean_environment, serving

PRODUCTION = {
    "CENTRICITY_ENVIRONMENT": "production",
    "CENTRICITY_SECRET_KEY": "a-production-secret-of-more-than-32-characters",
    "CENTRICITY_BASE_URL": "https://centricity.example.com",
}


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return Dockerfile.read()


def copied_top_level_paths(dockerfile: Dockerfile) -> set[str]:
    """The names the image has in its WORKDIR, from every COPY."""
    names: set[str] = set()
    for sources, destination in dockerfile.copies():
        if destination in ("./", "."):
            names.update(Path(source).parts[0] for source in sources)
        else:
            names.add(Path(destination).parts[0])
    return names


def test_every_path_the_dockerfile_copies_exists(dockerfile: Dockerfile) -> None:
    copies = dockerfile.copies()
    assert copies
    for sources, _destination in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"


def test_the_image_has_every_project_path_the_app_reads(dockerfile: Dockerfile) -> None:
    # Every `PROJECT_ROOT / "name"` in the code is a file or folder read at run time.
    read = set()
    for module in (ROOT / "app").rglob("*.py"):
        read.update(re.findall(r'PROJECT_ROOT\s*/\s*"([^"/]+)', module.read_text()))
    assert {"templates", "static", "questionnaires", "migrations", "alembic.ini"} <= read
    missing = read - copied_top_level_paths(dockerfile) - {"var"}  # var/ is the SQLite default, /data in the image
    assert not missing, f"the app reads {sorted(missing)}, which the Dockerfile does not copy"
    assert "app" in copied_top_level_paths(dockerfile)


def test_the_image_installs_the_locked_requirements_which_cover_every_declared_dependency(
    dockerfile: Dockerfile,
) -> None:
    assert any("-r requirements.lock" in run for run in dockerfile.all("RUN"))

    def name(requirement: str) -> str:
        return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")

    declared = {name(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    locked = {name(line) for line in lock if line and not line.startswith("#")}
    assert declared <= locked, f"declared but not locked (run make lock): {sorted(declared - locked)}"


def test_the_image_runs_as_a_non_root_user(dockerfile: Dockerfile) -> None:
    user = dockerfile.last("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    assert any(re.search(rf"useradd\b.*\b{re.escape(user)}\b", run) for run in dockerfile.all("RUN"))


def test_the_health_check_the_command_and_the_exposed_port_agree(dockerfile: Dockerfile) -> None:
    command = dockerfile.command()
    assert command[:2] == ["centricity", "serve"]
    port = command[command.index("--port") + 1]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert dockerfile.last("EXPOSE") == port
    assert dockerfile.healthcheck_url() == f"http://127.0.0.1:{port}/healthz"


def test_the_image_has_weasyprint_libraries_and_the_report_fonts(dockerfile: Dockerfile) -> None:
    assert {
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-dejavu-core",
        "fonts-liberation",
    } <= dockerfile.apt_packages()


def test_the_image_runs_in_production_mode_on_a_volume(dockerfile: Dockerfile) -> None:
    assert dockerfile.env["CENTRICITY_ENVIRONMENT"] == "production"
    assert dockerfile.env["DATABASE_URL"] == "sqlite:////data/centricity.db"
    assert "/data" in dockerfile.last("VOLUME")


def stage_image(dockerfile: Dockerfile, stage: Path) -> None:
    """Lay out the image's WORKDIR: only what the Dockerfile copies, where it copies it."""
    for sources, destination in dockerfile.copies():
        for source in sources:
            origin = ROOT / source
            target = stage / Path(source).name if destination in ("./", ".") else stage / destination
            if origin.is_dir():
                shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)


def test_the_dockerfile_command_starts_the_app_from_the_copied_files_in_production(
    dockerfile: Dockerfile, tmp_path: Path
) -> None:
    stage = tmp_path / "app"
    stage.mkdir()
    stage_image(dockerfile, stage)
    database = tmp_path / "data" / "centricity.db"
    database.parent.mkdir()
    port = free_port()
    env = clean_environment(
        **{
            **dockerfile.env,
            **PRODUCTION,
            "DATABASE_URL": f"sqlite:///{database}",
            # The image's Python finds the app in its WORKDIR; here the copy comes first on the path.
            "PYTHONPATH": str(stage),
        }
    )
    imported = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"], env=env, cwd=stage, capture_output=True, text=True
    )
    assert Path(imported.stdout.strip()).is_relative_to(stage), imported.stdout + imported.stderr

    command = dockerfile.command()
    command[0] = str(Path(sys.executable).with_name(command[0]))  # the venv's `centricity`
    command[command.index("--port") + 1] = str(port)
    with serving(command, port, env, stage, tmp_path / "logs") as served:
        health = httpx.get(f"{served.base_url}/healthz", headers={"X-Request-ID": "probe-1"})
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert health.headers["x-request-id"] == "probe-1"
        # production: HSTS, because cookies are Secure
        assert health.headers["strict-transport-security"].startswith("max-age=")
        # migrations were applied on start
        assert httpx.get(f"{served.base_url}/readyz").json() == {"status": "ok"}
        login = httpx.get(f"{served.base_url}/login")
        assert login.status_code == 200 and "text/html" in login.headers["content-type"]
        assert httpx.get(f"{served.base_url}/static/css/app.css").status_code == 200
        assert "centricity_http_requests_total" in httpx.get(f"{served.base_url}/metrics").text
    # a graceful stop (uvicorn re-raises the SIGTERM it handled once it has shut down)
    assert served.process.returncode in (0, -signal.SIGTERM)
    assert any(line["message"] == "Application shutdown complete." for line in served.json_lines())
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]
    finally:
        connection.close()
    # every line on stderr is a JSON object: uvicorn's, alembic's and the app's
    lines = served.json_lines()
    loggers = {line["logger"] for line in lines}
    assert {"uvicorn.error", "alembic.runtime.migration", "centricity", "centricity.request"} <= loggers
    # the migrations on start are logged; Alembic's chatter on each /readyz is not
    assert any(line["message"].startswith("Running upgrade") for line in lines)
    assert not [line for line in lines if line["logger"].startswith("alembic") and "request_id" in line]
    probe = [line for line in lines if line.get("request_id") == "probe-1"]
    assert [(line["path"], line["status"]) for line in probe] == [("/healthz", 200)]
    assert served.stdout.read_text() == ""


def test_production_refuses_to_start_without_https_and_says_what_to_set(tmp_path: Path) -> None:
    env = clean_environment(
        **{
            **PRODUCTION,
            "CENTRICITY_BASE_URL": "http://centricity.example.com",
            "DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
        }
    )
    centricity = str(Path(sys.executable).with_name("centricity"))
    done = subprocess.run(
        [centricity, "serve", "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "configuration refused" in done.stderr
    assert "CENTRICITY_BASE_URL must be an https:// address" in done.stderr
    assert "Traceback" not in done.stderr and PRODUCTION["CENTRICITY_SECRET_KEY"] not in done.stderr
    assert not (tmp_path / "c.db").exists()  # refused before touching the database
