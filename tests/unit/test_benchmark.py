"""Peer benchmarks as pure arithmetic (`app.scoring.benchmark.benchmark_among`): which peers count, when
nothing is shown, and the percentiles and medians worked by hand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from app.scoring.benchmark import MIN_PEERS, PeerRun, benchmark_among, latest_per_organization, withheld_message
from app.scoring.result import AssessmentResult


def _result(index: float | None, **dimensions: float | None) -> AssessmentResult:
    """What the benchmark reads of a result: the index and each dimension's id and score."""
    dims = [SimpleNamespace(id=dim_id, score=score) for dim_id, score in dimensions.items()]
    return cast(AssessmentResult, SimpleNamespace(overall=SimpleNamespace(index=index), dimensions=dims))


def _not_asked() -> AssessmentResult:
    raise AssertionError("a withheld benchmark reads no result")


def _runs(*peers: tuple[str, str | None, str | None]) -> list[PeerRun[str]]:
    return [PeerRun(f"run-{i}", org, industry, size) for i, (org, industry, size) in enumerate(peers)]


def test_each_organization_counts_once_with_its_newest_run() -> None:
    runs = _runs(("a", "retail", None), ("b", None, None), ("a", "retail", None))
    assert [p.run for p in latest_per_organization(runs)] == ["run-0", "run-1"]


def test_too_few_peers_show_nothing_and_read_no_result() -> None:
    runs = _runs(*[(f"org-{i}", None, None) for i in range(MIN_PEERS - 1)])
    shown = benchmark_among("pulse", runs, None, None, own=_not_asked, result_of=lambda run: _not_asked())
    assert not shown.available and shown.peers == MIN_PEERS - 1 and shown.dimensions == []
    needed = f"at least {MIN_PEERS} are needed to keep each anonymous"
    assert shown.message == f"{MIN_PEERS - 1} peer organization(s); {needed}"


def test_a_filter_that_would_set_one_peer_apart_is_refused() -> None:
    # 6 peers, 5 in retail: "retail" and "any" each have 5 or more, but the two benchmarks side by
    # side would describe the one peer outside retail (6 - 5 = 1 < 5).
    peers = _runs(*[(f"r{i}", "retail", None) for i in range(5)], ("x", "banking", None))
    assert withheld_message(5, peers, "retail", None) is not None
    shown = benchmark_among("pulse", peers, "retail", None, own=_not_asked, result_of=lambda run: _not_asked())
    assert not shown.available and shown.peers == 5 and shown.message is not None and "wider filter" in shown.message


def test_percentiles_and_medians_by_hand() -> None:
    peers = _runs(*[(f"org-{i}", None, None) for i in range(5)])
    results = {
        "run-0": _result(40, d1=30, d2=None),
        "run-1": _result(50, d1=45, d2=10),
        "run-2": _result(55, d1=60, d2=20),
        "run-3": _result(70, d1=65, d2=30),
        "run-4": _result(80, d1=70, d2=40),
    }
    own = _result(60, d1=50, d2=25)
    shown = benchmark_among("pulse", peers, None, None, own=lambda: own, result_of=results.__getitem__)
    assert shown.available and shown.message is None and shown.peers == 5
    # Index 60 among 40, 50, 55, 70, 80: 3 below, no ties -> 100 * 3 / 5 = 60.
    assert shown.index_percentile == 60.0
    d1, d2 = shown.dimensions
    # d1 50 among 30, 45, 60, 65, 70: 2 below -> 40; the median of the five is the middle one, 60.
    assert (d1.id, d1.score, d1.percentile, d1.peer_median) == ("d1", 50, 40.0, 60)
    # d2: only 4 peers have a score (10, 20, 30, 40), fewer than 5: neither percentile nor median.
    assert (d2.percentile, d2.peer_median) == (None, None)


def test_a_tie_with_one_peer_hides_the_percentile() -> None:
    peers = _runs(*[(f"org-{i}", None, None) for i in range(5)])
    indices = {f"run-{i}": _result(index) for i, index in enumerate([40, 50, 60, 70, 80])}
    shown = benchmark_among("pulse", peers, None, None, own=lambda: _result(60), result_of=indices.__getitem__)
    # 60 equals one peer's index exactly: a percentile would tell that peer's score.
    assert shown.available and shown.index_percentile is None
