"""softtoken for asyncio portals: the same services as awaitables.

The library's work blocks (argon2 hashing, SQL, signatures), so every call runs on a
bounded thread pool and the event loop goes on serving other requests meanwhile; waiting
for the phone holds no thread at all. See ``docs/web.md``.
"""

from softtoken.aio._facade import AsyncService, AsyncSignIn, AsyncSoftToken

__all__ = ["AsyncService", "AsyncSignIn", "AsyncSoftToken"]
