"""The JSON Schema of questionnaire files, generated from the models, for editors' completion."""

from __future__ import annotations

import json
from typing import Any

from app.questionnaire.models import Questionnaire

SCHEMA_FILE_NAME = "schema.json"


def questionnaire_json_schema() -> dict[str, Any]:
    schema = Questionnaire.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://centricity.example/questionnaire.schema.json",
        **schema,
        "title": "Centricity questionnaire",
    }


def schema_text() -> str:
    return json.dumps(questionnaire_json_schema(), indent=2, ensure_ascii=False) + "\n"
