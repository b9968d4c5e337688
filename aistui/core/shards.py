"""Make WebDataset-style shards on the cluster from a directory of samples, and verify them.

A *sample* is the objects that share a key: the object name up to the first ``.`` of its base
name (WebDataset's rule): ``train/3/00017.png`` and ``train/3/00017.json`` are sample
``train/3/00017``. Two layouts are read from ONE streamed listing of the source prefix
(``GET /v1/buckets/<b>`` ``list``, props ``name,size,checksum``):

* class folders (``train/<class>/x.png``): the first folder under the prefix is the sample's
  class, written into the shard as a ``.cls`` member (the folder name when it is an integer,
  else the class's index among the sorted folder names);
* flat files grouped by base name (``x.jpg`` + ``x.cls`` + ``x.json``): taken as they are.

The shards are made by the cluster's own multi-object archive job (``archive``; v1.5.0
``api.ArchiveMultiObj``: ``PUT /v1/buckets/<src>`` with ``{"action":"archive","value":
cmn.ArchiveBckMsg}``, one request per shard, ``ais archive bucket SRC DST/SHARD.tar --list ...``):
nothing is downloaded and uploaded again. The archive job packs only existing objects, and
stores each under its full object name (``BaseNameOnly`` exists in ``apc.ArchiveMsg`` but not in
the v1.5.0 CLI), so the labels are first written as tiny ``.cls`` objects next to their samples
in the source bucket (:func:`write_labels`), packed with them, and removed afterwards
(:func:`remove_labels`). Members keep their object names (``train/3/00017.png``,
``train/3/00017.cls``): WebDataset keys with folders.

dsort (``/v1/sort``) exists only in an ``aisnode`` built with the ``dsort`` build tag:
:func:`dsort_available` asks; the stock v1.5.0 node's stub answers a ``POST`` with 501 "dsort
not enabled (build with -tags=dsort)" (``ais/dsort_hdl_stub.go``). This module does not use dsort:
its input is shards (``ext/dsort/api.go`` ``input_format``), so it re-shards existing shards and
cannot make shards from loose samples.

:func:`verify` checks, after the jobs ended, that every source object is in exactly one shard
(the planned one) with the same size, that no shard holds anything else, from the archive
listings (``LsArchDir``, one per shard) and a fresh source listing (stored checksums unchanged
since the plan), and compares the bytes of a sample of members (get-batch by ``archpath``) with the source's
stored checksum, without downloading everything.

Textual-free; every function raises :class:`~aistui.core.errors.AISError` subclasses.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from .errors import AISError, BadRequest, InvalidInput, NotFound, NotSupported
from .models import Bck, ObjEntry
from .names import validate_object_name, validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ShardOptions", "Sample", "Shard", "ShardPlan", "Template", "Verification", "parse_size",
           "parse_template", "group_samples", "assign", "plan", "archive", "write_labels", "remove_labels",
           "wait_shards", "verify", "dsort_available", "tar_size", "ARCHIVE_EXTS", "DEFAULT_TEMPLATE",
           "LABEL_EXT"]

#: the archive formats of v1.5.0 ``archive.FileExtensions``
ARCHIVE_EXTS = (".tar", ".tgz", ".tar.gz", ".zip", ".tar.lz4")
_SHARD_MEMBERS = 1_000_000  # members listed per shard, at most
DEFAULT_TEMPLATE = "shard-{000000..999999}.tar"
LABEL_EXT = "cls"
_TAR_BLOCK = 512
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "ki": 1 << 10, "mi": 1 << 20, "gi": 1 << 30}


def parse_size(text: str) -> int:
    """``128MiB``, ``64MB``, ``1GiB``, ``4096`` → bytes (IEC and SI units, case-insensitive).
    Raises :class:`InvalidInput` for anything else or a size under 1 byte."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _UNITS:
        raise InvalidInput(f"not a size: {text!r} (e.g. 128MiB, 64MB, 1GiB)")
    n = int(float(m.group(1)) * _UNITS[unit])
    if n < 1:
        raise InvalidInput(f"size too small: {text!r}")
    return n


