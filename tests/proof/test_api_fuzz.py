"""API fuzzing with schemathesis against the app's own OpenAPI document, in process (ASGI).

Every phase runs: the documented examples, coverage (boundary and schema-violating values:
the negative data), random fuzzing of valid and invalid requests, and stateful sequences that
follow the links schemathesis infers (create an organization, then read, update and delete it
by the id it returned...). Every check runs: no 5xx, status codes, content types, headers and
bodies as documented, schema-violating requests refused, schema-valid ones not refused for the
shape, resources available after creation and gone after deletion, auth not ignored, 405s
with Allow. Calls carry a valid API key; the respondent routes get a valid link token.

One setting differs from schemathesis' defaults: a schema-valid request may get a 422. The
rules that depend on stored data (which questionnaire ids exist, the roles and functions of
the assessment's questionnaire, the answers each question takes, all required questions
answered before a submit, an Idempotency-Key reused for another body) are the service's to
check, beyond what a schema can say; each such 422 names the field or question.

Bounded by MAX_EXAMPLES per operation and phase and STATEFUL_MAX_STEPS; the seed is fixed so a
failure reproduces (CENTRICITY_FUZZ_SEED=<n> and CENTRICITY_FUZZ_EXAMPLES=<n> to explore further).

Left out: report.pdf, whose every valid call prints a PDF of dozens of pages in a worker process
(seconds each); its refusals are the same dependencies as report.html's, which is fuzzed.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db.engine import get_engine
from app.db.migrate import upgrade_to_head
from app.main import create_app
from app.settings import get_settings
from tests.api.conftest import make_tenant
from tests.proof.conftest import Record

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.engine import Status, events, from_schema  # noqa: E402

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("CENTRICITY_FUZZ_EXAMPLES", "12"))
STATEFUL_MAX_STEPS = 25
SEED = int(os.environ.get("CENTRICITY_FUZZ_SEED", "2026"))
EXCLUDED_PATHS = r"/report\.pdf$"
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Schemathesis' defaults for a schema-valid request, plus 422 (see the module docstring).
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


@dataclass
class FuzzTarget:
    app: FastAPI
    api_key: str
    token: str


@pytest.fixture
def fuzz_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FuzzTarget]:
    """The app on a migrated SQLite file, with a workspace, its API key and an open assessment's invitee."""
    database_url = f"sqlite:///{tmp_path / 'centricity.db'}"
    upgrade_to_head(database_url)
    for name, value in {
        "DATABASE_URL": database_url,
        "CENTRICITY_ENVIRONMENT": "test",
        "CENTRICITY_WEBHOOK_SENDER": "false",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        app = create_app()
        with TestClient(app) as client:
            tenant = make_tenant(client, "Fuzz Consulting")
            assessment = tenant.open_assessment()
            tokens = tenant.invite(assessment["id"], ("manager", "service"))
            yield FuzzTarget(app, tenant.key, tokens[0])
    finally:
        get_engine().dispose()
        get_engine.cache_clear()
        get_settings.cache_clear()


@dataclass
class Tally:
    operations: set[str] = field(default_factory=set)
    cases: collections.Counter[str] = field(default_factory=collections.Counter)  # by phase
    requests: int = 0
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)  # by status class
    checks_run: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (operation, check, title) -> example
    errors: list[str] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)
    stateful_transitions: int = 0

    def add(self, event: Any) -> None:
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            phase = event.phase.value
            self.cases[phase] += len(recorder.cases)
            for case_id, interaction in recorder.interactions.items():
                del case_id
                self.requests += 1
                if interaction.response is not None:
                    self.statuses[f"{interaction.response.status_code // 100}xx"] += 1
            for case_id, checks in recorder.checks.items():
                case = recorder.cases[case_id].value
                self.operations.add(f"{case.operation.method.upper()} {case.operation.path}")
                for check in checks:
                    self.checks_run[check.name] += 1
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        key = (failure.operation or recorder.label, check.name, failure.title)
                        self.failures.setdefault(
                            key, f"{failure.message.strip()[:400]}\n    {check.failure_info.code_sample[:600]}"
                        )
        elif isinstance(event, events.PhaseStarted) and event.payload is not None:
            self.stateful_transitions = event.payload.transitions_selected
        elif isinstance(event, events.PhaseFinished):
            self.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.value!r}"[:500])
        elif isinstance(event, events.FatalError):
            self.errors.append(f"fatal: {event.exception!r}"[:500])

    def lines(self) -> list[str]:
        return [
            f"  {len(self.operations)} operations; test cases by phase: "
            + ", ".join(f"{phase} {self.cases[phase]}" for phase in PHASES)
            + f"; {self.requests} requests ({', '.join(f'{k} {v}' for k, v in sorted(self.statuses.items()))})",
            f"  {len(self.checks_run)} checks, {sum(self.checks_run.values())} check runs; stateful links: "
            f"{self.stateful_transitions}; failures: {len(self.failures)}; errors: {len(self.errors)}; seed {SEED}",
        ]


def test_the_api_conforms_to_its_openapi_document(fuzz_target: FuzzTarget, record_figures: Record) -> None:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {fuzz_target.api_key}"},
            "parameters": {"token": fuzz_target.token},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
            "phases": {name: {"enabled": True} for name in PHASES} | {"stateful": {"max-steps": STATEFUL_MAX_STEPS}},
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_STATUSES}},
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_target.app, config=config).exclude(
        path_regex=EXCLUDED_PATHS
    )
    tally = Tally()
    for event in from_schema(schema).execute():
        tally.add(event)

    figures = {
        "seed": SEED,
        "operations": sorted(tally.operations),
        "cases_by_phase": dict(tally.cases),
        "requests": tally.requests,
        "status_classes": dict(tally.statuses),
        "check_runs": dict(tally.checks_run),
        "stateful_transitions": tally.stateful_transitions,
        "phases": tally.phases,
        "failures": [f"{op} [{check}] {title}" for op, check, title in tally.failures],
        "errors": tally.errors,
    }
    record_figures("api-fuzz", tally.lines(), figures)

    assert tally.errors == []
    report = "\n".join(f"{op} [{check}] {title}\n  {example}" for (op, check, title), example in tally.failures.items())
    assert not tally.failures, f"{len(tally.failures)} kinds of failure:\n{report}"
    assert all(tally.cases[phase] > 0 for phase in PHASES), tally.cases
    assert tally.stateful_transitions > 0
    assert tally.statuses["5xx"] == 0
