"""The questionnaire library is parsed once and again only when a file changes, appears or goes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.questionnaire import library
from app.questionnaire.loader import QuestionnaireError
from app.services import questionnaires
from app.settings import get_settings
from tests.conftest import FIXTURES, QUESTIONNAIRES


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files parsed, in order, while the test runs."""
    seen: list[str] = []
    parse = library.parse_file

    def counting(path: Path) -> library.Parsed | None:
        seen.append(path.name)
        return parse(path)

    monkeypatch.setattr(library, "parse_file", counting)
    return seen


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "mini.yaml")
    return tmp_path


def touch_later(path: Path) -> None:
    """A new modification time for the file, its content unchanged."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


def test_an_unchanged_library_is_parsed_once(folder: Path, parses: list[str]) -> None:
    first = library.load_all(folder)
    for _ in range(5):
        assert library.load_all(folder) == first
        assert library.find_questionnaire("mini", folder) is first["mini"]
    assert parses == ["mini.yaml"]


def test_a_touched_file_is_parsed_again_on_the_next_call(folder: Path, parses: list[str]) -> None:
    library.find_questionnaire("mini", folder)
    touch_later(folder / "mini.yaml")
    library.find_questionnaire("mini", folder)
    assert parses == ["mini.yaml", "mini.yaml"]


def test_an_edit_is_seen_by_the_next_call(folder: Path, parses: list[str]) -> None:
    assert library.find_questionnaire("mini", folder).title == "Mini assessment"
    path = folder / "mini.yaml"
    path.write_text(path.read_text().replace("title: Mini assessment", "title: Edited assessment"))
    edited = library.find_loaded("mini", folder)
    assert edited.questionnaire.title == "Edited assessment"
    assert edited.content_hash == edited.questionnaire.content_hash()


def test_files_added_and_removed_are_seen(folder: Path, parses: list[str]) -> None:
    assert set(library.load_all(folder)) == {"mini"}
    shutil.copy(QUESTIONNAIRES / "pulse.yaml", folder / "pulse.yaml")
    assert set(library.load_all(folder)) == {"mini", "pulse"}
    (folder / "mini.yaml").unlink()
    assert set(library.load_all(folder)) == {"pulse"}
    with pytest.raises(KeyError, match="available: pulse"):
        library.find_questionnaire("mini", folder)
    assert parses == ["mini.yaml", "pulse.yaml"]


def test_a_broken_file_is_parsed_once_and_raises_each_time(folder: Path, parses: list[str]) -> None:
    (folder / "broken.yaml").write_text("id: broken\nversion: [\n")
    for _ in range(3):
        with pytest.raises(QuestionnaireError, match=r"broken\.yaml"):
            library.find_questionnaire("broken", folder)
        with pytest.raises(QuestionnaireError):
            library.load_all(folder)
        assert library.find_questionnaire("mini", folder).id == "mini"  # the others still load
    assert sorted(parses) == ["broken.yaml", "mini.yaml"]


@pytest.fixture
def configured_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CENTRICITY_QUESTIONNAIRES_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def test_the_directory_is_a_setting(configured_folder: Path, parses: list[str]) -> None:
    assert get_settings().questionnaires_dir == configured_folder
    assert library.questionnaires_dir() == configured_folder
    assert set(library.load_all()) == {"mini"}
    assert parses == ["mini.yaml"]


def test_the_service_lists_and_finds_without_parsing_again(configured_folder: Path, parses: list[str]) -> None:
    listed = questionnaires.listing()
    assert [(item.questionnaire.id, item.content_hash) for item in listed] == [
        ("mini", listed[0].questionnaire.content_hash())
    ]
    assert questionnaires.from_library("mini") is listed[0].questionnaire
    assert questionnaires.normalized(listed[0]) is questionnaires.normalized(questionnaires.loaded_from_library("mini"))
    assert parses == ["mini.yaml"]
    touch_later(configured_folder / "mini.yaml")
    questionnaires.library()
    assert parses == ["mini.yaml", "mini.yaml"]
