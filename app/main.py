"""The application uvicorn serves (`app.main:app`), composed here: the JSON API, the web app, the API
docs, the health checks and observability, over the shared HTTP plumbing of app.http."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import reporting as report_service
from app.api.app import include_api
from app.api.docs import mount_docs
from app.http import errors
from app.http.health import mount_health
from app.http.limits import SQLITE_CONCURRENT_REQUESTS, DatabaseConcurrencyLimit, RequestBodyLimit
from app.http.routing import dispatch_by_prefix
from app.observability import install as install_observability
from app.observability.metrics import answers_saved
from app.services import reports, responses, webhook_sender
from app.settings import get_settings
from app.web.app import mount_web

# How long a thread running Python may keep the GIL while another waits for it (CPython: 5 ms). A
# request that waits on the database gives the GIL up at every statement and waits to get it back:
# beside CPU-bound requests (scoring a results page, parsing questionnaires) a 3 ms answer save
# took ~37 ms at 5 ms, ~15 ms at 0.5 ms (`python -m bench http`). CPU-bound work pays a little more switching.
SWITCH_INTERVAL_SECONDS = 0.0005


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    # Webhook events are queued in the database by the requests that cause them; this
    # instance's sender delivers them in the background for as long as the app serves.
    sender = webhook_sender.start_background_sender()
    try:
        yield
    finally:
        if sender is not None:
            # Joining waits for a delivery in flight; off the event loop, which keeps serving meanwhile.
            await asyncio.to_thread(sender.stop)
        # Report workers are separate processes; stop them with the app rather than orphan them.
        await asyncio.to_thread(report_service.shutdown)
        sys.setswitchinterval(previous_interval)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Centricity",
        version="1.0",
        summary="Measure how customer-centric an organization is, explain the result, recommend what to do next.",
        openapi_url="/openapi.json",
        docs_url=None,  # served by mount_docs, without a CDN or inline script
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(RequestBodyLimit)
    if get_settings().is_sqlite:
        app.add_middleware(DatabaseConcurrencyLimit, limit=SQLITE_CONCURRENT_REQUESTS)
    include_api(app)
    mount_docs(app)
    mount_web(app)
    install_observability(app)  # last: its middleware wraps the others
    responses.on_answers_saved(answers_saved)  # the use cases report saves; the metrics count them
    # A close's commit marks its report to print; this instance prints it in the background.
    reports.set_background_renderer(report_service.render_in_background)
    mount_health(app)
    dispatch_by_prefix(app)
    return app


def __getattr__(name: str) -> FastAPI:
    """`app.main:app`, made on first access: importing `create_app` from here (as the tests do) builds
    no application and reads no settings."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    application = globals()["app"] = create_app()
    return application
