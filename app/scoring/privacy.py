"""What an anonymous assessment may disclose: the rules every output (results, exports, report, webhooks) follows.

Pure: counts in, decisions out. The services that publish anything ask these functions,
so the API, the pages, the exports, the webhooks and the report cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

# Below three, a group's mean and one member's own answer (known to a colleague, or to the
# member themselves) give away the other member's score.
MIN_ANONYMOUS_GROUP_SIZE = 3


def results_withheld(*, anonymous: bool, submitted: int, min_group_size: int) -> bool:
    """True when an anonymous assessment has too few submitted respondents to show any score,
    distribution or comment: only progress is shown until `min_group_size` people have submitted."""
    return anonymous and submitted < min_group_size


def group_disclosed(size: int, min_group_size: int) -> bool:
    """Whether a group of `size` people (a role, a function, a cell of them) may be named beside
    what its members said or scored."""
    return size >= min_group_size


def effective_min_group_size(*, anonymous: bool, min_group_size: int) -> int:
    """The group size actually applied: an anonymous assessment never goes below
    MIN_ANONYMOUS_GROUP_SIZE, also when it was stored with a smaller value before that rule."""
    return max(min_group_size, MIN_ANONYMOUS_GROUP_SIZE) if anonymous else min_group_size


def loosened_settings(
    *, was_anonymous: bool, was_min_group_size: int, anonymous: bool, min_group_size: int
) -> list[str]:
    """The privacy settings a change would make less strict (empty when it only keeps or tightens them):
    once people have answered, what they were promised may only become stricter."""
    loosened = []
    if was_anonymous and not anonymous:
        loosened.append("anonymity")
    if min_group_size < was_min_group_size:
        loosened.append("min_group_size")
    return loosened


Disclosed = tuple[str | None, str | None]


def disclosed_groups(people: Sequence[tuple[str, str]], min_group_size: int) -> list[Disclosed]:
    """The (role, function) each person may be shown with beside what they said, None where it is left out.

    `people` are the (role, function) of the respondents a per-respondent output lists. Every
    distinct shown pair, blanks included, is shared by at least `min_group_size` of them, so a reader
    who knows everyone's role and function (the invitation list) cannot tell members of a shown group
    apart. People are shown, in order of preference, with both (their role x function cell is large
    enough), their role alone, their function alone, or neither; when the people left with neither are
    too few to hide among themselves, the smallest shown group is shown with neither too.
    """
    shown: list[Disclosed | None] = [None] * len(people)
    remaining = list(range(len(people)))
    keys: tuple[Callable[[tuple[str, str]], Disclosed], ...] = (
        lambda p: (p[0], p[1]),
        lambda p: (p[0], None),
        lambda p: (None, p[1]),
    )
    for key in keys:
        sizes = Counter(key(people[i]) for i in remaining)
        for i in remaining:
            if group_disclosed(sizes[key(people[i])], min_group_size):
                shown[i] = key(people[i])
        remaining = [i for i in remaining if shown[i] is None]
    result = [found or (None, None) for found in shown]
    if 0 < len(remaining) < min_group_size:
        # Too few left with neither to hide among themselves: the smallest shown group joins them.
        sizes = Counter(found for found in shown if found is not None)
        if sizes:
            smallest = min(sizes, key=lambda group: (sizes[group], str(group)))
            result = [(None, None) if found == smallest else found for found in result]
    return result