@dataclass(frozen=True)
class Template:
    """A shard name template ``head{START..END}tail`` (``train-{000000..000099}.tar``): names
    ``head`` + the number zero-padded to ``width`` + ``tail``; at most ``END - START + 1``."""

    head: str
    start: int
    end: int
    width: int
    tail: str

    @property
    def capacity(self) -> int:
        """How many names the range holds."""
        return self.end - self.start + 1

    def name(self, i: int) -> str:
        """The ``i``-th name (from 0). Raises :class:`InvalidInput` past the range."""
        if not 0 <= i < self.capacity:
            raise InvalidInput(f"the template {self} names {self.capacity} shards, not {i + 1}")
        return f"{self.head}{self.start + i:0{self.width}d}{self.tail}"

    def __str__(self) -> str:
        return f"{self.head}{{{self.start:0{self.width}d}..{self.end:0{self.width}d}}}{self.tail}"


def parse_template(text: str) -> Template:
    """Parse ``head{000000..000099}.tar`` (one brace range, an archive extension at the end,
    ``ARCHIVE_EXTS``). Raises :class:`InvalidInput` otherwise."""
    m = re.fullmatch(r"([^{}]*)\{(\d+)\.\.(\d+)\}([^{}]*)", text)
    if m is None:
        raise InvalidInput(f"not a shard name template: {text!r} (e.g. train-{{000000..000099}}.tar)")
    head, a, b, tail = m.groups()
    if not tail.endswith(ARCHIVE_EXTS):
        raise InvalidInput(f"a shard name must end with one of {', '.join(ARCHIVE_EXTS)}: {text!r}")
    if int(b) < int(a):
        raise InvalidInput(f"empty range in {text!r}")
    validate_prefix(head)
    return Template(head, int(a), int(b), max(len(a), len(b)) if a.startswith("0") else len(a), tail)


@dataclass(frozen=True)
class ShardOptions:
    """How to cut the samples into shards: ``size`` (bytes of tar per shard, estimated from the
    members' sizes: a 512-byte header each, data padded to 512, 1 KiB at the end) or ``count``
    (samples per shard), one of them; ``shuffle`` with ``seed`` (``random.Random(seed)``) or in
    name order; ``template`` the shard names; ``labels`` writes ``.cls`` members from the class
    folders."""

    size: int = 0
    count: int = 0
    shuffle: bool = False
    seed: int = 0
    template: str = DEFAULT_TEMPLATE
    labels: bool = True

    def check(self) -> None:
        """Raises :class:`InvalidInput` unless exactly one of ``size``/``count`` is positive."""
        if (self.size > 0) == (self.count > 0):
            raise InvalidInput("give a shard size or a number of samples per shard (one of them)")
        parse_template(self.template)


@dataclass(frozen=True)
class Sample:
    """One sample: its ``key`` (``train/3/00017``), its objects ``members`` (name, size bytes,
    stored checksum), ``label`` (the ``.cls`` content to write, or ``""`` when none is written)."""

    key: str
    members: tuple[tuple[str, int, str], ...]
    label: str = ""

    @property
    def label_name(self) -> str:
        """The ``.cls`` object written for the label (``""`` without a label)."""
        return f"{self.key}.{LABEL_EXT}" if self.label else ""

    def names(self) -> list[str]:
        """The objects the archive job packs for this sample (the label object included)."""
        out = [m[0] for m in self.members]
        if self.label:
            out.append(self.label_name)
        return sorted(out)

    def tar_bytes(self) -> int:
        """This sample's share of a tar (bytes): :func:`tar_size` of its members."""
        sizes = [(m[0], m[1]) for m in self.members]
        if self.label:
            sizes.append((self.label_name, len(self.label.encode())))
        return sum(tar_size(n, s) for n, s in sizes)


def tar_size(name: str, size: int) -> int:
    """Bytes one member takes in a tar: a header, the data padded to 512, and a PAX header
    (2 blocks) for names over 99 bytes."""
    blocks = 1 + (size + _TAR_BLOCK - 1) // _TAR_BLOCK + (2 if len(name.encode()) > 99 else 0)
    return blocks * _TAR_BLOCK


@dataclass(frozen=True)
class Shard:
    """One planned shard: ``name`` in the destination bucket, its ``samples``, ``est_bytes``
    (the tar's estimated size)."""

    name: str
    samples: tuple[Sample, ...]
    est_bytes: int

    def names(self) -> list[str]:
        """Every object the archive job packs into this shard."""
        return [n for s in self.samples for n in s.names()]


