"""The questionnaire library on disk: the packaged files, found by id, parsed once, and the concept registry.

Parsing and checking a file takes a few hundred milliseconds, so each file is parsed once
and kept until it changes: every call looks at the directory (which files there are, and
each one's modification time, size and inode) and parses again only the files that are
new or changed; removed files drop out. An edited file is seen by the next call.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_file
from app.questionnaire.models import Questionnaire
from app.settings import get_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONCEPTS_FILE = PROJECT_ROOT / "questionnaires" / "registry" / "concepts.yaml"


def questionnaires_dir() -> Path:
    return get_settings().questionnaires_dir


@lru_cache(maxsize=1)
def default_concepts() -> ConceptRegistry:
    return ConceptRegistry.from_file(CONCEPTS_FILE)


def questionnaire_files(directory: Path | None = None) -> list[Path]:
    folder = directory or questionnaires_dir()
    return sorted(folder.glob("*.yaml"))


# What tells a changed file: an editor's atomic save makes a new inode, an edit in place a new
# mtime (and usually size); mtime alone can repeat within the filesystem's clock tick.
FileStamp = tuple[int, int, int]


@dataclass(frozen=True)
class Loaded:
    """A questionnaire of the library with its content hash (computed once per parse)."""

    questionnaire: Questionnaire
    content_hash: str


@dataclass(frozen=True)
class Parsed:
    """One file as last parsed: what it loads to, or why it does not load."""

    stamp: FileStamp
    result: Loaded | QuestionnaireError


def parse_file(path: Path) -> Parsed | None:
    """Parse one file of the library (None when it vanished meanwhile); the one place files are parsed."""
    try:
        stamp = _stamp(path)
    except OSError:
        return None
    try:
        questionnaire = load_questionnaire_file(path, default_concepts())
    except QuestionnaireError as exc:
        return Parsed(stamp, exc)
    return Parsed(stamp, Loaded(questionnaire, questionnaire.content_hash()))


def _stamp(path: Path) -> FileStamp:
    status = os.stat(path)
    return (status.st_mtime_ns, status.st_size, status.st_ino)


class Library:
    """The files of one directory, each parsed once and again only when it changes."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._parsed: dict[Path, Parsed] = {}
        # One parse at a time: requests arriving during a reload wait for it instead of parsing too.
        self._lock = threading.Lock()

    def current(self) -> list[tuple[Path, Parsed]]:
        """Every file of the directory, in name order, as it is now on disk."""
        with self._lock:
            fresh: dict[Path, Parsed] = {}
            for path in questionnaire_files(self.directory):
                known = self._parsed.get(path)
                try:
                    unchanged = known is not None and known.stamp == _stamp(path)
                except OSError:
                    continue  # removed since the directory was listed
                parsed = known if unchanged else parse_file(path)
                if parsed is not None:
                    fresh[path] = parsed
            self._parsed = fresh
            return list(fresh.items())


_libraries: dict[Path, Library] = {}
_libraries_lock = threading.Lock()


def library_of(directory: Path | None = None) -> Library:
    folder = (directory or questionnaires_dir()).resolve()
    with _libraries_lock:
        found = _libraries.get(folder)
        if found is None:
            found = _libraries[folder] = Library(folder)
        return found


def load_all_with_hashes(directory: Path | None = None) -> list[Loaded]:
    """Every questionnaire of the library in file order; a broken file raises with all its problems."""
    loaded = []
    for _path, parsed in library_of(directory).current():
        if isinstance(parsed.result, QuestionnaireError):
            raise _fresh(parsed.result)
        loaded.append(parsed.result)
    return loaded


def load_all(directory: Path | None = None) -> dict[str, Questionnaire]:
    """Every questionnaire in the library by id; a broken file raises with all its problems."""
    return {item.questionnaire.id: item.questionnaire for item in load_all_with_hashes(directory)}


def find_loaded(questionnaire_id: str, directory: Path | None = None) -> Loaded:
    """The questionnaire with this id, or a `KeyError` naming the ids there are.
    A broken file raises only when it is the one asked for (its name is the id)."""
    files = library_of(directory).current()
    for path, parsed in files:
        if isinstance(parsed.result, QuestionnaireError):
            if path.stem == questionnaire_id:
                raise _fresh(parsed.result)
        elif parsed.result.questionnaire.id == questionnaire_id:
            return parsed.result
    known = ", ".join(path.stem for path, _parsed in files)
    raise KeyError(f"no questionnaire with id '{questionnaire_id}' (available: {known})")


def _fresh(error: QuestionnaireError) -> QuestionnaireError:
    # A new exception each time: raising the cached one again would grow its traceback on every call.
    return QuestionnaireError(error.problems)


def find_questionnaire(questionnaire_id: str, directory: Path | None = None) -> Questionnaire:
    """The questionnaire with this id, or a `KeyError` naming the ids there are."""
    return find_loaded(questionnaire_id, directory).questionnaire
