"""The jobs started from the console, watched until they end (Textual-free; the session owns one
:class:`StartedJobs` and the shell iterates :func:`watch` through ``Session.watch_started``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from . import format as fmt
from .core.errors import AISError

if TYPE_CHECKING:
    from .core.client import AISClient
    from .core.jobs import JobWatch
    from .core.models import Job

__all__ = ["Severity", "JobOutcome", "StartedJobs", "outcome_text", "watch", "NOT_FOUND_GIVE_UP_S"]

NOT_FOUND_GIVE_UP_S = 60.0  # stop watching a started job that no target has shown for this long (s)

Severity = Literal["information", "warning", "error"]  # a notice's (Textual's SeverityLevel)


@dataclass(frozen=True)
class JobOutcome:
    """How a group of jobs started together as ``what`` ended: the toast ``text`` and its
    ``severity`` (``information``, ``warning`` for aborted, ``error`` for failed)."""

    what: str
    ids: tuple[str, ...]
    text: str
    severity: Severity


def outcome_text(what: str, jobs: list[Job]) -> tuple[str, Severity]:
    """The toast for jobs started as ``what`` that are over: ``(message, severity)``."""
    ids = ", ".join(j.id for j in jobs)
    objs, size = sum(j.objects for j in jobs), sum(j.bytes for j in jobs)
    bad = [j for j in jobs if j.state in ("aborted", "failed")]
    if bad:
        j = bad[0]
        why = f": {j.error}" if j.error else ""
        return f"{what}: job {ids} {j.state}{why}", ("error" if j.state == "failed" else "warning")
    return f"{what}: job {ids} finished · {objs:,} objects, {fmt.size(size)}", "information"


@dataclass
class StartedJobs:
    """Jobs started from the console, watched until they are over (``GET /v1/cluster?what=
    status``-style job snapshots through :meth:`aistui.core.jobs.JobAPI.get`).

    ``groups`` maps the ids started together to ``(what, loop time started)``; ``follow`` holds
    the ids of the last jobs started, taken once by the jobs screen (:meth:`take_follow`)."""

    groups: dict[tuple[str, ...], tuple[str, float]] = field(default_factory=dict[tuple[str, ...], tuple[str, float]])
    follow: list[str] = field(default_factory=list[str])
    ended: dict[str, Job] = field(default_factory=dict[str, "Job"])  # job id -> its last snapshot, once over

    def add(self, ids: list[str], what: str) -> None:
        """Watch ``ids`` (started together as ``what``); they become the ones to follow."""
        self.groups[tuple(ids)] = (what, asyncio.get_running_loop().time())
        self.follow = list(ids)

    def take_follow(self) -> list[str]:
        """The ids to follow (once): the jobs screen opens filtered to them."""
        ids, self.follow = self.follow, []
        return ids

    def forget(self, ids: tuple[str, ...]) -> None:
        """Stop watching ``ids``."""
        self.groups.pop(ids, None)
        for xid in ids:
            self.ended.pop(xid, None)


async def watch(client: AISClient, started: StartedJobs, refresh_s: float) -> AsyncIterator[JobOutcome]:
    """Poll ``started`` jobs by id (``JobAPI.get``) every ``refresh_s`` (at least 1 s) until none
    is left, yielding how each group ended. Errors are retried on the next poll; a group no
    target has shown for :data:`NOT_FOUND_GIVE_UP_S` s (e.g. a synchronous evict) is dropped
    silently. Raises nothing of its own."""
    from .core.jobs import JobWatch

    watcher = JobWatch()
    loop = asyncio.get_running_loop()
    while started.groups:
        for ids, (what, since) in list(started.groups.items()):
            jobs = await _over(client, watcher, started, ids)
            if len(jobs) == len(ids):
                text, severity = outcome_text(what, jobs)
                started.forget(ids)
                yield JobOutcome(what, ids, text, severity)
            elif not jobs and loop.time() - since > NOT_FOUND_GIVE_UP_S:
                started.forget(ids)
        if started.groups:
            await asyncio.sleep(max(1.0, float(refresh_s)))


async def _over(client: AISClient, watcher: JobWatch, started: StartedJobs, ids: tuple[str, ...]) -> list[Job]:
    """The jobs of ``ids`` that are over (each asked again on every poll until it is)."""
    jobs: list[Job] = []
    for xid in ids:
        if xid in started.ended:
            jobs.append(started.ended[xid])
            continue
        try:
            job = await client.jobs.get(xid)
        except AISError:
            job = None
        if job is not None and watcher.over(job):
            started.ended[xid] = job
            jobs.append(job)
    return jobs
