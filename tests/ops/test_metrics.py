"""Prometheus /metrics: request counts and latency by route template (never a raw path), answers saved
once committed, reports rendered, the optional bearer token, and values added up across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.observability.metrics import record_report_rendered
from app.settings import get_settings
from tests.api.conftest import Tenant, pulse_answers
from tests.ops.conftest import sample

ROOT = Path(__file__).resolve().parents[2]


def metrics(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def requests_of(text: str, route: str, status: str = "2xx", method: str = "GET") -> float:
    return sample(text, "centricity_http_requests_total", method=method, route=route, status=status)


def test_requests_are_counted_by_route_template_and_status_class(
    sqlite_client: TestClient, sqlite_tenant: Tenant
) -> None:
    assessment = sqlite_tenant.open_assessment()
    (token,) = sqlite_tenant.invite(assessment["id"], ("executive", "sales"))
    template = "/api/v1/assessments/{assessment_id}"
    before = metrics(sqlite_client)
    for _ in range(3):
        assert sqlite_tenant.get(f"/assessments/{assessment['id']}").status_code == 200
    assert sqlite_tenant.get("/assessments/no-such-id").status_code == 404
    assert sqlite_client.get(f"/api/v1/respond/{token}").status_code == 200
    assert sqlite_client.get(f"/r/{token}/not/a/page").status_code == 404
    after = metrics(sqlite_client)

    assert requests_of(after, template) - requests_of(before, template) == 3
    assert requests_of(after, template, "4xx") - requests_of(before, template, "4xx") == 1
    assert requests_of(after, "/api/v1/respond/{token}") - requests_of(before, "/api/v1/respond/{token}") == 1
    assert requests_of(after, "unmatched", "4xx") - requests_of(before, "unmatched", "4xx") == 1
    # the latency histogram counts the same requests
    count = "centricity_http_request_duration_seconds_count"
    labels = {"method": "GET", "route": template, "status": "2xx"}
    assert sample(after, count, **labels) - sample(before, count, **labels) == 3
    inf_bucket = sample(after, "centricity_http_request_duration_seconds_bucket", **labels, le="+Inf")
    assert inf_bucket == sample(after, count, **labels)
    # labels stay bounded: no id, no token, no raw path
    assert assessment["id"] not in after and token not in after and "not/a/page" not in after


def test_an_unknown_method_is_one_label(sqlite_client: TestClient) -> None:
    before = metrics(sqlite_client)
    sqlite_client.request("PROPFIND", "/healthz")
    after = metrics(sqlite_client)
    assert requests_of(after, "/healthz", "4xx", "other") - requests_of(before, "/healthz", "4xx", "other") == 1
    assert "PROPFIND" not in after


def answers_saved(client: TestClient) -> float:
    return sample(metrics(client), "centricity_answers_saved_total")


def test_answers_saved_counts_stored_answers_only(sqlite_client: TestClient, sqlite_tenant: Tenant) -> None:
    assessment = sqlite_tenant.open_assessment()
    (token,) = sqlite_tenant.invite(assessment["id"], ("executive", "sales"))
    url = f"/api/v1/respond/{token}/answers"
    answers = pulse_answers(sqlite_client, sqlite_tenant)
    first_four = dict(list(answers.items())[:4])

    start = answers_saved(sqlite_client)
    assert sqlite_client.put(url, json={"answers": first_four}).status_code == 200
    assert answers_saved(sqlite_client) - start == 4

    # refused: one bad answer and none of the request is stored, so none is counted
    refused = sqlite_client.put(url, json={"answers": {**first_four, "strategy-plan": 9}})
    assert refused.status_code == 422
    assert answers_saved(sqlite_client) - start == 4

    # clearing an answer stores none
    assert sqlite_client.put(url, json={"answers": {next(iter(first_four)): None}}).status_code == 200
    assert answers_saved(sqlite_client) - start == 4

    # a retry with the same Idempotency-Key replays the first answer without storing again
    headers = {"Idempotency-Key": "save-once"}
    one = {"strategy-plan": 2}
    assert sqlite_client.put(url, json={"answers": one}, headers=headers).status_code == 200
    replay = sqlite_client.put(url, json={"answers": one}, headers=headers)
    assert replay.headers.get("idempotent-replayed") == "true"
    assert answers_saved(sqlite_client) - start == 5


def test_pushed_responses_count_their_answers_once_committed(sqlite_client: TestClient, sqlite_tenant: Tenant) -> None:
    assessment = sqlite_tenant.open_assessment()
    answers = pulse_answers(sqlite_client, sqlite_tenant)
    url = f"/assessments/{assessment['id']}/responses"
    start = answers_saved(sqlite_client)
    pushed = sqlite_tenant.post(url, {"role": "executive", "function": "sales", "answers": answers})
    assert pushed.status_code == 201, pushed.text
    assert answers_saved(sqlite_client) - start == len(answers)
    # every answer is valid but required ones are missing: the submit fails after the answers were
    # written in the transaction, which is rolled back, so nothing is stored and nothing is counted
    incomplete = dict(list(answers.items())[:3])
    refused = sqlite_tenant.post(url, {"role": "executive", "function": "sales", "answers": incomplete})
    assert refused.status_code == 422
    assert answers_saved(sqlite_client) - start == len(answers)


def test_reports_rendered_by_outcome_with_a_bounded_label(sqlite_client: TestClient) -> None:
    before = metrics(sqlite_client)
    record_report_rendered("ok")
    record_report_rendered("ok")
    record_report_rendered("error")
    record_report_rendered("Not A Label {}")
    record_report_rendered("x" * 100)
    after = metrics(sqlite_client)

    def delta(outcome: str) -> float:
        name = "centricity_reports_rendered_total"
        return sample(after, name, outcome=outcome) - sample(before, name, outcome=outcome)

    assert (delta("ok"), delta("error"), delta("other")) == (2, 1, 2)
    assert "Not A Label" not in after


def test_a_metrics_token_is_required_when_configured(
    sqlite_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRICITY_METRICS_TOKEN", "scrape-secret")
    get_settings.cache_clear()
    try:
        missing = sqlite_client.get("/metrics")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "centricity_http_requests_total" not in missing.text
        wrong = sqlite_client.get("/metrics", headers={"Authorization": "Bearer scrape-secreT"})
        assert wrong.status_code == 401
        basic = sqlite_client.get("/metrics", headers={"Authorization": "Basic scrape-secret"})
        assert basic.status_code == 401
        right = sqlite_client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert right.status_code == 200 and "centricity_http_requests_total" in right.text
    finally:
        monkeypatch.delenv("CENTRICITY_METRICS_TOKEN")
        get_settings.cache_clear()


def test_metrics_are_not_in_the_api_description(sqlite_client: TestClient) -> None:
    assert "/metrics" not in sqlite_client.get("/openapi.json").json()["paths"]


WORKER = textwrap.dedent(
    """
    import sys
    from app.observability import metrics
    for _ in range(int(sys.argv[1])):
        metrics.record_request("GET", "/healthz", 200, 0.01)
    metrics.ANSWERS_SAVED.inc(int(sys.argv[1]))
    metrics.record_report_rendered("ok")
    """
)
EXPOSE = "import sys; from app.observability import metrics; sys.stdout.write(metrics.exposition().decode())"


def _python(code: str, *args: str, multiproc_dir: Path | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if multiproc_dir is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc_dir)
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_with_a_multiprocess_directory_any_process_reports_every_process(tmp_path: Path) -> None:
    _python(WORKER, "3", multiproc_dir=tmp_path)
    _python(WORKER, "4", multiproc_dir=tmp_path)
    text = _python(EXPOSE, multiproc_dir=tmp_path)
    assert requests_of(text, "/healthz") == 7
    assert sample(text, "centricity_answers_saved_total") == 7
    assert sample(text, "centricity_reports_rendered_total", outcome="ok") == 2
    # without the directory a process sees only its own counts: what /metrics would show per worker
    alone = _python(WORKER + EXPOSE.replace("; ", "\n"), "3", multiproc_dir=None)
    assert requests_of(alone, "/healthz") == 3
