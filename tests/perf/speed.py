"""How fast this machine runs Python right now, to read a test run's time against.

    .venv/bin/python -m tests.perf.speed

Times a fixed loop (ten million additions to a local variable) three times and prints the
fastest, in seconds. Machines of the same kind, and the same machine from one hour to the
next, differ by more than any change to the suite does: CI prints this before and after each
test run, and docs/benchmarks.md records it beside each time.
"""

import time

ROUNDS = 3


def loop_seconds() -> float:
    i = 0
    started = time.perf_counter()
    while i < 10_000_000:
        i += 1
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"{min(loop_seconds() for _ in range(ROUNDS)):.2f}")
