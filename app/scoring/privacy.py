"""What an anonymous assessment may disclose: the rules every output (results, exports, report, webhooks) follows.

Pure: counts in, decisions out. The services that publish anything ask these functions,
so the API, the pages, the exports, the webhooks and the report cannot disagree.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    subtracted: with 1 executive and 3 front-line staff, 4 x overall - 3 x front line is the
    executive. So cells are not judged one by one: a set of figures is safe when no
    combination of them (a sum with any factors, positive or negative) depends on fewer than
    `min_group_size` people. Candidates are taken in order, and each is kept only if the
    figures kept so far plus it are still safe (a greedy choice: the first candidates are
    the ones most worth showing).
    """
    present = {atom: n for atom, n in counts.items() if n > 0}
    chosen = [frozenset(atoms) for atoms in published]
    keys: set[str] = set()
    for cell in candidates:
        if sum(present.get(atom, 0) for atom in cell.atoms) < min_group_size:
            continue
        trial = [*chosen, cell.atoms]
        if not _exposes_a_small_group(present, trial, min_group_size):
            chosen = trial
            keys.add(cell.key)
    return keys


# Arithmetic modulo a large prime stands in for exact fractions: ranks of 0/1 matrices of this
# size (a few dozen rows) equal their rational ranks, since no minor can reach the prime.
_PRIME = 2**61 - 1
# The combinations of small groups checked at most for one figure; past it, the figure is
# refused rather than shown unchecked (only reached with large minimum group sizes).
_MAX_COMBINATIONS = 5000


def _exposes_a_small_group(counts: Mapping[Atom, int], sets: Sequence[frozenset[Atom]], min_group_size: int) -> bool:
    """Whether some combination of the sums over `sets` depends on fewer than `min_group_size` people.

    The sums a reader can form are the vectors of the row space W of the sets' incidence
    matrix (rows: sets, columns: atoms). W holds a vector supported on a set of atoms T
    exactly when the rows of a null-space basis N of that matrix that belong to T are
    linearly dependent (a vector of W is orthogonal to every column of N). So the test looks
    at sets T of atoms with fewer than `min_group_size` people and asks whether their rows
    of N are dependent.
    """
    if len(sets) == 1:  # its only combination is itself, whose size was checked
        return False
    atoms = sorted({atom for s in sets for atom in s if atom in counts}, key=repr)
    small = [i for i, atom in enumerate(atoms) if counts[atom] < min_group_size]
    if not small:
        return False
    null_rows = _null_space_rows([[int(atom in s) for atom in atoms] for s in sets], len(atoms))
    # One atom alone: its row is zero. Two: their rows are multiples of each other.
    by_direction: dict[tuple[int, ...], list[int]] = {}
    for i in small:
        direction = _direction(null_rows[i])
        if direction is None:
            return True
        by_direction.setdefault(direction, []).append(counts[atoms[i]])
    for sizes in by_direction.values():
        if len(sizes) >= 2 and sum(sorted(sizes)[:2]) < min_group_size:
            return True
    budget = _MAX_COMBINATIONS
    for size in range(3, min_group_size):
        for combination in itertools.combinations(small, size):
            if sum(counts[atoms[i]] for i in combination) >= min_group_size:
                continue
            budget -= 1
            if budget < 0:
                return True
            if _rank([null_rows[i] for i in combination]) < size:
                return True
    return False


def _null_space_rows(rows: list[list[int]], width: int) -> list[list[int]]:
    """Row i of a basis of the null space of `rows` (mod _PRIME), one list per column of `rows`."""
    matrix = [r[:] for r in rows]
    pivots: list[int] = []
    rank = 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        inverse = pow(matrix[rank][col], -1, _PRIME)
        matrix[rank] = [v * inverse % _PRIME for v in matrix[rank]]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col]:
                factor = matrix[i][col]
                matrix[i] = [(a - factor * b) % _PRIME for a, b in zip(matrix[i], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    free = [c for c in range(width) if c not in set(pivots)]
    basis_rows = [[0] * len(free) for _ in range(width)]
    for k, f in enumerate(free):
        basis_rows[f][k] = 1
        for i, c in enumerate(pivots):
            basis_rows[c][k] = -matrix[i][f] % _PRIME
    return basis_rows


def _direction(row: list[int]) -> tuple[int, ...] | None:
    """The row scaled so that its first non-zero entry is 1; None for a zero row."""
    first = next((v for v in row if v), None)
    if first is None:
        return None
    inverse = pow(first, -1, _PRIME)
    return tuple([v * inverse % _PRIME for v in row])


def _rank(rows: list[list[int]]) -> int:
    matrix = [r[:] for r in rows]
    rank = 0
    for col in range(len(matrix[0]) if matrix else 0):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        inverse = pow(matrix[rank][col], -1, _PRIME)
        for i in range(rank + 1, len(matrix)):
            if matrix[i][col]:
                factor = matrix[i][col] * inverse % _PRIME
                matrix[i] = [(a - factor * b) % _PRIME for a, b in zip(matrix[i], matrix[rank], strict=True)]
        rank += 1
    return rank
