"""Worker processes started together on one database (the ``shared_url`` fixture of
``tests/conftest.py``), their outcomes collected from a queue."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any


def run_workers(
    target: Callable[..., None], args: tuple[Any, ...], *, processes: int, outcomes: int
) -> list[str]:
    """Start ``processes`` spawned workers, each called as ``target(*args, queue)``, and
    collect ``outcomes`` strings from their queue; every worker must exit cleanly."""
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[str] = context.Queue()
    workers = [context.Process(target=target, args=(*args, queue)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    collected = [queue.get(timeout=120) for _ in range(outcomes)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return collected
