"""Jobs (xactions): ``JobSnap`` (``core/xaction.go`` ``Snap``, v1.5.0) and ``Job``, the snaps of one
job id merged across targets; display names and the demand-driven (idle) kinds from
``xact/api_table.go``.

Parsers raise :class:`~aistui.core.errors.ProtocolError` on shapes they cannot read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from ..errors import ProtocolError
from ..jsontypes import is_dict, is_list
from ._wire import dict_field as _d
from ._wire import int_field as _i
from ._wire import str_field as _s
from .bucket import Bck

_ZERO_TIME = "0001-01-01T00:00:00Z"


def parse_time(s: str) -> datetime | None:
    if not s or s.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ProtocolError("job time", f"bad timestamp {s!r}") from None


#: xaction kind -> display name (``xact/api_table.go`` ``Table``, v1.5.0), for kinds whose names differ.
JOB_DISPLAY_NAMES: dict[str, str] = {
    "copy-bck": "copy-bucket",
    "etl-bck": "etl-bucket",
    "copy-listrange": "copy-objects",
    "etl-listrange": "etl-objects",
    "prefetch-listrange": "prefetch-objects",
    "evict-listrange": "evict-objects",
    "delete-listrange": "delete-objects",
    "evict-remote-bck": "evict-remote-bucket",
    "summary-bck": "summary",
    "promote": "promote-files",
    "lru": "lru-eviction",
    "cleanup-store": "cleanup",
    "make-n-copies": "mirror",
    "ec-encode": "ec-bucket",
    "move-bck": "rename-bucket",
    "index-shard": "shard-index",
    "summary-shard": "shard-summary",
    "election": "elect-primary",
    "load-lom-cache": "warm-up-metadata",
}
#: demand-driven kinds that linger idle instead of finishing (``xact/api_table.go`` Idles).
IDLE_KINDS = frozenset({"copy-listrange", "etl-listrange", "archive", "put-copies", "get-batch",
                        "list", "download", "ec-get", "ec-put", "ec-resp"})


@dataclass(frozen=True, slots=True)
class JobSnap:
    """One target's snapshot of a job (``core.Snap``). Times are UTC datetimes (``end`` None while
    running); counters are objects and bytes."""

    id: str
    kind: str
    node: str
    bck: Bck | None
    src_bck: Bck | None
    dst_bck: Bck | None
    start: datetime | None
    end: datetime | None
    aborted: bool
    is_idle: bool
    abort_err: str
    err: str
    ctlmsg: str
    loc_objs: int
    loc_bytes: int
    in_objs: int
    in_bytes: int
    out_objs: int
    out_bytes: int

    @classmethod
    def from_json(cls, d: Any, node: str) -> JobSnap:
        d = _d(d, "job snap")
        st = _d(d.get("stats"), "stats")

        def bck(key: str) -> Bck | None:
            v = d.get(key)
            if not is_dict(v) or not v.get("name"):
                return None
            return Bck.from_json(v)

        return cls(
            id=_s(d, "id"), kind=_s(d, "kind"), node=node,
            bck=bck("bck"), src_bck=bck("src-bck"), dst_bck=bck("dst-bck"),
            start=parse_time(_s(d, "start-time")), end=parse_time(_s(d, "end-time")),
            aborted=bool(d.get("aborted", False)), is_idle=bool(d.get("is_idle", False)),
            abort_err=_s(d, "abort-err"), err=_s(d, "err"), ctlmsg=_s(d, "ctlmsg"),
            loc_objs=_i(st, "loc-objs"), loc_bytes=_i(st, "loc-bytes"),
            in_objs=_i(st, "in-objs"), in_bytes=_i(st, "in-bytes"),
            out_objs=_i(st, "out-objs"), out_bytes=_i(st, "out-bytes"),
        )

    @property
    def state(self) -> str:
        """This target's part of the job: ``aborted``, ``failed`` (ended with an error),
        ``finished``, ``idle`` or ``running`` (the words :attr:`Job.state` uses)."""
        if self.aborted:
            return "aborted"
        if self.end is not None:
            return "failed" if self.err else "finished"
        return "idle" if self.is_idle else "running"


@dataclass(frozen=True)
class Job:
    """A job (xaction) merged across targets.

    ``state`` is one of ``running``, ``idle``, ``finished``, ``aborted``, ``failed``.
    ``objects``/``bytes`` sum the per-target local counters (objects each target processed; what
    one target sends another also shows as out/in, so those are not added); ``start``/``end`` are the
    earliest start and the latest end (None while any target still runs). The derived values are
    computed once per object (``cached_property``): the jobs monitor reads them for 1,000+ jobs
    on every refresh.
    """

    id: str
    kind: str
    snaps: tuple[JobSnap, ...]

    @property
    def display_kind(self) -> str:
        return JOB_DISPLAY_NAMES.get(self.kind, self.kind)

    @property
    def bck(self) -> Bck | None:
        for s in self.snaps:
            if s.bck:
                return s.bck
        return None

    @property
    def src_bck(self) -> Bck | None:
        return next((s.src_bck for s in self.snaps if s.src_bck), None) or self.bck

    @property
    def dst_bck(self) -> Bck | None:
        return next((s.dst_bck for s in self.snaps if s.dst_bck), None)

    @cached_property
    def start(self) -> datetime | None:
        times = [s.start for s in self.snaps if s.start]
        return min(times) if times else None

    @cached_property
    def end(self) -> datetime | None:
        if any(s.end is None for s in self.snaps):
            return None
        times = [s.end for s in self.snaps if s.end]
        return max(times) if times else None

    @cached_property
    def aborted(self) -> bool:
        return any(s.aborted for s in self.snaps)

    @cached_property
    def error(self) -> str:
        for s in self.snaps:
            if s.abort_err or s.err:
                return s.abort_err or s.err
        return ""

    @cached_property
    def is_idle(self) -> bool:
        return bool(self.snaps) and all(s.is_idle for s in self.snaps)

    @cached_property
    def state(self) -> str:
        if self.aborted:
            return "aborted"
        if self.end is not None:
            return "failed" if any(s.err for s in self.snaps) else "finished"
        if self.is_idle:
            return "idle"
        return "running"

    @property
    def running(self) -> bool:
        return self.state in ("running", "idle")

    @property
    def done(self) -> bool:
        """Finished without error: ended, or (for demand-driven kinds, which linger) idle on every
        target. A copy from a remote bucket runs as ``copy-listrange`` and ends this way."""
        return self.state == "finished" or (self.state == "idle" and self.kind in IDLE_KINDS)

    @cached_property
    def objects(self) -> int:
        return sum(s.loc_objs for s in self.snaps)

    @cached_property
    def bytes(self) -> int:
        return sum(s.loc_bytes for s in self.snaps)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(sorted({s.node for s in self.snaps}))

    @staticmethod
    def merge(multi_snap: Mapping[str, Iterable[Any]]) -> list[Job]:
        """Merge the ``qryxstats`` answer ``{tid: [Snap,...]}`` into jobs, newest first."""
        by_id: dict[str, list[JobSnap]] = {}
        for tid, snaps in _d(multi_snap, "qryxstats").items():
            if snaps is None:
                continue
            if not is_list(snaps):
                raise ProtocolError("qryxstats", f"expected a list for {tid}")
            for raw in snaps:
                s = JobSnap.from_json(raw, tid)
                if s.id:
                    by_id.setdefault(s.id, []).append(s)
        jobs = [Job(id=i, kind=ss[0].kind, snaps=tuple(sorted(ss, key=lambda x: x.node)))
                for i, ss in by_id.items()]
        epoch = datetime.min.replace(tzinfo=UTC)
        jobs.sort(key=lambda j: (j.start or epoch, j.id), reverse=True)
        return jobs
