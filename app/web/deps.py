"""Dependencies of the pages: the signed-in user, and CSRF checks on every form post."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request

from app.db.session import read_session
from app.services import web_sessions
from app.services.accounts import Principal
from app.services.errors import ServiceError
from app.settings import get_settings
from app.web.security import tokens_match


class SignInRequired(Exception):
    """Raised for a page that needs a signed-in user; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str):
        self.next_path = next_path


class CsrfFailed(ServiceError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("This form has expired or did not come from this site. Reload the page and try again.")


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the pages need them."""

    principal: Principal
    email: str
    workspace_name: str
    csrf_token: str
    session_token: str


def current_viewer(request: Request) -> Viewer:
    token = request.cookies.get(get_settings().session_cookie_name)
    # Its own short read session, closed before the page's work: the request's session would begin a
    # transaction that (on SQLite) holds the write lock while the page scores results or renders.
    with read_session() as reading:
        signed_in = web_sessions.resume(reading, token) if token else None
        if signed_in is None or token is None:
            raise SignInRequired(request.url.path)
        return Viewer(
            principal=Principal(signed_in.workspace.id, f"user:{signed_in.user.id}"),
            email=signed_in.user.email,
            workspace_name=signed_in.workspace.name,
            csrf_token=signed_in.session.csrf_token,
            session_token=token,
        )


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def checked_viewer(viewer: ViewerDep, csrf_token: Annotated[str | None, Form()] = None) -> Viewer:
    """The signed-in user of a form post whose CSRF token matches their session's."""
    if not tokens_match(viewer.csrf_token, csrf_token):
        raise CsrfFailed()
    return viewer


PostingViewerDep = Annotated[Viewer, Depends(checked_viewer)]
