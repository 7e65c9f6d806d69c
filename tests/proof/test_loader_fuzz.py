"""Questionnaire loader fuzzing (hypothesis): any bytes, and valid files mutated (keys deleted or
renamed, values replaced by other types or by other parts of the file, lists cut short, text
truncated or spliced), give a questionnaire or the loader's own `QuestionnaireError` with at least
one problem - never another exception. A questionnaire that loads can also be normalized (what the
API and the snapshot of an assessment are built from)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.library import default_concepts
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_text
from app.questionnaire.models import Questionnaire
from app.questionnaire.normalized import normalize
from tests.conftest import FIXTURES, QUESTIONNAIRES

pytestmark = pytest.mark.slow

VALID_FILES = [FIXTURES / "mini.yaml", *sorted(QUESTIONNAIRES.glob("*.yaml"))]
TEXTS = {path.name: path.read_text(encoding="utf-8") for path in VALID_FILES}
DOCUMENTS = {name: yaml.safe_load(text) for name, text in TEXTS.items()}
CONCEPTS: ConceptRegistry = default_concepts()

# The flagship file takes about 0.3 s to load: fewer examples of it, more of the small files.
SMALL_FILES = sorted(name for name in TEXTS if name != "customer-centricity.yaml")
FLAGSHIP = "customer-centricity.yaml"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ_FLAGSHIP = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Path_ = tuple[str | int, ...]


def load_or_refuse(raw: bytes | str) -> Questionnaire | None:
    """The property: a questionnaire (that normalizes), or the loader's error naming its problems."""
    try:
        questionnaire = load_questionnaire_text(raw, CONCEPTS, source="fuzzed.yaml")
    except QuestionnaireError as exc:
        assert exc.problems
        assert all(str(problem).startswith("fuzzed.yaml") for problem in exc.problems)
        return None
    normalize(questionnaire)
    return questionnaire


def test_the_valid_files_load() -> None:
    for name, text in TEXTS.items():
        assert load_or_refuse(text) is not None, name


# ---- raw bytes and text


@settings(FUZZ, max_examples=1000)
@given(st.binary(max_size=2000))
def test_any_bytes(raw: bytes) -> None:
    load_or_refuse(raw)


@settings(FUZZ, max_examples=1000)
@given(st.text(max_size=2000))
def test_any_text(raw: str) -> None:
    load_or_refuse(raw)


def splice(text: str, data: st.DataObject) -> str:
    cut = data.draw(st.integers(0, len(text)), label="cut")
    how = data.draw(st.sampled_from(["truncate", "drop-line", "duplicate-line", "insert", "replace-char"]))
    if how == "truncate":
        return text[:cut]
    if how in ("drop-line", "duplicate-line"):
        lines = text.splitlines(keepends=True)
        index = data.draw(st.integers(0, len(lines) - 1), label="line")
        lines[index : index + 1] = [] if how == "drop-line" else [lines[index]] * 2
        return "".join(lines)
    if how == "insert":
        return text[:cut] + data.draw(st.text(max_size=20), label="inserted") + text[cut:]
    return text[:cut] + data.draw(st.characters(), label="char") + text[cut + 1 :]


@FUZZ
@given(st.sampled_from(SMALL_FILES), st.data())
def test_valid_text_truncated_or_spliced(name: str, data: st.DataObject) -> None:
    load_or_refuse(splice(TEXTS[name], data))


@FUZZ_FLAGSHIP
@given(st.data())
def test_flagship_text_truncated_or_spliced(data: st.DataObject) -> None:
    load_or_refuse(splice(TEXTS[FLAGSHIP], data))


# ---- structural mutations of valid documents


def paths_of(node: Any, path: Path_ = ()) -> list[Path_]:
    """Every path to a value in the document (the root excluded)."""
    found: list[Path_] = []
    children: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found.append((*path, key))
        found.extend(paths_of(child, (*path, key)))
    return found


def get(node: Any, path: Path_) -> Any:
    for part in path:
        node = node[part]
    return node


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", " ", "yes", "1", "-", "dont_know", "not_applicable", "0x10", "1e999", "null"]),
    st.lists(st.one_of(st.none(), st.integers(-3, 9), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.none(), st.integers(-3, 9), st.text(max_size=4)), max_size=2),
)


def mutate_once(document: Any, data: st.DataObject) -> None:
    paths = paths_of(document)
    if not paths:
        return
    path = data.draw(st.sampled_from(paths), label="path")
    parent, key = get(document, path[:-1]), path[-1]
    how = data.draw(st.sampled_from(["delete", "replace", "graft", "rename", "truncate-list", "duplicate"]))
    if how == "delete":
        del parent[key]
    elif how == "replace":
        parent[key] = data.draw(ODD_VALUES, label="value")
    elif how == "graft":  # a value from elsewhere in the same file: plausible shapes in the wrong place
        parent[key] = copy.deepcopy(get(document, data.draw(st.sampled_from(paths), label="from")))
    elif how == "rename" and isinstance(parent, dict):
        new_key = data.draw(st.one_of(st.text(max_size=10), st.integers(-2, 6)), label="key")
        parent[new_key] = parent.pop(key)
    elif how == "truncate-list":
        target = parent[key]
        if isinstance(target, list):
            del target[data.draw(st.integers(0, len(target)), label="keep") :]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(int(key), copy.deepcopy(parent[key]))


def mutated(name: str, mutations: int, data: st.DataObject) -> str:
    document = copy.deepcopy(DOCUMENTS[name])
    for _ in range(mutations):
        mutate_once(document, data)
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@FUZZ
@given(st.sampled_from(SMALL_FILES), st.integers(1, 4), st.data())
def test_valid_documents_mutated(name: str, mutations: int, data: st.DataObject) -> None:
    load_or_refuse(mutated(name, mutations, data))


@FUZZ_FLAGSHIP
@given(st.integers(1, 4), st.data())
def test_flagship_document_mutated(mutations: int, data: st.DataObject) -> None:
    load_or_refuse(mutated(FLAGSHIP, mutations, data))
