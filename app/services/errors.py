"""The errors a use case can end in, each with the HTTP status it maps to (mapped in one place)."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str, detail: Any = None):
        super().__init__(message)
        self.message = message
        self.detail = detail

    @property
    def name(self) -> str:
        return type(self).__name__


class NotFound(ServiceError):
    """Missing, or belonging to another workspace: the two are indistinguishable on purpose."""

    status_code = 404


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    """Who is asking is known, but may not do this (an API key without the scope the route needs)."""

    status_code = 403


class Conflict(ServiceError):
    """The request is valid but the record's state does not allow it (submitted twice, closed...)."""

    status_code = 409


class InvalidInput(ServiceError):
    """The request names something that does not fit (an answer out of range, an unknown question...)."""

    status_code = 422


class TooLarge(ServiceError):
    status_code = 413


class Unavailable(ServiceError):
    """The service cannot do it right now (a report render over its time limit); retrying may work."""

    status_code = 503
