"""The workspace's logo as an HTTP response, for the API and the web app's branding preview alike."""

from __future__ import annotations

from fastapi import HTTPException, Response

from app.services.branding import Branding


def logo_response(found: Branding, if_none_match: str | None) -> Response:
    """The logo of `found` as a response (304 when the caller holds this version), or a 404 error."""
    if found.logo is None or found.logo_mime is None:
        raise HTTPException(404, "this workspace has no logo")
    etag = f'"{found.logo_digest}"'
    headers = {
        # Never guessed as anything else (an HTML page, a script): it is exactly the checked image type.
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        "ETag": etag,
        "Content-Disposition": "inline",
    }
    if if_none_match is not None and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(found.logo, media_type=found.logo_mime, headers=headers)