@dataclass(frozen=True)
class ShardPlan:
    """What :func:`plan` decided: from ``src``/``prefix`` into ``dst`` (names ``dst_prefix`` +
    the template's); ``layout`` ``class folders`` or ``flat``; ``classes`` (folder → label text);
    ``shards``; ``objects``/``bytes`` the source objects and their bytes; ``ck_type`` the source
    bucket's checksum type; ``source`` every source object's (size, checksum) at planning time."""

    src: Bck
    prefix: str
    dst: Bck
    dst_prefix: str
    options: ShardOptions
    layout: str
    classes: dict[str, str]
    shards: tuple[Shard, ...]
    objects: int
    bytes: int
    ck_type: str = "xxhash2"
    source: dict[str, tuple[int, str]] = field(default_factory=lambda: dict[str, tuple[int, str]]())

    @property
    def samples(self) -> int:
        """How many samples the shards hold."""
        return sum(len(s.samples) for s in self.shards)

    @property
    def labels(self) -> list[Sample]:
        """The samples that get a ``.cls`` object written."""
        return [s for sh in self.shards for s in sh.samples if s.label]

    @property
    def shard_names(self) -> list[str]:
        """The shards' object names in ``dst``."""
        return [s.name for s in self.shards]

    def base_clashes(self, limit: int = 10) -> list[str]:
        """Samples whose base key (``00017`` of ``train/3/00017``) another sample in the same
        shard shares, as ``shard: key`` (at most ``limit``). The SDK's ``AISShardReader`` groups
        a shard's members by base name (``aistore.pytorch.utils.get_basename``), so it would
        merge such samples; WebDataset's own keys keep the folders."""
        out: list[str] = []
        for sh in self.shards:
            seen: set[str] = set()
            for smp in sh.samples:
                base = smp.key.rsplit("/", 1)[-1]
                if base in seen and len(out) < limit:
                    out.append(f"{sh.name}: {smp.key}")
                seen.add(base)
        return out

    @property
    def template_prefix(self) -> str:
        """The listing prefix that holds every shard (``dst_prefix`` + the template's head)."""
        return self.dst_prefix + parse_template(self.options.template).head


def _key(name: str) -> str:
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    return name if dot < 0 else name[:dot]


def _label_text(folder: str, folders: Sequence[str]) -> str:
    return folder if folder.isdigit() else str(sorted(folders).index(folder))


def group_samples(entries: Iterable[tuple[str, int, str]], prefix: str, *, labels: bool = True
                  ) -> tuple[list[Sample], str, dict[str, str]]:
    """Group ``(name, size, checksum)`` objects under ``prefix`` into samples by key. Returns
    ``(samples in key order, layout, classes)``: the layout is ``class folders`` when every object
    is in a folder under ``prefix``, else ``flat``; ``classes`` maps each folder to its label
    text. A class-folder sample gets a ``.cls`` label unless ``labels`` is off or it has a
    ``.cls`` member already. Raises :class:`InvalidInput` when nothing is there."""
    by_key: dict[str, list[tuple[str, int, str]]] = {}
    folders: set[str] = set()
    flat = False
    for name, size, ck in entries:
        rel = name[len(prefix):]
        if "/" in rel:
            folders.add(rel.split("/", 1)[0])
        else:
            flat = True
        by_key.setdefault(_key(name), []).append((name, size, ck))
    if not by_key:
        raise InvalidInput(f"no objects under {prefix or 'the bucket'!r}")
    layout = "flat" if flat or not folders else "class folders"
    classes = {f: _label_text(f, sorted(folders)) for f in sorted(folders)} if layout != "flat" else {}
    out: list[Sample] = []
    for key in sorted(by_key):
        members = tuple(sorted(by_key[key]))
        label = ""
        if classes and labels and not any(m[0].endswith("." + LABEL_EXT) and _key(m[0]) == key for m in members):
            label = classes[key[len(prefix):].split("/", 1)[0]]
        out.append(Sample(key, members, label))
    return out, layout, classes


