"""Loading questionnaire files: YAML in, a validated `Questionnaire` out, or one message per problem.

Every problem names the file, the line, the field path and what is wrong, for example
`pulse.yaml:42: questions[3].dimension: unknown dimension 'voc'`. No traceback ever
reaches the author.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from app.questionnaire.checks import check_questionnaire
from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.models import Questionnaire
from app.questionnaire.yaml_source import Path, SourceDocument, YamlSourceError, parse_yaml


@dataclass(frozen=True)
class LoadProblem:
    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[LoadProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def format_path(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def load_questionnaire_text(raw: bytes | str, concepts: ConceptRegistry, source: str = "<text>") -> Questionnaire:
    """Parse and validate questionnaire YAML; raise `QuestionnaireError` listing every problem."""
    try:
        document = parse_yaml(raw)
    except YamlSourceError as exc:
        raise QuestionnaireError(
            [LoadProblem(source, p.line, format_path(p.path), p.message) for p in exc.problems]
        ) from None
    if not isinstance(document.data, dict):
        raise QuestionnaireError([LoadProblem(source, 1, "", "a questionnaire file must be a mapping of fields")])
    try:
        questionnaire = Questionnaire.model_validate(document.data)
    except ValidationError as exc:
        raise QuestionnaireError(_validation_problems(exc, document, source)) from None
    problems = check_questionnaire(questionnaire, concepts)
    if problems:
        raise QuestionnaireError(
            [LoadProblem(source, document.line_of(path), format_path(path), message) for path, message in problems]
        )
    return questionnaire


def load_questionnaire_file(path: FilePath, concepts: ConceptRegistry) -> Questionnaire:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise QuestionnaireError([LoadProblem(str(path), None, "", f"cannot read the file: {exc.strerror}")]) from None
    return load_questionnaire_text(raw, concepts, source=str(path))


def _validation_problems(exc: ValidationError, document: SourceDocument, source: str) -> list[LoadProblem]:
    problems: list[LoadProblem] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors():
        path = _data_path(error["loc"], document)
        message = _explain(error)
        key = (format_path(path), message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(LoadProblem(source, document.line_of(path), key[0], message))
    return problems


def _data_path(loc: tuple[Any, ...], document: SourceDocument) -> Path:
    """Pydantic's error location without the union/validator tags it adds between real keys."""
    path: list[str | int] = []
    node: Any = document.data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            if part in node:
                path.append(part)
                node = node[part]
            elif not part.startswith(("function-", "tagged-union")):
                path.append(part)  # a missing key: name it; its line is the parent's
                node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
    return tuple(path)


def _explain(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field '{error['loc'][-1]}'"
    if kind == "missing":
        return f"required field '{error['loc'][-1]}' is missing"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_pattern_mismatch":
        return f"{message[:1].lower()}{message[1:]} (got {error['input']!r})"
    if kind in ("enum", "literal_error"):
        return f"{message[:1].lower()}{message[1:]} (got {error['input']!r})"
    return message[:1].lower() + message[1:]
