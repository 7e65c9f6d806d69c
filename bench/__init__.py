"""Benchmarks: each prints its figures as ratios against a baseline measured in the same run.

`scoring`: the scoring core against a bare loop over the answers; `api`: answer saves
through the HTTP API against a minimal FastAPI endpoint inserting one row.
"""
