"""The workspace's report branding: brand name, accent colour and logo, as the report cover and running
header show them. Only the calling key's workspace is read or changed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response

from app.api.deps import PrincipalDep
from app.api.schemas import BrandingPublic, BrandingUpdate
from app.http.branding import logo_response
from app.http.checked_input import CheckedRoute
from app.http.errors import ErrorBody
from app.http.sessions import ReadSessionDep, SessionDep
from app.services import branding
from app.services.branding import KEEP, Branding
from app.settings import get_settings

router = APIRouter(prefix="/branding", tags=["branding"], route_class=CheckedRoute)

LOGO_PATH = "/api/v1/branding/logo"
_WRONG_TYPE = (
    "send the logo as the raw request body with Content-Type image/png or image/jpeg (SVG, GIF and WebP are refused)"
)


def _public(found: Branding, custom_name: str | None) -> BrandingPublic:
    has_logo = found.logo is not None
    return BrandingPublic(
        name=found.name or "",
        uses_workspace_name=custom_name is None,
        accent_color=found.accent_color,
        has_logo=has_logo,
        logo_url=get_settings().base_url.rstrip("/") + LOGO_PATH if has_logo else None,
        logo_type=found.logo_mime,
        logo_sha256=found.logo_digest,
    )


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


async def logo_body(request: Request) -> tuple[bytes, str]:
    """The raw request body and its declared type, read no further than the size limit allows."""
    declared = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if declared not in branding.LOGO_TYPES:
        raise HTTPException(415, _WRONG_TYPE)
    too_large = branding.too_large()
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > branding.MAX_LOGO_BYTES:
        raise too_large  # refused before a byte of the body is read
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > branding.MAX_LOGO_BYTES:
            raise too_large
    return bytes(data), declared


@router.get("", response_model=BrandingPublic)
def get_branding(session: ReadSessionDep, principal: PrincipalDep) -> BrandingPublic:
    """The workspace's report branding: the name the report shows, the accent colour, and whether it has a logo."""
    return _public(branding.of(session, principal), branding.custom_name(session, principal))


@router.patch("", response_model=BrandingPublic)
def update_branding(body: BrandingUpdate, session: SessionDep, principal: PrincipalDep) -> BrandingPublic:
    """Set the brand name and accent colour; fields left out stay as they are, null clears one.

    The accent colour is printed as text on white, so it must have a contrast of at least 3:1
    against white (WCAG 2): a colour lighter than that is refused with 422.
    """
    sent = body.model_fields_set
    updated = branding.update(
        session,
        principal,
        name=body.name if "name" in sent else KEEP,
        accent_color=body.accent_color if "accent_color" in sent else KEEP,
    )
    custom = branding.custom_name(session, principal)
    return _public(updated, custom)


@router.put(
    "/logo",
    response_model=BrandingPublic,
    responses={
        413: _error(f"The file is larger than {branding.MAX_LOGO_BYTES // 1024} KiB."),
        415: _error("The Content-Type is not image/png or image/jpeg."),
        422: _error(
            "The file is not a sound PNG or JPEG (SVG, GIF, WebP, damaged or truncated files are refused), "
            "its type disagrees with the Content-Type, or its size in pixels is out of bounds: "
            f"{branding.ACCEPTED_LOGO}."
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": f"The image file itself: {branding.ACCEPTED_LOGO}.",
            "content": {mime: {"schema": {"type": "string", "format": "binary"}} for mime in branding.LOGO_TYPES},
        }
    },
)
def put_logo(
    session: SessionDep, principal: PrincipalDep, upload: Annotated[tuple[bytes, str], Depends(logo_body)]
) -> BrandingPublic:
    """Upload the logo (replacing any earlier one) as the raw request body.

    The file's real type is read from its bytes and must agree with the Content-Type; it is
    decoded completely before it is stored, so a damaged or oversized image is refused and
    nothing changes.
    """
    data, declared = upload
    updated = branding.set_logo(session, principal, data, declared)
    custom = branding.custom_name(session, principal)
    return _public(updated, custom)


@router.get(
    "/logo",
    response_class=Response,
    responses={
        200: {
            "content": {mime: {"schema": {"type": "string", "format": "binary"}} for mime in branding.LOGO_TYPES},
            "description": "The logo file, with its type.",
        },
        304: {"description": "The logo has not changed since the ETag given in If-None-Match."},
        404: _error("The workspace has no logo."),
    },
)
def get_logo(
    session: ReadSessionDep,
    principal: PrincipalDep,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The logo as it was uploaded, with its type; 404 when the workspace has none."""
    found = branding.of(session, principal)
    return logo_response(found, if_none_match)


@router.delete("/logo", status_code=204)
def delete_logo(session: SessionDep, principal: PrincipalDep) -> Response:
    """Remove the logo; the report then shows the name alone. Answers 204 also when there was none."""
    branding.remove_logo(session, principal)
    return Response(status_code=204)