def assign(samples: Sequence[Sample], options: ShardOptions, dst_prefix: str = "") -> list[Shard]:
    """Cut ``samples`` into shards (pure): shuffled with ``random.Random(seed)`` or in order,
    then filled up to ``options.size`` estimated tar bytes (at least one sample a shard) or
    ``options.count`` samples. Names from the template, after ``dst_prefix``. Raises
    :class:`InvalidInput` when the template holds too few names."""
    options.check()
    tmpl = parse_template(options.template)
    order = list(samples)
    if options.shuffle:
        random.Random(options.seed).shuffle(order)
    groups: list[list[Sample]] = []
    cur: list[Sample] = []
    cur_bytes = 2 * _TAR_BLOCK
    for s in order:
        b = s.tar_bytes()
        full = (len(cur) >= options.count) if options.count else (cur_bytes + b > options.size)
        if cur and full:
            groups.append(cur)
            cur, cur_bytes = [], 2 * _TAR_BLOCK
        cur.append(s)
        cur_bytes += b
    if cur:
        groups.append(cur)
    if len(groups) > tmpl.capacity:
        raise InvalidInput(f"{len(groups):,} shards needed, the template {tmpl} names {tmpl.capacity:,}")
    return [Shard(dst_prefix + tmpl.name(i), tuple(g), 2 * _TAR_BLOCK + sum(s.tar_bytes() for s in g))
            for i, g in enumerate(groups)]


async def _ck_type(client: AISClient, bck: Bck) -> str:
    props = await client.buckets.head(bck)
    ck: Any = props.get("checksum")
    t = cast(dict[str, Any], ck).get("type") if isinstance(ck, dict) else None
    return t if isinstance(t, str) else "xxhash2"


async def _listing(client: AISClient, bck: Bck, prefix: str) -> list[tuple[str, int, str]]:
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
    ``name,size,checksum``) into ``dst`` (:func:`group_samples`, :func:`assign`). Raises
    :class:`InvalidInput` for bad options, nothing to shard, a name the archive request would
    refuse (checked here, before anything is written), shards that would land under the
    source prefix, or shards that exist already in ``dst`` (:func:`wait_shards` could not tell
    them from new ones);
    :class:`BucketNotFound` for a missing source."""
    options.check()
    validate_prefix(prefix)
    validate_prefix(dst_prefix)
    head = dst_prefix + parse_template(options.template).head
    if dst == src and head.startswith(prefix):
        raise InvalidInput(f"the shards ({dst}/{head}...) would land under the source {src}/{prefix}")
    ck_type = await _ck_type(client, src)
    objs = await _listing(client, src, prefix)
    samples, layout, classes = group_samples(objs, prefix, labels=options.labels)
    shards = assign(samples, options, dst_prefix)
    for shard in shards:  # before anything is written: a name the archive request would refuse
        validate_object_name(shard.name)
        for n in shard.names():
            validate_object_name(n)
    if await client.buckets.exists(dst):
        have = {e[0] for e in await _listing(client, dst, head)}
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
        have = {e[0] for e in await _listing(client, p.dst, p.template_prefix)}
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


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` checked and found. ``ok`` when ``problems`` is empty. ``shards`` listed,
    ``members`` found in them, ``objects`` source objects checked by name and size (each in
    exactly one shard), ``labels`` ``.cls`` members checked by size, ``bytes_compared`` members
    whose bytes were read (get-batch) and hashed against the source's stored checksum,
    ``checksum_type``; ``problems`` one line each (at most ``MAX_PROBLEMS`` kept, ``problem_count``
    all of them)."""

    shards: int
    members: int
    objects: int
    labels: int
    bytes_compared: int
    checksum_type: str
    problems: tuple[str, ...]
    problem_count: int

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return self.problem_count == 0

    def summary(self) -> str:
        """One line for a toast or a log."""
        head = (f"{self.shards} shards, {self.objects:,} objects in exactly one shard each (name, size), "
                f"{self.labels:,} labels, {self.bytes_compared} members' bytes vs {self.checksum_type}")
        if self.ok:
            return f"verified: {head}"
        return f"verification FAILED ({self.problem_count} problems): {self.problems[0]}"

    def to_json(self) -> dict[str, Any]:
        """The JSON form (``docs/shards.md``)."""
        return {"ok": self.ok, "shards": self.shards, "members": self.members, "objects": self.objects,
                "labels": self.labels, "bytes_compared": self.bytes_compared,
                "checksum_type": self.checksum_type, "problem_count": self.problem_count,
                "problems": list(self.problems)}


MAX_PROBLEMS = 50


