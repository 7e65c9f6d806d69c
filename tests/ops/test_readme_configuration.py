"""The README's configuration table lists every environment variable the settings read, with default and example."""

from __future__ import annotations

import re

from app.settings import Settings
from tests.ops.dockerfile import ROOT


def environment_names() -> set[str]:
    names = set()
    prefix = str(Settings.model_config.get("env_prefix", ""))
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def configuration_rows() -> dict[str, list[str]]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        found = re.match(r"\| `([A-Z_]+)` \|(.*)\|$", line)
        if found:
            rows[found.group(1)] = [cell.strip() for cell in found.group(2).split(" | ")]
    return rows


def test_every_setting_is_in_the_readme_table_with_a_default_an_example_and_a_description() -> None:
    rows = configuration_rows()
    missing = environment_names() - set(rows)
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"
    for name, cells in rows.items():
        assert len(cells) == 3 and all(cells), f"{name}: needs a default, an example and what it does"


def test_the_table_names_the_other_variables_the_service_reads() -> None:
    rows = configuration_rows()
    assert {"CENTRICITY_QUESTIONNAIRES_DIR", "PROMETHEUS_MULTIPROC_DIR", "FORWARDED_ALLOW_IPS"} <= set(rows)
