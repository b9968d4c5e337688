"""Small asyncio helpers shared by the core."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Iterable

__all__ = ["gather_or_cancel"]


async def gather_or_cancel(aws: Iterable[Awaitable[Any]]) -> list[Any]:
    """Run awaitables as tasks and return their results in order. If one fails, or the caller is
    cancelled, cancel the rest and wait for their cleanup (temporary files, multipart aborts)
    before re-raising."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