async def _members(client: AISClient, p: ShardPlan) -> dict[str, list[tuple[str, str, int]]]:
    """member name → [(shard, member, size)] from one archive listing per planned shard
    (:meth:`~aistui.core.multiobj.ObjectSets.iter_archives`, 8 at a time). Not one ``LsArchDir``
    listing of the template's prefix: ``dst`` may hold many other objects there, and a v1.5.0
    target leaves every non-archive object of such a listing open (``cmn/archive/list.go``)."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    async for sh, found, _truncated in client.objects.iter_archives(p.dst, p.shard_names, limit=_SHARD_MEMBERS):
        for member, size in found:
            out.setdefault(member, []).append((sh, member, size))
    return out


async def verify(client: AISClient, p: ShardPlan, *, sample: int = 32, seed: int = 0) -> Verification:
    """Check the shards of ``p`` once the jobs ended (see the module docstring): from the archive
    listing of ``dst`` (members and sizes) and a fresh listing of the source (size and stored
    checksum, compared with the plan's), every source object must be a member of exactly its
    planned shard with its size, every label a member with its text's size, and nothing else in
    the shards; then ``sample`` source members (``0``: none, ``-1``: all) plus one label in 8 of
    that (all with ``-1``) are read with get-batch by ``archpath`` (one request) and hashed with
    the source bucket's checksum type (:mod:`.checksum`) against the stored checksum (labels
    compared with their text)."""
    from .batch import BatchEntry
    from .checksum import new_hasher

    problems: list[str] = []
    where = {n: sh.name for sh in p.shards for smp in sh.samples for n in smp.names()}
    labels = {s.label_name: s.label for s in p.labels}
    members = await _members(client, p)
    listed = {sh for lst in members.values() for sh, _, _ in lst}
    for sh in p.shard_names:
        if sh not in listed:
            problems.append(f"{p.dst}/{sh}: missing or empty")
    now = {n: (s, ck) for n, s, ck in await _listing(client, p.src, p.prefix)}
    checked = 0
    for name, (size, ck) in sorted(p.source.items()):
        got = members.get(name, [])
        cur = now.get(name)
        if cur is None:
            problems.append(f"{p.src}/{name}: in the plan, gone from the source")
        elif cur != (size, ck):
            problems.append(f"{p.src}/{name}: changed since the plan (size or checksum)")
        if len(got) != 1:
            problems.append(f"{name}: in {len(got)} shards" + (f" ({', '.join(g[0] for g in got)})" if got else ""))
            continue
        sh, _, msize = got[0]
        if sh != where.get(name):
            problems.append(f"{name}: in {sh}, planned for {where.get(name)}")
        if msize != size:
            problems.append(f"{name}: {msize} bytes in {sh}, {size} in the source")
        checked += 1
    for name in sorted(set(now) - set(p.source) - set(labels)):
        problems.append(f"{p.src}/{name}: in the source, in no plan (added since?)")
    for name, text in sorted(labels.items()):
        got = members.get(name, [])
        if len(got) != 1 or got[0][2] != len(text.encode()):
            problems.append(f"{name}: label in {len(got)} shards" + (f", {got[0][2]} bytes" if got else ""))
    for name in sorted(set(members) - set(p.source) - set(labels)):
        problems.append(f"{members[name][0][0]}/{name}: in a shard, not a source object")
    # bytes: a sample of members read from the shards by archpath
    hashable = [n for n in sorted(p.source) if len(members.get(n, [])) == 1 and p.source[n][1]]
    pick = hashable if sample < 0 else random.Random(seed).sample(hashable, min(sample, len(hashable)))
    lab = [n for n in sorted(labels) if len(members.get(n, [])) == 1]
    pick += lab if sample < 0 else lab[:sample // 8 + 1] if sample else []
    compared = 0
    if pick and new_hasher(p.ck_type) is not None:
        entries = [BatchEntry(members[n][0][0], archpath=n) for n in pick]
        async for item in client.batch.iter_batch(p.dst, entries):
            if item.data is None:
                problems.append(f"{item.name}/{item.archpath}: unreadable ({item.error})")
                continue
            compared += 1
            if item.archpath in labels:
                if item.data != labels[item.archpath].encode():
                    problems.append(f"{item.name}/{item.archpath}: label bytes differ")
                continue
            h = new_hasher(p.ck_type)
            assert h is not None
            h.update(item.data)
            if h.hexdigest() != p.source[item.archpath][1]:
                problems.append(f"{item.name}/{item.archpath}: bytes differ from {p.src}/{item.archpath} "
                                f"({p.ck_type})")
    return Verification(len(listed & set(p.shard_names)), sum(len(v) for v in members.values()), checked,
                        len(labels), compared, p.ck_type, tuple(problems[:MAX_PROBLEMS]), len(problems))
