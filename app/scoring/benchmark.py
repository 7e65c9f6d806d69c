"""Peer benchmarks: where one result stands among peers' results, as plain data and pure arithmetic."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from app.scoring.privacy import Atom, Cell, disclosed_cells
from app.scoring.result import AssessmentResult
from app.scoring.statistics import median

# A benchmark describes at least this many peer organizations, and so does every group of
# peers that one filter keeps out compared with another.
MIN_PEERS = 5

Run = TypeVar("Run")


class DimensionBenchmark(BaseModel):
    id: str
    score: float | None
    percentile: float | None = Field(description="Share of peers scoring below, ties counted half, in %.")
    peer_median: float | None


class Benchmark(BaseModel):
    questionnaire_id: str
    peers: int
    min_peers: int
    available: bool
    message: str | None
    industry: str | None
    size_band: str | None
    index_percentile: float | None
    dimensions: list[DimensionBenchmark]


def filter_available(
    peers: Sequence[tuple[str | None, str | None]], industry: str | None, size_band: str | None
) -> bool:
    """Whether the benchmark among the peers of this `industry` and `size_band` (None: any) may be shown.

    Every filter can be asked for, so the peers one filter keeps and another leaves out must
    be MIN_PEERS or more too: with 6 peers in all and 5 in retail, comparing the two
    benchmarks would describe the one peer outside retail. The possible filters are weighed
    together, larger groups first, by the same rule as small groups of respondents
    (`privacy.disclosed_cells`); the answer does not depend on which filter is asked first.
    """
    counts: Counter[Atom] = Counter((i, s, True) for i, s in peers)
    atoms = list(counts)
    industries = sorted({a[0] for a in atoms if a[0] is not None}, key=lambda i: (-_size(counts, 0, i), i))
    sizes = sorted({a[1] for a in atoms if a[1] is not None}, key=lambda s: (-_size(counts, 1, s), s))
    candidates = [Cell("any|any", frozenset(atoms))]
    candidates += [Cell(f"{i}|any", frozenset(a for a in atoms if a[0] == i)) for i in industries]
    candidates += [Cell(f"any|{s}", frozenset(a for a in atoms if a[1] == s)) for s in sizes]
    candidates += [Cell(f"{i}|{s}", frozenset(a for a in atoms if a[:2] == (i, s))) for i in industries for s in sizes]
    candidates = [cell for cell in candidates if cell.atoms]
    wanted = f"{industry if industry is not None else 'any'}|{size_band if size_band is not None else 'any'}"
    return wanted in disclosed_cells(counts, candidates, MIN_PEERS)


@dataclass(frozen=True)
class PeerRun(Generic[Run]):
    """One closed run of a peer organization, as the benchmark weighs it (`run`: whatever names it)."""

    run: Run
    organization_id: str
    industry: str | None
    size_band: str | None


def latest_per_organization(runs: Sequence[PeerRun[Run]]) -> list[PeerRun[Run]]:
    """Each organization's first run in `runs` (given newest first): a peer counts once, with its latest run."""
    latest: dict[str, PeerRun[Run]] = {}
    for peer in runs:
        latest.setdefault(peer.organization_id, peer)
    return list(latest.values())


def withheld_message(
    chosen: int, peers: Sequence[PeerRun[Run]], industry: str | None, size_band: str | None
) -> str | None:
    """Why the benchmark of the `chosen` peers among all `peers` (one run each) may not be shown, or None."""
    if chosen < MIN_PEERS:
        return f"{chosen} peer organization(s); at least {MIN_PEERS} are needed to keep each anonymous"
    if not filter_available([(p.industry, p.size_band) for p in peers], industry, size_band):
        return (
            f"this filter would set apart fewer than {MIN_PEERS} peer organizations from another one; "
            "choose a wider filter"
        )
    return None


def benchmark_among(
    questionnaire_id: str,
    runs: Sequence[PeerRun[Run]],
    industry: str | None,
    size_band: str | None,
    own: Callable[[], AssessmentResult],
    result_of: Callable[[Run], AssessmentResult],
) -> Benchmark:
    """Where one assessment stands among its peers' latest runs (`runs` newest first) of this `industry`
    and `size_band` (None: any). Nothing is shown below MIN_PEERS peers, or where comparing this filter
    with another would single out fewer peers than that (`filter_available`); results are asked for
    (`own`, `result_of`) only when the benchmark is shown."""
    peers = latest_per_organization(runs)
    chosen = [
        p
        for p in peers
        if (industry is None or p.industry == industry) and (size_band is None or p.size_band == size_band)
    ]
    message = withheld_message(len(chosen), peers, industry, size_band)
    base = Benchmark(
        questionnaire_id=questionnaire_id,
        peers=len(chosen),
        min_peers=MIN_PEERS,
        available=False,
        message=message,
        industry=industry,
        size_band=size_band,
        index_percentile=None,
        dimensions=[],
    )
    if message is not None:
        return base
    index_percentile, dimensions = place_among_peers(own(), [result_of(p.run) for p in chosen])
    return base.model_copy(update={"available": True, "index_percentile": index_percentile, "dimensions": dimensions})


def place_among_peers(
    own: AssessmentResult, peers: Sequence[AssessmentResult]
) -> tuple[float | None, list[DimensionBenchmark]]:
    """Where `own` stands among the `peers`' results: the index percentile and, per dimension, the
    percentile and the peers' median (each shown only when MIN_PEERS peers have a score for it)."""
    dimensions = []
    for dim in own.dimensions:
        scores = [d.score for p in peers for d in p.dimensions if d.id == dim.id and d.score is not None]
        dimensions.append(
            DimensionBenchmark(
                id=dim.id,
                score=dim.score,
                percentile=disclosed_percentile(dim.score, scores) if dim.score is not None else None,
                peer_median=median(scores) if len(scores) >= MIN_PEERS else None,
            )
        )
    indices = [p.overall.index for p in peers if p.overall.index is not None]
    own_index = own.overall.index
    return (disclosed_percentile(own_index, indices) if own_index is not None else None), dimensions


def _size(counts: Counter[Atom], position: int, value: str) -> int:
    return sum(n for atom, n in counts.items() if atom[position] == value)


def disclosed_percentile(value: float, others: list[float]) -> float | None:
    """`percentile_rank`, or None when a peer's score equals `value` exactly: a tie tells
    the reader one peer's exact score."""
    if len(others) < MIN_PEERS or any(other == value for other in others):
        return None
    return percentile_rank(value, others)


def percentile_rank(value: float, others: list[float]) -> float:
    """Share of `others` below `value`, ties counted half, in %."""
    below = sum(1 for o in others if o < value)
    ties = sum(1 for o in others if o == value)
    return 100.0 * (below + 0.5 * ties) / len(others)
