"""Observability: JSON logs with a request id, Prometheus metrics, and the ASGI middleware that feeds both.

`install(app)` adds the middleware and `GET /metrics` to an application; `centricity serve`
configures logging with `logs.log_config()` so uvicorn's lines and the app's share one JSON
format. This package itself imports nothing heavy: uvicorn's worker processes load
`logs` to configure logging before they answer the supervisor's health pings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Serve /metrics and wrap the application in the request middleware (outermost of ours, so
    a request's duration includes the time it waited for the database limiter)."""
    from app.observability.endpoint import metrics_endpoint
    from app.observability.middleware import RequestObservability

    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestObservability)
