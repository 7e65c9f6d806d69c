"""Hostile context for the report branding settings page (gathered by tests/web/test_escaping.py)."""

from __future__ import annotations

from types import SimpleNamespace

from tests.web.test_escaping import HOSTILE

CONTEXTS: dict[str, dict[str, object]] = {
    "web/consultant/branding.html": {
        "viewer": SimpleNamespace(workspace_name=HOSTILE, email=HOSTILE, csrf_token=HOSTILE),
        "values": {"name": HOSTILE, "accent_color": HOSTILE},
        "errors": {HOSTILE: [HOSTILE], "name": [HOSTILE], "accent_color": [HOSTILE]},
        "logo_errors": {HOSTILE: [HOSTILE], "logo": [HOSTILE]},
        "saved": HOSTILE,
        "preview": {"name": HOSTILE, "accent": HOSTILE, "is_default_accent": True, "logo_url": HOSTILE},
        "picker": HOSTILE,
        "logo": {"url": HOSTILE, "type": HOSTILE, "kib": HOSTILE},
        "limits": {"kib": HOSTILE, "min": HOSTILE, "max": HOSTILE, "name": HOSTILE, "default_accent": HOSTILE},
    },
}
