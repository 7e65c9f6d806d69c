"""`GET /metrics`: the Prometheus exposition, behind a bearer token when CENTRICITY_METRICS_TOKEN is set.

Without a token the endpoint is open, like /healthz: it tells request counts per route,
never a path, id or answer. Deployments that expose the app to the internet either set
the token (and give it to Prometheus as a bearer token) or keep /metrics off the public
address at the proxy, as `deploy/Caddyfile` does, and scrape each instance directly.
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from app.observability.metrics import exposition
from app.settings import get_settings


def _authorized(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`; with CENTRICITY_METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    token = get_settings().metrics_token
    if token and not _authorized(request, token):
        return Response(
            "a bearer token is required (CENTRICITY_METRICS_TOKEN)\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
