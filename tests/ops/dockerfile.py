"""A small reader of the project's Dockerfile and compose file, for the tests that check what can be
checked without Docker."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"


@dataclass
class Dockerfile:
    instructions: list[tuple[str, str]]
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path = DOCKERFILE) -> Dockerfile:
        logical: list[str] = []
        pending = ""
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            logical.append(pending + line)
            pending = ""
        instructions = []
        for line in logical:
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
        parsed = cls(instructions)
        for value in parsed.all("ENV"):
            parsed.env.update(dict(part.split("=", 1) for part in shlex.split(value)))
        return parsed

    def all(self, keyword: str) -> list[str]:
        return [rest for name, rest in self.instructions if name == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"the Dockerfile has no {keyword}"
        return found[-1]

    def copies(self) -> list[tuple[list[str], str]]:
        """(sources, destination) of every COPY from the build context."""
        copies = []
        for rest in self.all("COPY"):
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            copies.append((parts[:-1], parts[-1]))
        return copies

    def command(self) -> list[str]:
        command = json.loads(self.last("CMD"))
        assert isinstance(command, list)
        return [str(part) for part in command]

    def apt_packages(self) -> set[str]:
        packages: set[str] = set()
        for rest in self.all("RUN"):
            for step in rest.split("&&"):
                words = step.split()
                if words[:2] == ["apt-get", "install"]:
                    packages.update(w for w in words[2:] if not w.startswith("-"))
        return packages

    def healthcheck_url(self) -> str:
        found = re.search(r"urlopen\('([^']+)'", self.last("HEALTHCHECK"))
        assert found, self.last("HEALTHCHECK")
        return found.group(1)


_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def substitute(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}` with the given variables."""

    def replace(found: re.Match[str]) -> str:
        name, kind, argument = found.group(1), found.group(2), found.group(3)
        if variables.get(name):
            return variables[name]
        if kind == "-":
            return argument
        if kind == "?":
            raise KeyError(f"{name}: {argument}")
        return ""

    return _VARIABLE.sub(replace, value)
