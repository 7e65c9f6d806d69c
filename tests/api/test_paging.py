"""Every list pages the same way (`app.db.paging.paginate`): pages walked with a small limit give each
item once, in the list's order, with the same total on every page, and the total counts the filters."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Tenant


def walk(tenant: Tenant, path: str, limit: int = 2) -> tuple[list[dict[str, Any]], set[int]]:
    """Every item of the list, page by page; and the totals the pages reported."""
    items: list[dict[str, Any]] = []
    totals: set[int] = set()
    joiner = "&" if "?" in path else "?"
    for offset in range(0, 20, limit):
        page = tenant.get(f"{path}{joiner}limit={limit}&offset={offset}").json()
        totals.add(page["total"])
        assert len(page["items"]) <= limit
        items += page["items"]
    return items, totals


def test_lists_page_through_every_item_once_in_order(tenant: Tenant) -> None:
    names = ["Delta", "Alpha", "Echo", "Bravo", "Charlie"]
    organizations = [tenant.organization(name) for name in names]
    items, totals = walk(tenant, "/organizations")
    assert [o["name"] for o in items] == sorted(names) and totals == {5}

    # Assessments: newest first; the status filter is counted in the total too.
    made = [tenant.assessment(organizations[0]["id"], title=f"Run {n}")["id"] for n in range(3)]
    assert tenant.post(f"/assessments/{made[1]}/open").status_code == 200
    items, totals = walk(tenant, "/assessments")
    assert [a["id"] for a in items] == made[::-1] and totals == {3}
    items, totals = walk(tenant, "/assessments?status=draft")
    assert [a["id"] for a in items] == [made[2], made[0]] and totals == {2}

    # Respondents: in the order they were invited (5 people, pages of 2: 2 + 2 + 1).
    tenant.invite(made[1], *[("manager", "sales")] * 5)
    items, totals = walk(tenant, f"/assessments/{made[1]}/respondents")
    assert len({r["id"] for r in items}) == 5 and totals == {5}

    # API keys: the test key and two more, oldest first.
    for label in ("CRM sync", "BI export"):
        assert tenant.post("/api-keys", {"name": label}).status_code == 201
    items, totals = walk(tenant, "/api-keys")
    assert [k["name"] for k in items] == ["tests", "CRM sync", "BI export"] and totals == {3}


def test_an_offset_past_the_end_is_an_empty_page_with_the_true_total(tenant: Tenant) -> None:
    for name in ("Alpha", "Bravo", "Charlie"):
        tenant.organization(name)
    page = tenant.get("/organizations?limit=2&offset=7").json()
    assert page["items"] == [] and page["total"] == 3
