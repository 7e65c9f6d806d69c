"""Safe YAML reading that keeps the line of every value, so errors can point into the file.

Only plain data is built (mappings, lists, strings, numbers, booleans, null). Anchors
and aliases are refused outright: an alias bomb of a few hundred bytes expands to
millions of nodes when walked, and questionnaires have no need for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.text import text_problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 40

Path = tuple[str | int, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BOOL_TAG = "tag:yaml.org,2002:bool"


@dataclass(frozen=True)
class SourceProblem:
    line: int | None
    path: Path
    message: str


class YamlSourceError(Exception):
    """The text is not a YAML document we accept; each problem carries a line."""

    def __init__(self, problems: list[SourceProblem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass
class SourceDocument:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """Line of the deepest known value on `path` (a missing key points at its parent)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


class _Refused(Exception):
    def __init__(self, mark: Any, message: str):
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else None
        self.message = message


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader's composer with anchors and aliases refused before any node is shared."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"aliases (*{event.anchor}) are not allowed in a questionnaire")
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise _Refused(event.start_mark, f"anchors (&{anchor}) are not allowed in a questionnaire")
        return super().compose_node(parent, index)


def parse_yaml(raw: bytes | str) -> SourceDocument:
    """Parse one YAML document into plain data plus a map from value path to line number."""
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > MAX_BYTES:
        raise YamlSourceError([SourceProblem(None, (), f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}")])
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlSourceError(
                [SourceProblem(None, (), f"the file is not UTF-8 text (bad byte at offset {exc.start})")]
            ) from None
    else:
        text = raw
    try:
        loader = _NoAliasLoader(text)
    except yaml.reader.ReaderError as exc:  # the reader refuses control characters before parsing starts
        message = f"the file contains the control character U+{exc.character:04X}, which YAML refuses"
        raise YamlSourceError([SourceProblem(text.count("\n", 0, exc.position) + 1, (), message)]) from None
    try:
        root = loader.get_single_node()
    except _Refused as exc:
        raise YamlSourceError([SourceProblem(exc.line, (), exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlSourceError([SourceProblem(line, (), f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise YamlSourceError([SourceProblem(None, (), f"YAML syntax error: {exc}")]) from None
    except RecursionError:
        raise YamlSourceError([SourceProblem(None, (), "the document is nested too deeply")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise YamlSourceError([SourceProblem(1, (), "the file is empty")])
    document = SourceDocument(data=None)
    problems: list[SourceProblem] = []
    document.data = _to_data(root, (), document.lines, problems, loader)
    if problems:
        raise YamlSourceError(problems)
    return document


def _to_data(node: Node, path: Path, lines: dict[Path, int], problems: list[SourceProblem], loader: Any) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if len(path) > MAX_DEPTH:
        problems.append(SourceProblem(node.start_mark.line + 1, path, f"nested deeper than {MAX_DEPTH} levels"))
        return None
    if node.tag not in _PLAIN_TAGS:
        problems.append(SourceProblem(node.start_mark.line + 1, path, f"the tag {node.tag} is not allowed"))
        return None
    if isinstance(node, MappingNode):
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(SourceProblem(key_line, path, "keys must be plain names (no lists, maps or '<<')"))
                continue
            key = str(key_node.value)
            child = (*path, key)
            if (problem := text_problem(key)) is not None:
                problems.append(SourceProblem(key_line, path, f"a key: {problem}"))
                continue
            if key in mapping:
                problems.append(SourceProblem(key_line, child, f"duplicate key '{key}'"))
                continue
            lines[child] = key_line
            mapping[key] = _to_data(value_node, child, lines, problems, loader)
        return mapping
    if isinstance(node, SequenceNode):
        return [_to_data(item, (*path, i), lines, problems, loader) for i, item in enumerate(node.value)]
    if node.tag == _TIMESTAMP_TAG:
        return node.value  # dates stay text: a version such as 2024-05-01 is a label, not a date
    if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
        # YAML 1.1 reads yes/no/on/off as booleans; authors mean the words (the answer "yes").
        return node.value
    value = loader.construct_object(node)
    # The reader refuses raw control characters; escapes ("\0", "\ud800") still make them.
    if isinstance(value, str) and (problem := text_problem(value, multiline=True)) is not None:
        problems.append(SourceProblem(node.start_mark.line + 1, path, problem))
        return None
    return value
