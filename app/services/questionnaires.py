"""The questionnaire library as the service sees it, and assessments' pinned snapshots.

The library is parsed once and reread only when a file changes (`app.questionnaire.library`);
a pinned snapshot is validated once per process and kept by its content hash, which names
it for good (a snapshot never changes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache

from app.questionnaire.library import Loaded, find_loaded, load_all_with_hashes
from app.questionnaire.loader import QuestionnaireError
from app.questionnaire.models import Questionnaire
from app.questionnaire.normalized import normalize
from app.services.errors import InvalidInput, NotFound

_SNAPSHOT_CACHE_SIZE = 64
_snapshots: LRUCache[str, Questionnaire] = LRUCache(maxsize=_SNAPSHOT_CACHE_SIZE)
_normalized: LRUCache[str, dict[str, Any]] = LRUCache(maxsize=_SNAPSHOT_CACHE_SIZE)
# cachetools caches are not thread-safe; sync routes run in a thread pool.
_lock = threading.Lock()


def listing() -> list[Loaded]:
    """The questionnaires an assessment can be created from, by id, each with its content hash."""
    return sorted(load_all_with_hashes(), key=lambda item: item.questionnaire.id)


def library() -> list[Questionnaire]:
    return [item.questionnaire for item in listing()]


def loaded_from_library(questionnaire_id: str) -> Loaded:
    """The library's questionnaire with this id and its content hash, or NotFound / InvalidInput."""
    try:
        return find_loaded(questionnaire_id)
    except KeyError:
        raise NotFound(f"no questionnaire with id '{questionnaire_id}'") from None
    except QuestionnaireError as exc:
        raise InvalidInput(
            f"questionnaire '{questionnaire_id}' does not load", [str(p) for p in exc.problems]
        ) from None


def from_library(questionnaire_id: str) -> Questionnaire:
    return loaded_from_library(questionnaire_id).questionnaire


def normalized(loaded: Loaded) -> dict[str, Any]:
    """`normalize(questionnaire)`, made once per content hash. Callers must not change the dict."""
    with _lock:
        found = _normalized.get(loaded.content_hash)
    if found is None:
        found = normalize(loaded.questionnaire)
        with _lock:
            _normalized[loaded.content_hash] = found
    return found


def snapshot_of(questionnaire: Questionnaire) -> dict[str, Any]:
    """What an assessment stores: the whole model, so later edits of the file never reach it."""
    return questionnaire.model_dump(mode="json", by_alias=True)


def from_snapshot(load_snapshot: Callable[[], dict[str, Any]], content_hash: str) -> Questionnaire:
    """The questionnaire an assessment pinned, parsed once per process (validation is not free).
    The snapshot is loaded only on a cache miss: it is the largest value an assessment holds."""
    with _lock:
        cached = _snapshots.get(content_hash)
    if cached is not None:
        return cached
    questionnaire = Questionnaire.model_validate(load_snapshot())
    if questionnaire.content_hash() != content_hash:
        raise RuntimeError(f"stored questionnaire snapshot does not match its hash {content_hash}")
    with _lock:
        _snapshots[content_hash] = questionnaire
    return questionnaire
