"""`GET /questionnaires/{id}` has a typed response model: the spec describes each kind's answer shape,
and the model leaves the normalized questionnaire exactly as it is (the body did not change)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.api.questionnaire_schemas import QuestionnaireDetail
from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.kinds import all_kinds
from app.questionnaire.library import questionnaire_files
from app.questionnaire.loader import load_questionnaire_file
from app.questionnaire.normalized import normalize
from tests.conftest import FIXTURES, QUESTIONNAIRES


def test_the_spec_describes_each_answer_shape() -> None:
    from app.main import create_app

    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    ok = spec["paths"]["/api/v1/questionnaires/{questionnaire_id}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/QuestionnaireDetail"}
    answers = schemas["QuestionPublic"]["properties"]["answers"]
    shapes = {ref["$ref"].rsplit("/", 1)[1] for ref in answers["oneOf"]}
    assert shapes == {shape.__name__ for kind in all_kinds() for shape in kind.shapes}
    for name in shapes:
        shape = schemas[name]
        assert shape["properties"]["kind"]["const"] in {kind.name for kind in all_kinds()}
        assert shape["additionalProperties"] is False
    assert set(schemas["NumberAnswers"]["required"]) == {"special", "kind", "min", "max", "unit", "bands"}
    assert schemas["RatedOutcomeAnswers"]["properties"]["metric"]["enum"] == ["nps", "csat", "ces"]


@pytest.mark.parametrize("path", [*questionnaire_files(QUESTIONNAIRES), FIXTURES / "mini.yaml"], ids=lambda p: p.name)
def test_the_response_model_keeps_the_normalized_questionnaire_as_it_is(path: Path, concepts: ConceptRegistry) -> None:
    normalized = normalize(load_questionnaire_file(path, concepts))
    typed = QuestionnaireDetail.model_validate(normalized).model_dump(mode="json")
    assert json.dumps(typed) == json.dumps(normalized)  # key order and int/float included
