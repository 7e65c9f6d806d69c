"""Observability: JSON logs with a request id, Prometheus metrics, and the ASGI middleware that feeds both.

`install(app)` adds the middleware and `GET /metrics` to an application; `centricity serve`
configures logging with `logs.uvicorn_log_config()` so uvicorn's lines and the app's share
one JSON format.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.observability.endpoint import metrics_endpoint
from app.observability.middleware import RequestObservability


def install(app: FastAPI) -> None:
    """Serve /metrics and wrap the application in the request middleware (outermost of ours, so
    a request's duration includes the time it waited for the database limiter)."""
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestObservability)
