"""What an anonymous assessment may disclose: the rules every output (results, exports, report, webhooks) follows.

Pure: counts in, decisions out. The services that publish anything ask these functions,
so the API, the pages, the exports, the webhooks and the report cannot disagree.
"""

from __future__ import annotations

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
