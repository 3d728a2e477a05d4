"""Calls started together on threads, their outcomes collected."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from softtoken import SoftTokenError


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run ``calls`` at once; each result is the call's return value, or the error code of
    the softtoken error it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except SoftTokenError as error:
            return error.code

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]
