"""Hostile contexts for the consultant's management pages (gathered by tests/web/test_escaping.py)."""

from __future__ import annotations

from types import SimpleNamespace

from tests.web.test_escaping import HOSTILE

VIEWER = SimpleNamespace(workspace_name=HOSTILE, email=HOSTILE, csrf_token=HOSTILE)
ERRORS = {HOSTILE: [HOSTILE], "name": [HOSTILE]}
ORGANIZATION = {"id": HOSTILE, "name": HOSTILE}

CONTEXTS: dict[str, dict[str, object]] = {
    "web/consultant/organization_new.html": {
        "viewer": VIEWER,
        "values": {"name": HOSTILE, "industry": HOSTILE, "size_band": HOSTILE, "region": HOSTILE},
        "errors": ERRORS,
        "size_bands": [HOSTILE],
    },
    "web/consultant/organization.html": {
        "viewer": VIEWER,
        "organization": {
            **ORGANIZATION,
            "industry": HOSTILE,
            "size_band": HOSTILE,
            "region": HOSTILE,
            "created": HOSTILE,
        },
        "runs": [
            {
                "id": HOSTILE,
                "title": HOSTILE,
                "status": HOSTILE,
                "questionnaire": HOSTILE,
                "invited": 2,
                "submitted": 1,
                "opens": HOSTILE,
                "closes": HOSTILE,
                "created": HOSTILE,
            }
        ],
        "total": 3,
    },
    "web/consultant/assessment_new.html": {
        "viewer": VIEWER,
        "organization": ORGANIZATION,
        "library": [
            {"id": HOSTILE, "title": HOSTILE, "version": HOSTILE, "questions": 3, "minutes": 9, "default_level": 4}
        ],
        "levels": [{"value": 1, "name": HOSTILE}],
        "values": {
            "questionnaire_id": HOSTILE,
            "title": HOSTILE,
            "target_level": HOSTILE,
            "opens_on": HOSTILE,
            "last_day": HOSTILE,
            "anonymity": HOSTILE,
            "min_group_size": HOSTILE,
            "show_personal_result": True,
        },
        "errors": {**ERRORS, "questionnaire_id": [HOSTILE], "anonymity": [HOSTILE], "target_level": [HOSTILE]},
    },
    "web/consultant/assessment.html": {
        "viewer": VIEWER,
        "organization": ORGANIZATION,
        "assessment": {
            "id": HOSTILE,
            "title": HOSTILE,
            "status": "open",
            "questionnaire_id": HOSTILE,
            "questionnaire_version": HOSTILE,
            "questionnaire_title": HOSTILE,
            "target_level": 4,
            "target_level_name": HOSTILE,
            "opens": HOSTILE,
            "closes": HOSTILE,
            "closed": HOSTILE,
            "anonymity": HOSTILE,
            "min_group_size": 3,
            "show_personal_result": True,
            "created": HOSTILE,
        },
        "respondents": [
            {"role": HOSTILE, "function": HOSTILE, "name": HOSTILE, "status": HOSTILE, "percent": 40},
            {"role": HOSTILE, "function": HOSTILE, "name": "", "status": "invited", "percent": 0},
        ],
        "totals": {"invited": 2, "submitted": 1, "submitted_percent": 50, "in_progress": 1},
        "paging": {"page": 2, "previous": 1, "next": 3},
        "roles": [{"id": HOSTILE, "label": HOSTILE}],
        "functions": [{"id": HOSTILE, "label": HOSTILE}],
        "invite_values": {
            "people": {"people": HOSTILE},
            "anonymous": {"count": HOSTILE, "role": HOSTILE, "function": HOSTILE},
        },
        "invite_errors": {
            "people": {"people": [HOSTILE], HOSTILE: [HOSTILE]},
            "anonymous": {"count": [HOSTILE], "role": [HOSTILE], "function": [HOSTILE]},
        },
        "max_invites": 1000,
        "settings_values": {"anonymity": HOSTILE, "min_group_size": HOSTILE},
        "settings_errors": {"form": [HOSTILE], "min_group_size": [HOSTILE], HOSTILE: [HOSTILE]},
    },
    "web/consultant/assessment_close.html": {
        "viewer": VIEWER,
        "assessment": {"id": HOSTILE, "title": HOSTILE, "status": "open"},
        "invited": 3,
        "submitted": 1,
    },
    "web/consultant/invited.html": {
        "viewer": VIEWER,
        "assessment": {"id": HOSTILE, "title": HOSTILE},
        "links": [{"role": HOSTILE, "function": HOSTILE, "name": HOSTILE, "email": HOSTILE, "link": HOSTILE}],
    },
    "web/consultant/api_keys.html": {
        "viewer": VIEWER,
        "keys": [
            {
                "id": HOSTILE,
                "name": HOSTILE,
                "prefix": HOSTILE,
                "created": HOSTILE,
                "scopes": [HOSTILE],
                "last_used": HOSTILE,
                "revoked": "",
            },
            {
                "id": HOSTILE,
                "name": HOSTILE,
                "prefix": HOSTILE,
                "created": HOSTILE,
                "scopes": [HOSTILE],
                "last_used": HOSTILE,
                "revoked": HOSTILE,
            },
        ],
        "new_key": {"name": HOSTILE, "key": HOSTILE},
        "scopes": [{"id": HOSTILE, "description": HOSTILE}],
        "values": {"name": HOSTILE, "scopes": [HOSTILE]},
        "errors": ERRORS,
    },
    "web/consultant/webhooks.html": {
        "viewer": VIEWER,
        "webhooks": [
            {
                "id": HOSTILE,
                "url": HOSTILE,
                "events": [HOSTILE],
                "active": False,
                "created": HOSTILE,
                "deliveries": [
                    {
                        "event": HOSTILE,
                        "status": HOSTILE,
                        "attempts": 2,
                        "last_status_code": HOSTILE,
                        "created": HOSTILE,
                    }
                ],
                "delivery_total": 9,
            }
        ],
        "events": [{"id": HOSTILE, "description": HOSTILE}],
        "new_secret": {"url": HOSTILE, "secret": HOSTILE},
        "values": {"url": HOSTILE, "events": [HOSTILE]},
        "errors": {**ERRORS, "url": [HOSTILE], "events": [HOSTILE]},
        "limit": 20,
    },
}
