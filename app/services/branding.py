"""The workspace's report branding: the name, accent colour and logo on the report cover and running header.

Everything is checked here, before it is stored, so that the report renderer can trust what it
reads: a name of printable text, a colour dark enough to read as text on white, and a logo
that really is a PNG or JPEG of sensible size (decoded with Pillow, never taken on its word).
Only the principal's own workspace is ever read or changed.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from enum import Enum
from typing import Final

from PIL import Image
from sqlmodel import Session

from app.db.tables import NAME_MAX, Workspace
from app.services import audit
from app.services.accounts import Principal
from app.services.errors import InvalidInput, NotFound, TooLarge

PNG: Final = "image/png"
JPEG: Final = "image/jpeg"
LOGO_TYPES: Final = (PNG, JPEG)
MAX_LOGO_BYTES: Final = 512 * 1024
MAX_LOGO_SIDE: Final = 2000  # pixels, each side
MIN_LOGO_SIDE: Final = 16
# The accent colour is printed as text (headings, the brand name) on white paper: WCAG 2's
# minimum for large text and graphical objects.
MIN_CONTRAST: Final = 3.0
# What the report uses when the workspace has chosen no colour (contrast 6.8:1), shown in the page's preview;
# the report's own constant (app.report.source.DEFAULT_ACCENT) is checked against it by a test.
DEFAULT_ACCENT_COLOR: Final = "#1f5f8b"

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}
_TYPE_NAMES = {PNG: "PNG", JPEG: "JPEG"}
ACCEPTED_LOGO = (
    f"a PNG or JPEG image of at most {MAX_LOGO_BYTES // 1024} KiB, "
    f"{MIN_LOGO_SIDE}x{MIN_LOGO_SIDE} to {MAX_LOGO_SIDE}x{MAX_LOGO_SIDE} pixels"
)


@dataclass(frozen=True)
class Branding:
    name: str | None  # shown on the report cover and running header; None -> the workspace name is used by callers
    accent_color: str | None  # "#rrggbb" lower-case
    logo: bytes | None
    logo_mime: str | None  # "image/png" or "image/jpeg"

    @property
    def logo_digest(self) -> str | None:
        """sha256 hex of the logo, for cache keys (None without a logo)."""
        return hashlib.sha256(self.logo).hexdigest() if self.logo is not None else None


class _Keep(Enum):
    KEEP = "keep"


KEEP: Final = _Keep.KEEP
"""The default of `update`'s arguments: leave that setting as it is (None clears it)."""


def _workspace(session: Session, principal: Principal) -> Workspace:
    workspace = session.get(Workspace, principal.workspace_id)
    if workspace is None:
        raise NotFound("no such workspace")
    return workspace


def _branding_of(workspace: Workspace) -> Branding:
    return Branding(
        name=workspace.brand_name or workspace.name,
        accent_color=workspace.accent_color,
        logo=workspace.logo,
        logo_mime=workspace.logo_mime,
    )


def of(session: Session, principal: Principal) -> Branding:
    """The branding of the principal's workspace.

    `name` is the brand name when one is set and the workspace's own name otherwise, so a
    branding read from the database always has a name; `Branding.name` is None only for a
    branding made without a workspace (a report rendered offline from an answers file).
    `custom_name` tells the two cases apart.
    """
    return _branding_of(_workspace(session, principal))


def custom_name(session: Session, principal: Principal) -> str | None:
    """The brand name as set, or None when the report falls back to the workspace's name."""
    return _workspace(session, principal).brand_name


# ---- name and colour


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", [{"field": field, "message": message}])


def check_name(name: str) -> str:
    """`name` stripped, or InvalidInput naming what is accepted."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        message = f"give a brand name of 1 to {NAME_MAX} characters, or clear it to use the workspace name"
        raise _problem("name", message)
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        raise _problem("name", "a brand name is one line of text, without line breaks or control characters")
    return name


def contrast_with_white(color: str) -> float:
    """The WCAG 2 contrast ratio of the "#rrggbb" `color` against white (1 to 21)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 1.05 / (luminance + 0.05)


def check_color(color: str) -> str:
    """`color` as lower-case "#rrggbb", or InvalidInput saying what is accepted."""
    color = color.strip()
    if not _COLOR.fullmatch(color):
        raise _problem("accent_color", 'give the colour as "#rrggbb" in hexadecimal, e.g. "#1f5fbf"')
    color = color.lower()
    contrast = contrast_with_white(color)
    if contrast < MIN_CONTRAST:
        shown = int(contrast * 100) / 100  # rounded down: 2.996 must not read as "3.00"
        raise _problem(
            "accent_color",
            f"{color} is too light to read as text on white (contrast {shown:.2f}:1); the report needs a "
            f"contrast of at least {MIN_CONTRAST:.0f}:1 against white (WCAG 2), so choose a darker colour",
        )
    return color


