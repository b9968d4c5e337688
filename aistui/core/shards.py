"""Make WebDataset-style shards on the cluster from a directory of samples.

:func:`plan` lists the source prefix ONCE, streamed (``GET /v1/buckets/<b>`` ``list``, props
``name,size,checksum``), and hands the objects to the pure planner (``core/shardplan.py``:
samples by key, class folders or flat, cut by size or count, template names), after checking
every name the archive request would refuse and that no planned shard exists already.

The shards are made by the cluster's own multi-object archive job (``archive``; v1.5.0
``api.ArchiveMultiObj``: ``PUT /v1/buckets/<src>`` with ``{"action":"archive","value":
cmn.ArchiveBckMsg}``, one request per shard, ``ais archive bucket SRC DST/SHARD.tar --list ...``):
nothing is downloaded and uploaded again. The archive job packs only existing objects, and
stores each under its full object name (``BaseNameOnly`` exists in ``apc.ArchiveMsg`` but not in
the v1.5.0 CLI), so the labels are first written as tiny ``.cls`` objects next to their samples
in the source bucket (:func:`write_labels`), packed with them, and removed afterwards
(:func:`remove_labels`). Members keep their object names (``train/3/00017.png``,
``train/3/00017.cls``): WebDataset keys with folders. :func:`wait_shards` waits until every
shard is listed.

dsort (``/v1/sort``) exists only in an ``aisnode`` built with the ``dsort`` build tag:
:func:`dsort_available` asks; the stock v1.5.0 node's stub answers a ``POST`` with 501 "dsort
not enabled (build with -tags=dsort)" (``ais/dsort_hdl_stub.go``). This module does not use dsort:
its input is shards (``ext/dsort/api.go`` ``input_format``), so it re-shards existing shards and
cannot make shards from loose samples.

Checking the shards after the jobs ended is ``core/shardverify.py`` (:func:`~aistui.core.shardverify.verify`).

Textual-free; every function raises :class:`~aistui.core.errors.AISError` subclasses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from .errors import AISError, BadRequest, InvalidInput, NotFound, NotSupported
from .models import Bck, ObjEntry
from .names import validate_object_name, validate_prefix
from .shardplan import ARCHIVE_EXTS, Sample, ShardOptions, ShardPlan, assign, group_samples, parse_template

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["plan", "archive", "write_labels", "remove_labels", "wait_shards", "dsort_available", "list_entries"]


async def _ck_type(client: AISClient, bck: Bck) -> str:
    props = await client.buckets.head(bck)
    ck: Any = props.get("checksum")
    t = cast(dict[str, Any], ck).get("type") if isinstance(ck, dict) else None
    return t if isinstance(t, str) else "xxhash2"


async def list_entries(client: AISClient, bck: Bck, prefix: str) -> list[tuple[str, int, str]]:
    """Every object under ``prefix`` in ``bck`` as ``(name, size bytes, stored checksum)``, from
    one streamed listing (``GET /v1/buckets/<b>`` ``list``, props ``name,size,checksum``);
    directories left out."""
    out: list[tuple[str, int, str]] = []
    async for page in client.objects.iter_pages(bck, prefix=prefix, props="name,size,checksum"):
        e: ObjEntry
        for e in page.entries or []:
            if not e.is_dir and not e.name.endswith("/"):
                out.append((e.name, e.size, e.checksum))
    return out


async def plan(client: AISClient, src: Bck, prefix: str, dst: Bck, options: ShardOptions, *,
               dst_prefix: str = "") -> ShardPlan:
    """Plan the shards of everything under ``src``/``prefix`` (one streamed listing, props
    ``name,size,checksum``) into ``dst`` (:func:`~aistui.core.shardplan.group_samples`,
    :func:`~aistui.core.shardplan.assign`). Raises :class:`InvalidInput` for bad options,
    nothing to shard, a name the archive request would refuse (checked here, before anything is
    written), shards that would land under the source prefix, or shards that exist already in
    ``dst`` (:func:`wait_shards` could not tell them from new ones);
    :class:`BucketNotFound` for a missing source."""
    options.check()
    validate_prefix(prefix)
    validate_prefix(dst_prefix)
    head = dst_prefix + parse_template(options.template).head
    if dst == src and head.startswith(prefix):
        raise InvalidInput(f"the shards ({dst}/{head}...) would land under the source {src}/{prefix}")
    ck_type = await _ck_type(client, src)
    objs = await list_entries(client, src, prefix)
    samples, layout, classes = group_samples(objs, prefix, labels=options.labels)
    shards = assign(samples, options, dst_prefix)
    for shard in shards:  # before anything is written: a name the archive request would refuse
        validate_object_name(shard.name)
        for n in shard.names():
            validate_object_name(n)
    if await client.buckets.exists(dst):
        have = {e[0] for e in await list_entries(client, dst, head)}
        taken = [s.name for s in shards if s.name in have]
        if taken:
            raise InvalidInput(f"{len(taken)} shard(s) exist already in {dst}: {taken[0]}, ...")
    return ShardPlan(src, prefix, dst, dst_prefix, options, layout, classes, tuple(shards), len(objs),
                     sum(o[1] for o in objs), ck_type, {o[0]: (o[1], o[2]) for o in objs})


async def dsort_available(client: AISClient) -> bool:
    """Whether the cluster has dsort: ``POST /v1/sort`` with an empty spec. A v1.5.0 ``aisnode``
    built without the ``dsort`` tag answers 501 ``dsort not enabled (build with -tags=dsort)``
    (``ais/dsort_hdl_stub.go``; its ``GET`` answers ``[]`` either way); with dsort the empty spec
    is refused (400) and nothing starts. 404/405 (no such endpoint) count as absent."""
    try:
        await client.request("POST", "/v1/sort", json={}, idempotent=False)
    except NotSupported:
        return False
    except BadRequest:
        return True
    except NotFound:
        return False
    except AISError as e:
        if getattr(e, "status", 0) == 405:
            return False
        raise
    return True


async def archive(client: AISClient, src: Bck, dst: Bck, arch_name: str, names: Sequence[str], *,
                  cont_on_err: bool = False, append: bool = False) -> list[str]:
    """Archive the objects ``names`` of ``src`` into the shard ``dst``/``arch_name`` (the
    multi-object archive job; ``PUT /v1/buckets/<src>`` ``{"action":"archive","value":
    cmn.ArchiveBckMsg}``, as v1.5.0 ``api.ArchiveMultiObj``; ``ais archive bucket SRC
    DST/NAME --list ...``). Members are named as the objects. Returns the job ids (requests to
    the same destination usually join one ``archive`` job). Raises :class:`InvalidInput` for no
    names or a bad shard name."""
    validate_object_name(arch_name)
    if not arch_name.endswith(ARCHIVE_EXTS):
        raise InvalidInput(f"a shard name must end with one of {', '.join(ARCHIVE_EXTS)}: {arch_name!r}")
    lst = [validate_object_name(n) for n in names]
    if not lst:
        raise InvalidInput("no objects to archive")
    value: dict[str, Any] = {"tobck": dst.to_json(), "archname": arch_name, "objnames": lst,
                             "coer": cont_on_err, "aate": append}
    r = await client.request("PUT", f"/v1/buckets/{src.name}", params=src.query(),
                             json=client.action("archive", value), idempotent=False)
    return client.xids(r)


async def write_labels(client: AISClient, p: ShardPlan, *, concurrency: int = 32,
                       progress: Callable[[int, int], None] | None = None) -> int:
    """PUT each labelled sample's ``.cls`` object (its label text, a few bytes) into the source
    bucket next to the sample, ``concurrency`` at a time; ``progress(done, total)`` after each.
    Returns how many were written."""
    todo = p.labels
    sem = asyncio.Semaphore(concurrency)
    done = 0

    async def one(s: Sample) -> None:
        nonlocal done
        async with sem:
            await client.objects.put(p.src, s.label_name, s.label.encode())
        done += 1
        if progress is not None:
            progress(done, len(todo))

    await asyncio.gather(*(one(s) for s in todo))
    return len(todo)


async def remove_labels(client: AISClient, p: ShardPlan, *, timeout: float = 300.0) -> list[str]:
    """Delete the ``.cls`` objects :func:`write_labels` wrote (one ``delete-listrange`` job,
    waited for). Returns the job ids (``[]`` when there were none)."""
    names = [s.label_name for s in p.labels]
    if not names:
        return []
    ids = await client.objects.delete_many(p.src, names=names)
    if ids:
        await client.jobs.wait(ids, timeout=timeout)
    return ids


async def wait_shards(client: AISClient, p: ShardPlan, ids: Sequence[str], *, timeout: float = 600.0,
                      poll: float = 0.5, progress: Callable[[int, int], None] | None = None) -> None:
    """Wait until every planned shard is listed in ``dst`` (an archive is stored whole when its
    job finalizes it), polling the listing of the shards' prefix every ``poll`` s;
    ``progress(listed, total)`` after each poll. The archive jobs ``ids`` are demand-driven and
    linger idle, so they are not waited for; one that failed or was aborted raises
    :class:`AISError` with its error. Raises :class:`~aistui.core.errors.RequestTimeout` after
    ``timeout`` s."""
    from .errors import RequestTimeout

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    want = set(p.shard_names)
    while True:
        have = {e[0] for e in await list_entries(client, p.dst, p.template_prefix)}
        if progress is not None:
            progress(len(want & have), len(want))
        for job_id in ids:
            job = await client.jobs.get(job_id)
            if job is not None and (job.error or job.state in ("aborted", "failed")):
                raise AISError(f"archive job {job_id} {job.state}: {job.error or 'no error text'}")
        if want <= have:
            return
        if loop.time() > deadline:
            raise RequestTimeout(f"{len(want - have)} shards", timeout, "waiting for the shards")
        await asyncio.sleep(poll)
