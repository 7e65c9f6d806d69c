"""What an anonymous assessment may disclose: the rules every output (results, exports, report, webhooks) follows.

Pure: counts in, decisions out. The services that publish anything ask these functions,
so the API, the pages, the exports, the webhooks and the report cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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
    """The group size an assessment's outputs apply: never below `MIN_ANONYMOUS_GROUP_SIZE` when it is
    anonymous, even for assessments stored before that floor existed."""
    return max(min_group_size, MIN_ANONYMOUS_GROUP_SIZE) if anonymous else min_group_size


# Who a person is, as far as any published figure can tell them apart: their role, their
# function and whether their answers are submitted. People of the same atom are counted together.
Atom = tuple[str | None, str | None, bool]


@dataclass(frozen=True)
class Cell:
    """A figure that could be published: the mean (or count) over the people of some atoms."""

    key: str
    atoms: frozenset[Atom]


def disclosed_cells(
    counts: Mapping[Atom, int],
    candidates: Sequence[Cell],
    min_group_size: int,
    published: Iterable[frozenset[Atom]] = (),
) -> set[str]:
    """The keys of the `candidates` that may be published, besides the sets already `published`.

    A figure over a set of people is a sum over them (mean x n), and sums can be added and
    subtracted: 1 executive + 3 front-line staff give 4 x overall - 3 x front line = the
    executive. So cells are not judged one by one. The published sets split the people into
    regions (people who belong to exactly the same published sets); every figure, and every
    sum or difference of figures, is a combination of region totals. A set of cells is safe
    when every region it covers holds at least `min_group_size` people: then nothing that
    can be computed from it describes fewer people than that. Candidates are taken in order
    and each is kept only if the cells kept so far plus it are still safe (a greedy choice:
    the first candidates are the ones most worth showing).
    """
    present = {atom: n for atom, n in counts.items() if n > 0}
    chosen = [frozenset(atoms) for atoms in published]
    keys: set[str] = set()
    for cell in candidates:
        trial = [*chosen, cell.atoms]
        if _regions_large_enough(present, trial, min_group_size):
            chosen = trial
            keys.add(cell.key)
    return keys


def _regions_large_enough(counts: Mapping[Atom, int], sets: Sequence[frozenset[Atom]], min_group_size: int) -> bool:
    regions: dict[tuple[bool, ...], int] = {}
    for atom, n in counts.items():
        signature = tuple(atom in s for s in sets)
        if any(signature):  # people in no published set are in no figure
            regions[signature] = regions.get(signature, 0) + n
    return all(n >= min_group_size for n in regions.values())
