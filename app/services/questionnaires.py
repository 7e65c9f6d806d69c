"""The questionnaire library as the service sees it, and assessments' pinned snapshots."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from app.questionnaire.library import find_questionnaire, load_all
from app.questionnaire.loader import QuestionnaireError
from app.questionnaire.models import Questionnaire
from app.services.errors import InvalidInput, NotFound

_SNAPSHOT_CACHE_SIZE = 64
_snapshots: OrderedDict[str, Questionnaire] = OrderedDict()
_lock = threading.Lock()


def library() -> list[Questionnaire]:
    return sorted(load_all().values(), key=lambda q: q.id)


def from_library(questionnaire_id: str) -> Questionnaire:
    try:
        return find_questionnaire(questionnaire_id)
    except KeyError:
        raise NotFound(f"no questionnaire with id '{questionnaire_id}'") from None
    except QuestionnaireError as exc:
        raise InvalidInput(
            f"questionnaire '{questionnaire_id}' does not load", [str(p) for p in exc.problems]
        ) from None


def snapshot_of(questionnaire: Questionnaire) -> dict[str, Any]:
    """What an assessment stores: the whole model, so later edits of the file never reach it."""
    return questionnaire.model_dump(mode="json", by_alias=True)


def from_snapshot(load_snapshot: Callable[[], dict[str, Any]], content_hash: str) -> Questionnaire:
    """The questionnaire an assessment pinned, parsed once per process (validation is not free).
    The snapshot is loaded only on a cache miss: it is the largest value an assessment holds."""
    with _lock:
        cached = _snapshots.get(content_hash)
        if cached is not None:
            _snapshots.move_to_end(content_hash)
            return cached
    questionnaire = Questionnaire.model_validate(load_snapshot())
    if questionnaire.content_hash() != content_hash:
        raise RuntimeError(f"stored questionnaire snapshot does not match its hash {content_hash}")
    with _lock:
        _snapshots[content_hash] = questionnaire
        while len(_snapshots) > _SNAPSHOT_CACHE_SIZE:
            _snapshots.popitem(last=False)
    return questionnaire
