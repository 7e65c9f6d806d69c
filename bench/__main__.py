"""Run the benchmarks and print their figures: `python -m bench` (or `make bench`); `python -m bench api` runs one.

`python -m bench load` (not part of the default run) drives 100 respondents at once through the whole questionnaire."""

from __future__ import annotations

import platform
import sys

from bench import api, forms, load, report, scoring

BENCHMARKS = {"scoring": scoring.run, "api": api.run, "forms": forms.run, "report": report.run}
CHOICES = {**BENCHMARKS, "load": load.run}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in CHOICES]
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(CHOICES)}")
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    for name in chosen:
        for line in CHOICES[name]():
            print(line, flush=True)


if __name__ == "__main__":
    main()
