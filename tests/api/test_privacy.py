"""The consultant as adversary: every channel of an anonymous assessment with small groups, over the API and pages.

Each test plays a reader who knows who was invited (roles and functions are on the
invitation list) and tries to recover one person's scores or answers from what the service
publishes: the results and their breakdowns and gaps, the result with answers in progress,
the trend and the comparison, the peer benchmark with its filters, the report and the
results page. The scoring core's own adversary test (tests/unit/test_privacy.py) covers the
arithmetic for random group structures; these check that every door shows the core's result.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, pulse_answers


def test_the_overall_figure_minus_the_shown_groups_never_gives_a_lone_executive(
    client: TestClient, tenant: Tenant
) -> None:
    # The review's case: 1 executive (level 5 everywhere: 100) and 3 front line (level 1: 0).
    assessment = tenant.open_assessment()
    tenant.respond(assessment["id"], "executive", "sales", pulse_answers(client, tenant, 5))
    for _ in range(3):
        tenant.respond(assessment["id"], "frontline", "service", pulse_answers(client, tenant, 1))
    result = tenant.get(f"/assessments/{assessment['id']}/results").json()
    # overall is shown: 4 people, (100 + 3 x 0) / 4 = 25 per dimension
    assert all(d["score"] == pytest.approx(25.0) for d in result["dimensions"])
    # showing the front line (0) would give 4 x 25 - 3 x 0 = 100, the executive: every group is hidden
    for row in result["breakdowns"]["by_role"] + result["breakdowns"]["by_function"]:
        assert row["suppressed"] and row["n"] is None and row["index"] is None and row["dimensions"] == {}
    assert result["gaps"]["perception"] == [] and result["gaps"]["silo"] == []
    assert result["disclosure"]["hidden_cells"] > 0 and "worked out" in result["disclosure"]["message"]


def test_an_anonymous_assessment_below_the_minimum_shows_only_progress(client: TestClient, tenant: Tenant) -> None:
    org = tenant.organization()
    earlier = tenant.assessment(org["id"])
    later = tenant.assessment(org["id"])
    for assessment, level in ((earlier, 2), (later, 4)):
        assert tenant.post(f"/assessments/{assessment['id']}/open").status_code == 200
        for _ in range(2):  # two submitters: fewer than the minimum of 3
            tenant.respond(assessment["id"], "executive", "sales", pulse_answers(client, tenant, level))
    result = tenant.get(f"/assessments/{later['id']}/results").json()
    assert result["disclosure"]["withheld"] is True and result["respondents"] == 2
    assert result["overall"]["index"] is None and all(d["score"] is None for d in result["dimensions"])
    assert all(q["distribution"] == {} and q["stats"]["mean"] is None for q in result["questions"])
    assert result["breakdowns"]["by_role"] == [] and result["recommendations"] == []
    comparison = tenant.get(f"/assessments/{later['id']}/compare/{earlier['id']}").json()
    assert comparison["index_delta"] is None and all(d["delta"] is None for d in comparison["dimensions"])
    trend = tenant.get(f"/organizations/{org['id']}/trend").json()
    assert [t["point"]["index"] for t in trend] == [None, None]
    for report in ("report.pdf", "report.html"):
        refused = tenant.get(f"/assessments/{later['id']}/{report}")
        assert refused.status_code == 409 and "Fewer than 3 people have submitted" in refused.text


def test_answers_in_progress_of_fewer_than_the_minimum_are_left_out(client: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment()
    for _ in range(3):
        tenant.respond(assessment["id"], "manager", "sales", pulse_answers(client, tenant, 3))
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    saved = client.put(f"/api/v1/respond/{token}/answers", json={"answers": {"strategy-plan": 5}})
    assert saved.status_code == 200, saved.text
    submitted = tenant.get(f"/assessments/{assessment['id']}/results").json()
    with_progress = tenant.get(f"/assessments/{assessment['id']}/results", params={"include_in_progress": True}).json()
    # the one unsubmitted person's answer would be the difference between the two results
    assert with_progress["disclosure"]["in_progress"] == "left_out"
    assert with_progress["questions"] == submitted["questions"]
    assert with_progress["dimensions"] == submitted["dimensions"]


def test_a_benchmark_filter_that_sets_one_peer_apart_is_refused(client: TestClient, tenant: Tenant) -> None:
    mine = tenant.open_assessment(name="Me Inc", anonymity="named", min_group_size=1)
    tenant.respond(mine["id"], "executive", "sales", pulse_answers(client, tenant, 3))
    for i, industry in enumerate(["retail"] * 5 + ["banking"]):
        peer = tenant.open_assessment(
            name=f"Peer {i}", organization={"industry": industry}, anonymity="named", min_group_size=1
        )
        tenant.respond(peer["id"], "executive", "sales", pulse_answers(client, tenant, 1 + i % 5))
        assert tenant.post(f"/assessments/{peer['id']}/close").status_code == 200
    everyone = tenant.get(f"/assessments/{mine['id']}/benchmark").json()
    assert everyone["available"] is True and everyone["peers"] == 6
    # 5 retail peers would be enough on their own, but beside the full benchmark they single out the banker
    retail = tenant.get(f"/assessments/{mine['id']}/benchmark", params={"industry": "retail"}).json()
    assert retail["available"] is False and retail["dimensions"] == [] and "wider filter" in retail["message"]
