"""Timing helpers shared by the benchmarks: each result is a ratio of our path to the
raw primitive, both measured in the same run on the same machine."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

__all__ = ["Ratio", "rate"]


def rate(call: Callable[[], object], *, seconds: float = 1.0, min_calls: int = 5) -> float:
    """Calls per second of ``call``: a warm-up call, then calls until ``seconds`` pass."""
    call()
    calls, start = 0, time.perf_counter()
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= min_calls:
            return calls / elapsed


@attrs.frozen(kw_only=True)
class Ratio:
    """``ours / raw`` in calls per second: 1.0 means no overhead over the primitive.
    With ``lower_is_better`` the figures are durations and the ratio reads ours / raw
    time (a CRL twice as slow as the raw builder is 2.0)."""

    name: str
    ours: float
    raw: float
    unit: str = "calls/s"
    target: str = ""
    lower_is_better: bool = False

    @property
    def value(self) -> float:
        return self.ours / self.raw

    def line(self) -> str:
        target = f"  target {self.target}" if self.target else ""
        return (
            f"{self.name:<64} ours {self.ours:>10.1f} {self.unit:<8} raw {self.raw:>10.1f}"
            f"  ratio {self.value:5.2f}{target}"
        )
