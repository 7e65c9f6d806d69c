"""Peer benchmarks: where one result stands among peers' results, as plain data and pure arithmetic."""

from __future__ import annotations

from pydantic import BaseModel, Field


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


def percentile_rank(value: float, others: list[float]) -> float:
    """Share of `others` below `value`, ties counted half, in %."""
    below = sum(1 for o in others if o < value)
    ties = sum(1 for o in others if o == value)
    return 100.0 * (below + 0.5 * ties) / len(others)


def median(values: list[float]) -> float:
    """The middle value; the mean of the two middle ones for an even count."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
