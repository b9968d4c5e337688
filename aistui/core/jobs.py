"""Jobs (xactions): list, status, wait, abort, and the live monitor's poll.

Endpoints (AIS 5.0): ``GET /v1/cluster?what=qryxstats`` with a ``xact.QueryMsg`` body answers
``{tid: [Snap,...]}`` for running and finished jobs of every kind (404 when nothing matches);
``what=status`` answers for IC-tracked kinds only; abort is ``PUT /v1/cluster {"action":"stop"}``.
There is no server-side wait: :meth:`JobAPI.wait` polls with backoff, treating demand-driven
kinds (:data:`~aistui.core.models.IDLE_KINDS`) as done once idle on every target twice in a row.

A cluster keeps at least 1,024 finished jobs per target in memory (``xact/xreg``), so the
``qryxstats`` answer can be megabytes (~600 bytes per snap, one snap per target per job). It is
decoded with typed msgspec structs that leave the bulky fields raw, and :class:`JobMonitor`
reuses the parsed snaps of jobs that have ended (they never change) from one poll to the next.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from .errors import AISError, NotFound, ProtocolError, RequestTimeout
from .jsontypes import is_dict
from .models import IDLE_KINDS, Bck, Job, JobSnap, parse_time
from .retry import polling

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["JobAPI", "JobMonitor", "JobPoll", "JobWatch", "TERMINAL_STATES", "decode_multisnap",
           "copy_source"]

#: states after which a job never changes
TERMINAL_STATES = frozenset({"finished", "aborted", "failed"})

_NULL = msgspec.Raw(b"null")


class _WireStats(msgspec.Struct, rename="kebab"):
    loc_objs: str | int = 0
    loc_bytes: str | int = 0
    in_objs: str | int = 0
    in_bytes: str | int = 0
    out_objs: str | int = 0
    out_bytes: str | int = 0


class _WireSnap(msgspec.Struct, rename="kebab"):
    """``core.Snap`` as sent (``core/xaction_wire.go``); bulky fields stay raw until needed."""

    id: str = ""
    kind: str = ""
    start_time: str = ""
    end_time: str = ""
    aborted: bool = False
    is_idle: bool = msgspec.field(default=False, name="is_idle")
    abort_err: str = ""
    err: str = ""
    bck: msgspec.Raw = _NULL
    src_bck: msgspec.Raw = _NULL
    dst_bck: msgspec.Raw = _NULL
    ctlmsg: msgspec.Raw = _NULL
    stats: msgspec.Raw = _NULL


_multisnap = msgspec.json.Decoder(dict[str, list[_WireSnap] | None])
_any = msgspec.json.Decoder()
_stats = msgspec.json.Decoder(_WireStats | None)


def _num(v: str | int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ProtocolError("job stats", f"expected an integer, got {v!r}") from None


def _bck(raw: msgspec.Raw) -> Bck | None:
    d = _any.decode(raw)
    if not is_dict(d) or not d.get("name"):
        return None
    return Bck.from_json(d)


def _snap(w: _WireSnap, node: str) -> JobSnap:
    st = _stats.decode(w.stats) or _WireStats()
    ctl = _any.decode(w.ctlmsg)
    return JobSnap(
        id=w.id, kind=w.kind, node=node, bck=_bck(w.bck), src_bck=_bck(w.src_bck), dst_bck=_bck(w.dst_bck),
        start=parse_time(w.start_time), end=parse_time(w.end_time), aborted=w.aborted, is_idle=w.is_idle,
        abort_err=w.abort_err, err=w.err, ctlmsg=ctl if isinstance(ctl, str) else "",
        loc_objs=_num(st.loc_objs), loc_bytes=_num(st.loc_bytes), in_objs=_num(st.in_objs),
        in_bytes=_num(st.in_bytes), out_objs=_num(st.out_objs), out_bytes=_num(st.out_bytes))


_EPOCH = datetime.min.replace(tzinfo=UTC)


def decode_multisnap(raw: bytes, cache: dict[tuple[str, str, str], JobSnap] | None = None,
                     jobs: dict[str, Job] | None = None) -> list[Job]:
    """Decode a ``qryxstats`` body (``{tid: [Snap,...]}``) into jobs merged across targets,
    newest first. With ``cache``, snaps that have ended are reused (keyed by target, id and start
    time); with ``jobs``, a job whose snaps all came from the cache is the same :class:`Job`
    object as last time (callers can skip it by identity). Both dicts are updated in place.
    Raises :class:`ProtocolError` on a body it cannot read."""
    try:
        multi = _multisnap.decode(raw) if raw.strip() else {}
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise ProtocolError("qryxstats", str(e)) from None
    by_id: dict[str, list[JobSnap]] = {}
    for tid, snaps in multi.items():
        for w in snaps or ():
            if not w.id:
                continue
            if cache is not None and w.end_time and not w.end_time.startswith("0001-"):
                key = (tid, w.id, w.start_time)
                s = cache.get(key)
                if s is None:
                    s = cache[key] = _snap(w, tid)
            else:
                s = _snap(w, tid)
            by_id.setdefault(w.id, []).append(s)
    out: list[tuple[datetime, str, Job]] = []
    for xid, ss in by_id.items():
        ss.sort(key=lambda x: x.node)
        snaps = tuple(ss)
        job = jobs.get(xid) if jobs is not None else None
        if job is None or job.snaps != snaps:  # identical snaps compare by identity, in C
            job = Job(id=xid, kind=snaps[0].kind, snaps=snaps)
        if jobs is not None:
            jobs[xid] = job
        out.append((job.start or _EPOCH, xid, job))
    out.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [j for _, _, j in out]


def copy_source(job: Job) -> tuple[Bck, str] | None:
    """``(source bucket, prefix)`` of a ``copy-bck``/``etl-bck`` job, the prefix read from the
    control message (``cp ais://src/prefix=>ais://dst``, ``xact/xs/tcb.go`` formatCtlMsg); None
    for other kinds or when the source is unknown."""
    if job.kind not in ("copy-bck", "etl-bck") or job.src_bck is None:
        return None
    src = job.src_bck
    ctl = next((s.ctlmsg for s in job.snaps if s.ctlmsg), "")
    head = ctl.split(" ", 1)[1] if " " in ctl else ""
    frm = head.split("=>", 1)[0] if "=>" in head else ""
    base = str(src)
    prefix = frm[len(base) + 1:] if frm.startswith(base + "/") else ""
    return src, prefix


class JobWatch:
    """Decides when a watched job is over: a terminal state, or (demand-driven kinds, which linger
    idle instead of ending) idle on every target in two polls in a row, like the Go client."""

    def __init__(self) -> None:
        self._idle: dict[str, int] = {}

    def over(self, job: Job) -> bool:
        if job.state in TERMINAL_STATES:
            return True
        if job.kind in IDLE_KINDS and job.is_idle:
            self._idle[job.id] = self._idle.get(job.id, 0) + 1
            return self._idle[job.id] >= 2
        self._idle.pop(job.id, None)
        return False


@dataclass(frozen=True, slots=True)
class JobPoll:
    """One monitor poll. ``jobs``: newest first, without those that ended more than ``keep_s``
    ago; ``rates``: bytes/s per running job id (since the previous poll, or the average since its
    start on the first sight); ``taken``: the UTC wall time of the poll; ``cpu_s``: the process
    CPU seconds spent decoding and merging."""

    jobs: list[Job]
    rates: dict[str, float]
    taken: datetime
    cpu_s: float = 0.0


@dataclass
class JobMonitor:
    """The live monitor's state between polls (no Textual): caches ended snaps and jobs, and
    computes rates from byte deltas. ``keep_s`` hides jobs that ended longer ago (None: keep all).
    ``now`` gives the UTC wall time (tests pin it)."""

    api: JobAPI
    keep_s: float | None = 3600.0
    now: Any = field(default=lambda: datetime.now(UTC))
    _snaps: dict[tuple[str, str, str], JobSnap] = field(default_factory=dict[tuple[str, str, str], JobSnap])
    _jobs: dict[str, Job] = field(default_factory=dict[str, Job])
    _prev: dict[str, tuple[float, int]] = field(default_factory=dict[str, tuple[float, int]])

    async def poll(self) -> JobPoll:
        """Query every job (``qryxstats`` with ``{}``) and merge. Raises :class:`AISError`."""
        raw = await self.api.raw_query({})
        t0 = time.process_time()
        mono = time.monotonic()
        jobs = decode_multisnap(raw, self._snaps, self._jobs)
        taken = self.now()
        if self.keep_s is not None:
            horizon = taken - timedelta(seconds=self.keep_s)
            jobs = [j for j in jobs if j.end is None or j.end >= horizon]
        rates: dict[str, float] = {}
        prev: dict[str, tuple[float, int]] = {}
        for j in jobs:
            if j.end is not None:
                continue
            b = j.bytes
            p = self._prev.get(j.id)
            if p is not None and mono > p[0]:
                rates[j.id] = max(0, b - p[1]) / (mono - p[0])
            elif j.start is not None and taken > j.start:
                rates[j.id] = b / (taken - j.start).total_seconds()
            prev[j.id] = (mono, b)
        self._prev = prev
        live = {j.id for j in jobs}
        for xid in [x for x in self._jobs if x not in live]:
            del self._jobs[xid]
        if len(self._snaps) > 4 * max(len(self._jobs), 256):
            self._snaps = {k: v for k, v in self._snaps.items() if k[1] in live}
        return JobPoll(jobs, rates, taken, time.process_time() - t0)


class JobAPI:
    """Job calls; every method raises :class:`~aistui.core.errors.AISError` subclasses."""

    def __init__(self, client: AISClient):
        self._c = client

    async def list(self, *, kind: str = "", bck: Bck | None = None, job_id: str = "",
                   running_only: bool = False) -> list[Job]:
        """Jobs merged across targets, newest first. ``kind`` takes a kind or display name;
        ``running_only`` asks for running (and idle) jobs only (``show_active``)."""
        q: dict[str, Any] = {}
        if job_id:
            q["id"] = job_id
        if kind:
            q["kind"] = kind
        if bck is not None:
            q["bck"] = bck.to_json()
        if running_only:
            q["show_active"] = True
        return decode_multisnap(await self.raw_query(q))

    async def raw_query(self, query: dict[str, Any]) -> bytes:
        """The raw ``qryxstats`` answer for a ``xact.QueryMsg`` (``{"id","kind","bck",
        "show_active"}``); ``b"{}"`` when nothing matches (AIS answers 404)."""
        try:
            r = await self._c.request("GET", "/v1/cluster", params={"what": "qryxstats"}, json=query)
        except NotFound:
            return b"{}"
        return r.content

    def monitor(self, keep_s: float | None = 3600.0, now: Any = None) -> JobMonitor:
        """A :class:`JobMonitor` for live polling (see there)."""
        return JobMonitor(self, keep_s) if now is None else JobMonitor(self, keep_s, now)

    async def source_total(self, job: Job) -> int | None:
        """The number of objects a ``copy-bck``/``etl-bck`` job has to process: the source's
        in-cluster objects under the job's prefix, from a bucket summary (itself a short
        ``summary`` job). None for other kinds, remote sources (what a remote copy reads is not
        known up front) or when the summary fails."""
        src = copy_source(job)
        if src is None or src[0].is_remote:
            return None
        try:
            res = await self._c.buckets.summary(src[0], prefix=src[1])
        except AISError:
            return None
        return res[0].obj_count_present if res else 0

    async def get(self, job_id: str) -> Job | None:
        """One job by id, or None when no target knows it."""
        jobs = await self.list(job_id=job_id)
        return next((j for j in jobs if j.id == job_id), None)

    async def wait(self, job_id: str | Sequence[str], *, timeout: float = 60.0, poll: float = 0.25,
                   max_poll: float = 2.0) -> Job:
        """Poll until the job finishes (or, for demand-driven kinds, is idle twice in a row).

        ``job_id`` is one id, or the list a job-starting call returns: then every job is waited
        for (``timeout`` s each) and the result is the first that ended badly (``aborted`` or
        ``failed``), else the last. Polls from ``poll`` s, growing x1.5 to ``max_poll`` s.
        Returns the final :class:`Job` (state ``finished``, ``aborted``, ``failed`` or ``idle``).
        Raises :class:`RequestTimeout` after ``timeout`` seconds and :class:`NotFound` if the
        job never shows up (or the list is empty)."""
        if not isinstance(job_id, str):
            ids = list(job_id)
            if not ids:
                raise NotFound(404, "no job to wait for: the call started none")
            jobs = [await self.wait(x, timeout=timeout, poll=poll, max_poll=max_poll) for x in ids]
            return next((j for j in jobs if j.state in ("aborted", "failed")), jobs[-1])
        watch = JobWatch()
        seen = False

        async def ended() -> Job | None:
            nonlocal seen
            job = await self.get(job_id)
            seen = seen or job is not None
            return job if job is not None and watch.over(job) else None

        job: Job | None = await polling(first=poll, factor=1.5, most=max_poll, within=timeout)(ended)
        if job is not None:
            return job
        if not seen:
            raise NotFound(404, f"job {job_id} not found")
        raise RequestTimeout(f"job {job_id}", timeout, "waiting for the job")

    async def abort(self, job_id: str = "", *, kind: str = "", bck: Bck | None = None) -> None:
        """Abort a job by id (and/or every job of ``kind`` on ``bck``)."""
        if not job_id and not kind:
            raise ProtocolError("abort", "give a job id or a kind")
        value: dict[str, Any] = {"ID": job_id, "Kind": kind}
        if bck is not None:
            value["Bck"] = bck.to_json()
        await self._c.request("PUT", "/v1/cluster", json=self._c.action("stop", value))

    async def start(self, kind: str, *, bck: Bck | None = None, node: str = "",
                    force: bool = False, buckets: Sequence[Bck] = (), flags: int = 0) -> list[str]:
        """Start a startable job (``rebalance``, ``lru``, ``cleanup-store``, ``resilver``, ...;
        ``PUT /v1/cluster``, ``start`` with an ``xact.ArgsMsg``: ``api.StartXaction`` in v1.5.0
        ``api/xaction.go``). ``buckets`` fills ``ArgsMsg.Buckets`` (LRU's bucket list), ``flags``
        ``ArgsMsg.Flags`` (``xact/api_wait.go``: 1 zero-size, 8 keep misplaced). Returns the job
        ids (may be empty)."""
        value: dict[str, Any] = {"Kind": kind, "ID": "", "DaemonID": node}
        if bck is not None:
            value["Bck"] = bck.to_json()
        if buckets:
            value["Buckets"] = [b.to_json() for b in buckets]
        if flags:
            value["flags"] = flags
        if force:
            value["Force"] = True
        params = {"frc": "true"} if force else None
        r = await self._c.request("PUT", "/v1/cluster", params=params, json=self._c.action("start", value))
        return self._c.xids(r)
