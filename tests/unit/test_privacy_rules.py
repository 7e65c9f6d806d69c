"""The pure disclosure rules of anonymous assessments: the group size applied, changes that loosen the
settings, and which role and function a per-respondent row may show (hypothesis on random groups)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.privacy import (
    MIN_ANONYMOUS_GROUP_SIZE,
    disclosed_groups,
    effective_min_group_size,
    loosened_settings,
)

ROLES = ("executive", "manager", "frontline")
FUNCTIONS = ("sales", "service", "marketing", "it")


def test_an_anonymous_assessment_never_applies_less_than_three() -> None:
    assert effective_min_group_size(anonymous=True, min_group_size=1) == MIN_ANONYMOUS_GROUP_SIZE == 3
    assert effective_min_group_size(anonymous=True, min_group_size=7) == 7
    assert effective_min_group_size(anonymous=False, min_group_size=1) == 1


def test_only_a_looser_setting_is_named() -> None:
    def loosened(was: tuple[bool, int], now: tuple[bool, int]) -> list[str]:
        return loosened_settings(
            was_anonymous=was[0], was_min_group_size=was[1], anonymous=now[0], min_group_size=now[1]
        )

    assert loosened((True, 5), (False, 5)) == ["anonymity"]
    assert loosened((True, 5), (True, 4)) == ["min_group_size"]
    assert loosened((True, 5), (False, 1)) == ["anonymity", "min_group_size"]
    assert loosened((False, 3), (True, 3)) == [] and loosened((True, 3), (True, 9)) == []


def test_the_lone_executive_hides_among_the_smallest_group() -> None:
    people = [("executive", "sales")] + [("manager", "sales")] * 3 + [("frontline", "service")] * 4
    # Blanking her row alone would make the blank itself name her: the three managers join her.
    assert disclosed_groups(people, 3) == [(None, None)] * 4 + [("frontline", "service")] * 4


def test_small_cells_fall_back_to_the_role_or_function_they_share() -> None:
    people = [("manager", "sales")] * 2 + [("manager", "it")] + [("frontline", "sales")] * 3 + [("frontline", "it")] * 4
    shown = disclosed_groups(people, 3)
    assert shown[:3] == [("manager", None)] * 3  # no manager cell has 3, the role has
    assert shown[3:] == [("frontline", "sales")] * 3 + [("frontline", "it")] * 4


def test_fewer_people_than_the_minimum_show_nothing() -> None:
    assert disclosed_groups([("manager", "sales")] * 2, 3) == [(None, None)] * 2


@settings(max_examples=300, deadline=None)
@given(
    people=st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(FUNCTIONS)), max_size=40),
    minimum=st.integers(min_value=3, max_value=6),
)
def test_every_shown_combination_hides_at_least_the_minimum(people: list[tuple[str, str]], minimum: int) -> None:
    shown = disclosed_groups(people, minimum)
    assert len(shown) == len(people)
    # Someone who knows everyone's role and function can recompute the rule: each shown combination
    # must still leave at least `minimum` people it could be.
    for combination, size in Counter(shown).items():
        assert size >= minimum or len(people) < minimum, (combination, size)
    roles, functions, pairs = Counter(r for r, _ in people), Counter(f for _, f in people), Counter(people)
    for (role, function), (shown_role, shown_function) in zip(people, shown, strict=True):
        assert shown_role in (None, role) and shown_function in (None, function)  # never a wrong group
        if shown_role is not None:
            assert roles[role] >= minimum
        if shown_function is not None:
            assert functions[function] >= minimum
        if shown_role is not None and shown_function is not None:
            assert pairs[(role, function)] >= minimum
