"""The respondent's form and the questionnaire library over HTTP, as ratios to `/healthz` of the same run.

One uvicorn process (started as in bench/api.py) over a fresh SQLite file, the flagship
questionnaire, respondents halfway through it. One client sends, in turn, `GET /healthz`,
`GET /api/v1/respond/{token}` (a 200 with the whole form), the same with `If-None-Match` of
the ETag it got (a 304, no body) and `GET /api/v1/questionnaires`; each figure is the median
of its own requests, so a change in the machine's load during the run weighs on all alike.

Goals (issue 12): the form at most 3x `/healthz`, whether it is sent (200) or not (304); the
library listing no longer bound by parsing YAML (printed beside what one parse of the library
costs, measured in this process).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import httpx

from app.db.migrate import upgrade_to_head
from app.questionnaire.library import find_questionnaire, parse_file, questionnaire_files
from bench.api import REQUEST_TIMEOUT, open_assessment, served, sqlite_database, workspace_key
from bench.load import QUESTIONNAIRE, answer_pages

RESPONDENTS = 8
WARMUP = 20
ROUNDS = 300  # requests of each kind, interleaved
FORM_GOAL = 3.0
MEASURE_DEADLINE = 120.0  # seconds: the rounds stop there (and say so) even if some are left


def _half_answered(base_url: str, tokens: list[str]) -> None:
    """Every respondent saves the first half of their pages, as someone halfway through."""
    questionnaire = find_questionnaire(QUESTIONNAIRE)
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        for token, pages in zip(tokens, answer_pages(questionnaire, len(tokens)), strict=True):
            for answers in pages[: len(pages) // 2]:
                http.put(f"/api/v1/respond/{token}/answers", json={"answers": answers}).raise_for_status()


def _library_parse_ms() -> float:
    """One parse of every file of the library, as the listing did on each call before it was cached."""
    started = time.perf_counter()
    for path in questionnaire_files():
        parse_file(path)
    return (time.perf_counter() - started) * 1000


def run() -> list[str]:
    lines = [
        f"respondent form and library listing over HTTP (one client, {ROUNDS} interleaved requests of each kind "
        f"after {WARMUP} warm-up; '{QUESTIONNAIRE}' half answered; medians as ratios to GET /healthz)"
    ]
    with sqlite_database() as database_url:
        upgrade_to_head(database_url)
        with served("app.main:app", database_url) as base_url:
            tokens = open_assessment(base_url, database_url, RESPONDENTS)
            _half_answered(base_url, tokens)
            key = workspace_key(database_url)
            measured, healthz_ms = _measure(base_url, tokens, key)
            lines += measured
    parse_ms = _library_parse_ms()
    lines.append(
        f"  before, each listing parsed the library: {parse_ms:.0f} ms in this process alone "
        f"= {parse_ms / healthz_ms:.0f}x /healthz"
    )
    return lines


def _measure(base_url: str, tokens: list[str], key: str) -> tuple[list[str], float]:
    """The lines to print, and the median of /healthz in ms."""
    seconds: dict[str, list[float]] = {"healthz": [], "form 200": [], "form 304": [], "listing": []}
    failures: list[str] = []
    sizes: list[int] = []
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        etags = {token: http.get(f"/api/v1/respond/{token}").headers.get("etag") for token in tokens}
        auth = {"Authorization": f"Bearer {key}"}

        def form(token: str) -> httpx.Response:
            response = http.get(f"/api/v1/respond/{token}")
            sizes.append(len(response.content))
            return response

        kinds: dict[str, Callable[[int], httpx.Response]] = {
            "healthz": lambda n: http.get("/healthz"),
            "form 200": lambda n: form(tokens[n % len(tokens)]),
            "form 304": lambda n: http.get(
                f"/api/v1/respond/{tokens[n % len(tokens)]}",
                headers={"If-None-Match": etags[tokens[n % len(tokens)]] or ""},
            ),
            "listing": lambda n: http.get("/api/v1/questionnaires", headers=auth),
        }
        expected = {"healthz": 200, "form 200": 200, "form 304": 304, "listing": 200}
        deadline = time.monotonic() + MEASURE_DEADLINE
        stopped = False
        for number in range(WARMUP + ROUNDS):
            if time.monotonic() > deadline:
                stopped = True
                break
            for name, send in kinds.items():
                started = time.perf_counter()
                response = send(number)
                took = time.perf_counter() - started
                if response.status_code != expected[name]:
                    failures.append(f"{name}: {response.status_code} {response.text[:120]}")
                elif number >= WARMUP:
                    seconds[name].append(took)
    medians = {name: statistics.median(values) * 1000 if values else 0.0 for name, values in seconds.items()}
    base = medians["healthz"] or float("nan")
    lines = [f"  GET /healthz                    {medians['healthz']:6.2f} ms"]
    for name, label, goal in (
        ("form 200", "GET /respond/{token} (200)", f"goal: at most {FORM_GOAL:.0f}x"),
        ("form 304", "GET /respond/{token} (304)", f"goal: at most {FORM_GOAL:.0f}x"),
        ("listing", "GET /questionnaires", "goal: not parse-bound"),
    ):
        lines.append(f"  {label:<30} {medians[name]:6.2f} ms = {medians[name] / base:5.2f}x /healthz ({goal})")
    if sizes:
        lines.append(f"  form body: {statistics.median(sizes) / 1024:.0f} KB sent on a 200, none on a 304")
    if failures:
        lines.append(f"  {len(failures)} unexpected answers, first: {failures[0]}")
    if stopped:
        lines.append(f"  stopped at the {MEASURE_DEADLINE:.0f} s limit")
    return lines, base
