"""The registry of concept ids (practices, outcomes, benefits) that questionnaires may cite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from app.questionnaire.yaml_source import parse_yaml


@dataclass(frozen=True)
class ConceptRegistry:
    practices: Mapping[str, str]
    outcomes: Mapping[str, str]
    benefits: Mapping[str, str]

    def title(self, concept_id: str) -> str:
        for group in (self.practices, self.outcomes, self.benefits):
            if concept_id in group:
                return group[concept_id]
        raise KeyError(concept_id)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Mapping[str, str]]) -> ConceptRegistry:
        return cls(
            practices=MappingProxyType(dict(data.get("practices", {}))),
            outcomes=MappingProxyType(dict(data.get("outcomes", {}))),
            benefits=MappingProxyType(dict(data.get("benefits", {}))),
        )

    @classmethod
    def from_file(cls, path: Path) -> ConceptRegistry:
        data = parse_yaml(path.read_bytes()).data
        if not isinstance(data, dict) or not {"practices", "outcomes", "benefits"} <= data.keys():
            raise ValueError(f"{path}: expected the sections practices, outcomes and benefits")
        return cls.from_mapping(data)