def update(
    session: Session,
    principal: Principal,
    *,
    name: str | _Keep | None = KEEP,
    accent_color: str | _Keep | None = KEEP,
) -> Branding:
    """Set or clear (None) the brand name and accent colour; arguments left out stay as they are.
    Both are checked before either is changed."""
    workspace = _workspace(session, principal)
    changes: dict[str, str | None] = {}
    if name is not KEEP:
        checked = None if name is None else check_name(name)
        if checked != workspace.brand_name:
            changes["brand_name"] = checked
    if accent_color is not KEEP:
        checked = None if accent_color is None else check_color(accent_color)
        if checked != workspace.accent_color:
            changes["accent_color"] = checked
    if changes:
        for field, value in changes.items():
            setattr(workspace, field, value)
        session.add(workspace)
        session.flush()
        audit.record(session, workspace.id, principal.actor, "branding.updated", "workspace", workspace.id, **changes)
    return _branding_of(workspace)


# ---- logo


def sniff(data: bytes) -> str:
    """What `data` is, from its first bytes: a MIME type, or a short description of something else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        return "image/svg+xml"
    return "unknown"


_REFUSED = {
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    # SVG can load external resources and carry scripts: never stored, whatever it contains.
    "image/svg+xml": "an SVG image (SVG is not accepted: it can load external resources and carry scripts)",
    "unknown": "not a PNG or JPEG image",
}


def _logo_problem(message: str) -> InvalidInput:
    return _problem("logo", f"{message}; upload {ACCEPTED_LOGO}")


def too_large() -> TooLarge:
    """The refusal of a file over MAX_LOGO_BYTES (also raised by callers that stop reading at the limit)."""
    message = f"the file is larger than {MAX_LOGO_BYTES // 1024} KiB; upload {ACCEPTED_LOGO}"
    return TooLarge(f"logo: {message}", [{"field": "logo", "message": message}])


def _declared(declared_mime: str | None) -> str | None:
    if declared_mime is None:
        return None
    return declared_mime.split(";", 1)[0].strip().lower() or None


def check_logo(data: bytes, declared_mime: str | None) -> tuple[str, int, int]:
    """The logo's real type and size in pixels, or an error saying what is accepted:
    TooLarge over MAX_LOGO_BYTES, InvalidInput for anything else that is not a sound PNG or JPEG."""
    if len(data) > MAX_LOGO_BYTES:
        raise too_large()
    if not data:
        raise _logo_problem("the file is empty")
    actual = sniff(data)
    if actual not in LOGO_TYPES:
        raise _logo_problem(f"the file is {_REFUSED[actual]}")
    declared = _declared(declared_mime)
    if declared is not None and declared not in LOGO_TYPES:
        raise _logo_problem(f"the type {declared} is not accepted")
    if declared is not None and declared != actual:
        raise _logo_problem(f"the file was declared as {declared} but is a {_TYPE_NAMES[actual]} image")
    width, height = _decoded_size(data, actual)
    return actual, width, height


def _decoded_size(data: bytes, mime: str) -> tuple[int, int]:
    """Decode the image fully (dimensions checked first, from the header, so that nothing large is
    ever decompressed) and return its size; any damage or a decompression bomb is InvalidInput."""
    fmt = _PILLOW_FORMATS[mime]
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on images with very many pixels: both are refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                    raise _logo_problem(f"the image is {width}x{height} pixels, larger than allowed")
                if width < MIN_LOGO_SIDE or height < MIN_LOGO_SIDE:
                    raise _logo_problem(f"the image is {width}x{height} pixels, smaller than allowed")
                image.verify()  # chunk structure and checksums; the image is unusable afterwards
            # verify() does not decode the pixels (and checks little of a JPEG): a full decode does.
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                image.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _logo_problem("the image is a decompression bomb") from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... for broken files
        raise _logo_problem(f"the {_TYPE_NAMES[mime]} file is damaged or truncated and cannot be decoded") from exc
    return width, height


def set_logo(session: Session, principal: Principal, data: bytes, declared_mime: str | None) -> Branding:
    """Store `data` as the workspace's logo after `check_logo` accepted it (replacing any earlier logo)."""
    mime, width, height = check_logo(data, declared_mime)
    workspace = _workspace(session, principal)
    workspace.logo = data
    workspace.logo_mime = mime
    session.add(workspace)
    session.flush()
    branding = _branding_of(workspace)
    audit.record(
        session,
        workspace.id,
        principal.actor,
        "branding.logo_set",
        "workspace",
        workspace.id,
        mime=mime,
        bytes=len(data),
        width=width,
        height=height,
        sha256=branding.logo_digest,
    )
    return branding


def remove_logo(session: Session, principal: Principal) -> Branding:
    """Remove the workspace's logo; nothing happens (and nothing is audited) when there is none."""
    workspace = _workspace(session, principal)
    if workspace.logo is not None:
        digest = hashlib.sha256(workspace.logo).hexdigest()
        workspace.logo = None
        workspace.logo_mime = None
        session.add(workspace)
        session.flush()
        audit.record(
            session, workspace.id, principal.actor, "branding.logo_removed", "workspace", workspace.id, sha256=digest
        )
    return _branding_of(workspace)
