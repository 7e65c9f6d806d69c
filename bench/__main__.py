"""Run every benchmark and print its figures: `python -m bench` (or `make bench`)."""

from __future__ import annotations

import platform

from bench import scoring


def main() -> None:
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    for line in scoring.run():
        print(line)


if __name__ == "__main__":
    main()
