"""Jobs (xactions): list, status, wait, abort.

Endpoints (AIS 5.0): ``GET /v1/cluster?what=qryxstats`` with a ``xact.QueryMsg`` body answers
``{tid: [Snap,...]}`` for running and finished jobs of every kind (404 when nothing matches);
``what=status`` answers for IC-tracked kinds only; abort is ``PUT /v1/cluster {"action":"stop"}``.
There is no server-side wait: :meth:`JobAPI.wait` polls with backoff, treating demand-driven
kinds (:data:`~aistui.core.models.IDLE_KINDS`) as done once idle on every target twice in a row.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from .errors import NotFound, ProtocolError, RequestTimeout
from .models import IDLE_KINDS, Bck, Job

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["JobAPI"]


class JobAPI:
    """Job calls; every method raises :class:`~aistui.core.errors.AISError` subclasses."""

    def __init__(self, client: "AISClient"):
        self._c = client

    async def list(self, *, kind: str = "", bck: Bck | None = None, job_id: str = "",
                   running_only: bool = False) -> list[Job]:
        """Jobs merged across targets, newest first. ``kind`` takes a kind or display name."""
        q: dict[str, Any] = {}
        if job_id:
            q["id"] = job_id
        if kind:
            q["kind"] = kind
        if bck is not None:
            q["bck"] = bck.to_json()
        if running_only:
            q["show_active"] = True
        try:
            r = await self._c.request("GET", "/v1/cluster", params={"what": "qryxstats"}, json=q)
        except NotFound:
            return []
        data = self._c.decode_json(r, "jobs") or {}
        if not isinstance(data, dict):
            raise ProtocolError("jobs", "expected an object keyed by target")
        return Job.merge(data)

    async def get(self, job_id: str) -> Job | None:
        """One job by id, or None when no target knows it."""
        jobs = await self.list(job_id=job_id)
        return next((j for j in jobs if j.id == job_id), None)

    async def wait(self, job_id: str, *, timeout: float = 60.0, poll: float = 0.25,
                   max_poll: float = 2.0) -> Job:
        """Poll until the job finishes (or, for demand-driven kinds, is idle twice in a row).

        Returns the final :class:`Job` (state ``finished``, ``aborted``, ``failed`` or ``idle``).
        Raises :class:`RequestTimeout` after ``timeout`` seconds and :class:`NotFound` if the
        job never shows up."""
        deadline = time.monotonic() + timeout
        idle_seen = 0
        seen = False
        delay = poll
        while True:
            job = await self.get(job_id)
            if job is not None:
                seen = True
                if job.state in ("finished", "aborted", "failed"):
                    return job
                if job.kind in IDLE_KINDS and job.is_idle:
                    idle_seen += 1
                    if idle_seen >= 2:
                        return job
                else:
                    idle_seen = 0
            if time.monotonic() > deadline:
                if not seen:
                    raise NotFound(404, f"job {job_id} not found")
                raise RequestTimeout(f"job {job_id}", timeout, "waiting for the job")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, max_poll)

    async def abort(self, job_id: str = "", *, kind: str = "", bck: Bck | None = None) -> None:
        """Abort a job by id (and/or every job of ``kind`` on ``bck``)."""
        if not job_id and not kind:
            raise ProtocolError("abort", "give a job id or a kind")
        value: dict[str, Any] = {"ID": job_id, "Kind": kind}
        if bck is not None:
            value["Bck"] = bck.to_json()
        await self._c.request("PUT", "/v1/cluster", json=self._c.action("stop", value))

    async def start(self, kind: str, *, bck: Bck | None = None, node: str = "", force: bool = False) -> str:
        """Start a startable job (``rebalance``, ``lru``, ``cleanup-store``, ``resilver``, ...).
        Returns its id."""
        value: dict[str, Any] = {"Kind": kind, "ID": "", "DaemonID": node}
        if bck is not None:
            value["Bck"] = bck.to_json()
        params = {"frc": "true"} if force else None
        r = await self._c.request("PUT", "/v1/cluster", params=params, json=self._c.action("start", value))
        ids = self._c.xids(r)
        return ids[0] if ids else ""
