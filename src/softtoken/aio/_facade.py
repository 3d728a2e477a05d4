"""The asyncio facade: every service of :class:`~softtoken.SoftToken`, awaited.

``await aio.accounts.get(user_id)`` runs ``soft.accounts.get(user_id)`` on the pool;
attributes that are not calls (``aio.ca.authority``) are returned as they are.
``aio.sign_in`` adds :meth:`AsyncSignIn.wait`, which sleeps on the answer signal (a
future completed by the publishing thread) instead of a pool thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from softtoken.lifecycle.sign_in import SignInResult, StillWaiting

if TYPE_CHECKING:
    from softtoken._facade import SoftToken
    from softtoken.lifecycle.sign_in import SignInService

__all__ = ["AsyncService", "AsyncSignIn", "AsyncSoftToken"]

T = TypeVar("T")

#: The services of the facade, each offered awaitable under the same name.
SERVICES = (
    "accounts", "otp", "totp", "login", "password_reset", "initial_credentials", "mail",
    "audit", "ca", "proofing", "registration", "activation", "push_login", "renewal",
    "revocation", "service_requests",
)  # fmt: skip


class _Pool:
    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self.executor = executor

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(call, *args, **kwargs))


class AsyncService:
    """One service of the facade; its methods as coroutines."""

    def __init__(self, service: object, pool: _Pool) -> None:
        self._service = service
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._service, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self._pool.run(value, *args, **kwargs)

        return call


class AsyncSignIn:
    """``soft.sign_in`` as coroutines."""

    def __init__(self, service: SignInService, pool: _Pool) -> None:
        self.sync = service
        self._pool = pool

    async def begin(
        self, user_id: object, password: object, *, client: str | None = None
    ) -> SignInResult:
        return await self._pool.run(self.sync.begin, user_id, password, client=client)

    async def poll(self, handle: object) -> SignInResult:
        return await self._pool.run(self.sync.poll, handle)

    async def offline(self, handle: object, code: object) -> SignInResult:
        return await self._pool.run(self.sync.offline, handle, code)

    async def wait(self, handle: object, *, timeout: float = 25.0) -> SignInResult:  # noqa: ASYNC109 - not a cancellation: past it the answer is StillWaiting
        """As ``soft.sign_in.wait``, without holding a thread while the phone thinks:
        the answer's signal completes a future on this loop."""
        key = self.sync.signal_key(handle)
        signal = self.sync.signal
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            woken: asyncio.Future[None] = loop.create_future()

            def wake(future: asyncio.Future[None] = woken) -> None:
                loop.call_soon_threadsafe(_complete, future)

            with signal.listen(key) as listener:
                listener.on_set(wake)
                result = await self.poll(handle)
                left = deadline - time.monotonic()
                if not isinstance(result, StillWaiting) or left <= 0:
                    return result
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken, min(signal.poll_slice.total_seconds(), left))


def _complete(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AsyncSoftToken:
    """The asyncio face of a :class:`~softtoken.SoftToken`.

    Args:
        soft: the facade whose services are offered.
        max_workers: the pool's size: how many blocking calls run at once. Each argon2
            hash holds a core; more threads than cores only queue inside the hasher.
    """

    def __init__(self, soft: SoftToken, *, max_workers: int = 4) -> None:
        self.sync = soft
        self.executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="softtoken-aio"
        )
        self._pool = _Pool(self.executor)
        self.sign_in = AsyncSignIn(soft.sign_in, self._pool)

    def __getattr__(self, name: str) -> AsyncService:
        if name in SERVICES:
            service = AsyncService(getattr(self.sync, name), self._pool)
            setattr(self, name, service)
            return service
        raise AttributeError(name)

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Any other blocking call of the library, on the same pool."""
        return await self._pool.run(call, *args, **kwargs)

    async def device_poll(self, certificate_serial: object) -> list[dict[str, Any]]:
        return await self._pool.run(self.sync.device_poll, certificate_serial)

    def close(self) -> None:
        """Stop the pool (waiting for running calls); the facade stays open."""
        self.executor.shutdown(wait=True)
