"""The render workers: stopping them ends every render they were given, so no background job waits forever."""

from __future__ import annotations

import pytest

from app.report.pool import RenderFailed, ReportRenderer, outcome
from app.report.printer import ReportSource, prepare


def test_stopping_the_workers_ends_every_render_they_had(flagship: ReportSource) -> None:
    prepared = prepare(flagship)
    renderer = ReportRenderer(workers=1, timeout_seconds=120, max_renders_per_worker=10)
    futures = [renderer.submit(prepared.context) for _ in range(3)]  # one runs, two wait for the worker
    renderer.close()
    assert all(future.done() for future in futures)
    for future in futures:
        with pytest.raises(RenderFailed):
            outcome(future)
