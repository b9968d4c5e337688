"""The dataset doctor: one streaming scan of a bucket or prefix that reports what is wrong with a
dataset, as :class:`Finding` objects, with :class:`ScanProgress` between them.

What it checks, and where the work happens (the cluster does the heavy part):

* **one recursive listing** (``GET /v1/buckets/<b>`` with ``{"action":"list"}``, through
  :meth:`~aistui.core.objects.ObjectAPI.iter_pages`), props ``name,size,checksum`` (plus
  ``cached`` for a remote bucket), and for every shard it lists (``.tar``, ``.tgz``,
  ``.tar.gz``, ``.zip``, ``.tar.lz4``) the shard's members as the cluster lists them
  (:meth:`~aistui.core.objects.ObjectAPI.list_archive`: ``LsArchDir`` with the shard's name as
  the prefix; up to :data:`SHARD_LISTINGS` at a time). Not one ``LsArchDir`` listing of the
  whole prefix: a v1.5.0 target opens every object of such a listing to look at its extension
  and leaves the file open when it is not an archive (``cmn/archive/list.go`` ``List``), so a
  bucket of more objects than its open-files limit (20,000 here) made the target disable its
  last mountpath and leave the cluster. A remote bucket's shards are listed only when the
  cluster holds them (``LsArchDir`` lists nothing else). From the listings alone:

  - ``empty``: zero-byte objects;
  - ``name-case`` / ``name-unicode``: names that differ from another only by case, or only by
    Unicode normalization (NFC vs NFD);
  - ``duplicate``: the same content (size and the checksum the cluster stored, no data read) as
    an earlier object; ``leak`` when the two are in different splits (``train/``, ``val/``,
    ``test/``...): the same sample trains and evaluates;
  - ``cannot-tell``: objects of a remote bucket that are not in the cluster, whose listed
    checksum is absent or the backend's ETag (cloud buckets): their duplicates are not guessed;
    one finding counts them all (its ``name`` is the first);
  - ``shard-missing``: a sample of a shard (WebDataset: members sharing a key, ``00017.png`` +
    ``00017.cls``) without a member the shard's other samples have (its ``related``);
  - ``imbalance``: a class directory (``<split>/<class>/``) with ``ratio`` times fewer objects
    than the split's largest class.

* ``undecodable``: images (by extension) Pillow cannot decode, read with **get-batch**
  (:meth:`~aistui.core.batch.BatchAPI.iter_batch`, ``GET /v1/ml/moss``, ``batch`` objects a
  request), a random sample of them or all, and decoded on a thread (off the event loop).

Memory is bounded by the number of directories, classes and the members of one shard, with two
exceptions that duplicates and name clashes need: the map of content (size, checksum) → first
object name and the map of folded name (NFC, case-folded) → first object name, one entry per
object. Image names waiting for get-batch are at most ``batch`` (all) or ``sample`` (a sample).
"""

from __future__ import annotations

import asyncio
import io
import random
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .archive import ARCHIVE_EXTS, is_archive_name
from .models import Bck, ObjEntry
from .multiobj import ARCHIVE_LISTINGS
from .names import validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["KINDS", "SPLITS", "IMAGE_EXTS", "SHARD_EXTS", "SHARD_LISTINGS", "Finding", "ScanProgress",
           "DoctorOptions", "scan", "split_of", "sample_key", "decode_error"]

#: every kind of finding, with what it means (the order the screen groups them in)
KINDS: dict[str, str] = {
    "undecodable": "images Pillow cannot decode",
    "empty": "zero-byte objects",
    "leak": "the same content in two splits (train/val leakage)",
    "duplicate": "the same content as another object (stored checksums)",
    "shard-missing": "shard samples missing a member",
    "imbalance": "classes with far fewer objects than the largest",
    "name-case": "names that differ only by case",
    "name-unicode": "names that differ only by Unicode normalization (NFC vs NFD)",
    "cannot-tell": "remote objects not in the cluster: no usable checksum",
}
#: directory names taken as dataset splits (compared lower-case)
SPLITS = frozenset({"train", "training", "val", "valid", "validation", "dev", "test", "testing", "eval"})
#: object name extensions checked with Pillow (compared lower-case)
IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"})
#: object name endings listed as shards (the formats a v1.5.0 cluster lists, ``cmn/archive``;
#: case-sensitive, as the cluster compares them)
SHARD_EXTS = ARCHIVE_EXTS
#: shard listings in flight at a time
SHARD_LISTINGS = ARCHIVE_LISTINGS
_SHARD_MEMBERS = 100_000  # members listed per shard, at most
_CLOUD = frozenset({"aws", "gcp", "azure", "oci"})  # listed checksums of objects not cached: ETags


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong: ``kind`` (a key of :data:`KINDS`), ``name`` the object's full name in the
    bucket (the shard for ``shard-missing``, the class directory ending with ``/`` for
    ``imbalance``), ``detail`` a sentence, ``related`` the other object (the first with the same
    content or a name that clashes) or, for ``shard-missing``, the missing member (``00017.cls``),
    and ``count`` the objects it stands for (``cannot-tell``; 1 otherwise)."""

    kind: str
    name: str
    detail: str
    related: str = ""
    count: int = 1


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """How far the scan is: ``phase`` (``listing``, ``images``, ``done``), ``objects`` and
    ``bytes`` (bytes) listed so far, listing ``pages``, ``shards`` whose members were listed,
    ``images_checked`` of ``images_total`` (known once the listing is done; with ``all`` it
    grows as the listing goes), and ``findings`` so far."""

    phase: str
    objects: int
    bytes: int
    pages: int
    shards: int
    images_checked: int
    images_total: int
    findings: int

    @property
    def done(self) -> bool:
        return self.phase == "done"


@dataclass(frozen=True, slots=True)
class DoctorOptions:
    """``images``: ``sample`` (decode a random ``sample`` of the images, seeded by ``seed``),
    ``all`` or ``none``; ``batch``: objects per get-batch request; ``max_image_bytes``: larger
    images are not read (bytes); ``shards``: list each shard's members (one archive listing per shard);
    ``imbalance_ratio``: a class with this many times fewer objects than its split's largest is
    reported; ``page_size``: listing page (0: the cluster's maximum)."""

    images: Literal["sample", "all", "none"] = "sample"
    sample: int = 200
    batch: int = 64
    max_image_bytes: int = 32 * 1024 * 1024
    shards: bool = True
    imbalance_ratio: float = 4.0
    seed: int = 0
    page_size: int = 0


def split_of(name: str) -> str:
    """The split object ``name`` belongs to: its first directory that is one of :data:`SPLITS`,
    lower-case (``data/train/3/x.png`` → ``train``); "" when none is."""
    for seg in name.split("/")[:-1]:
        if seg.lower() in SPLITS:
            return seg.lower()
    return ""


def sample_key(member: str) -> tuple[str, str]:
    """A shard member as WebDataset groups it: ``(key, extension)``, the key being everything up
    to the first dot of the last path segment (``a/00017.seg.png`` → ``("a/00017", "seg.png")``)."""
    cut = member.rfind("/") + 1
    dot = member.find(".", cut)
    return (member, "") if dot < 0 else (member[:dot], member[dot + 1:])


def decode_error(data: bytes) -> str:
    """Decode an image fully with Pillow; "" when it decodes, else why not (one line). Blocking:
    run it on a thread."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    except Exception as e:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, ...)
        return f"{type(e).__name__}: {e}".splitlines()[0]
    return ""


@dataclass
class _State:
    """The scan's running state (see the module docstring for what grows with what)."""

    bck: Bck
    prefix: str
    opts: DoctorOptions
    content: dict[tuple[int, str], str] = field(default_factory=dict[tuple[int, str], str])
    folded: dict[str, str] = field(default_factory=dict[str, str])
    classes: dict[str, dict[str, int]] = field(default_factory=dict[str, dict[str, int]])
    images: list[str] = field(default_factory=list[str])
    images_seen: int = 0
    images_checked: int = 0
    cannot_tell: int = 0
    cannot_tell_first: str = ""
    objects: int = 0
    bytes: int = 0
    pages: int = 0
    nshards: int = 0
    findings: int = 0


def _names(st: _State, name: str) -> Finding | None:
    norm = unicodedata.normalize("NFC", name)
    key = norm.casefold()
    first = st.folded.setdefault(key, name)
    if first == name:
        return None
    if unicodedata.normalize("NFC", first) == norm:
        return Finding("name-unicode", name, f"differs from {first!r} only by Unicode normalization (NFC vs NFD)",
                       first)
    return Finding("name-case", name, f"differs from {first!r} only by case", first)


def _content(st: _State, e: ObjEntry) -> Finding | None:
    if st.bck.is_remote and not e.is_cached and (not e.checksum or st.bck.provider in _CLOUD):
        st.cannot_tell += 1
        st.cannot_tell_first = st.cannot_tell_first or e.name
        return None
    if not e.checksum:
        return None  # a bucket with checksums off: nothing to compare
    first = st.content.setdefault((e.size, e.checksum), e.name)
    if first == e.name:
        return None
    a, b = split_of(first), split_of(e.name)
    if a and b and a != b:
        return Finding("leak", e.name, f"in {b}/ with the same content as {first} in {a}/ ({e.size:,} bytes)", first)
    return Finding("duplicate", e.name, f"the same content as {first} ({e.size:,} bytes, checksum {e.checksum})",
                   first)


def _count_class(st: _State, name: str) -> None:
    segs = name.split("/")
    for i, seg in enumerate(segs[:-2]):
        if seg.lower() in SPLITS:
            split = "/".join(segs[:i + 1]) + "/"
            per = st.classes.setdefault(split, {})
            per[segs[i + 1]] = per.get(segs[i + 1], 0) + 1
            return


def _imbalance(st: _State) -> list[Finding]:
    out: list[Finding] = []
    for split, per in sorted(st.classes.items()):
        if len(per) < 2:
            continue
        top, most = max(per.items(), key=lambda kv: (kv[1], kv[0]))
        for cls, n in sorted(per.items()):
            if most >= n * st.opts.imbalance_ratio:
                objects = f"{n:,} object{'' if n == 1 else 's'}"
                out.append(Finding("imbalance", f"{split}{cls}/",
                                   f"{objects} against {most:,} in {split}{top}/ ({most / n:.1f}x, "
                                   f"reported from {st.opts.imbalance_ratio:g}x)", count=n))
    return out


def _shard_findings(shard: str, members: list[tuple[str, int]], truncated: bool) -> list[Finding]:
    """The samples of ``shard`` (members ``(name, size)``) missing a member the others have."""
    samples: dict[str, set[str]] = {}
    for m, _ in members:
        key, ext = sample_key(m)
        samples.setdefault(key, set()).add(ext)
    exts: set[str] = set()
    for have in samples.values():
        exts |= have
    out: list[Finding] = []
    for key, have in sorted(samples.items()):
        for ext in sorted(exts - have):
            out.append(Finding("shard-missing", shard,
                               f"sample {key} has no .{ext} (its members: {', '.join(sorted(have))})"
                               + (f"; only the first {len(members):,} members were listed" if truncated else ""),
                               f"{key}.{ext}"))
    return out


async def _check_shards(client: AISClient, st: _State, names: list[str]) -> list[Finding]:
    """List the members of ``names`` (shards of one page), :data:`SHARD_LISTINGS` at a time
    (:meth:`~aistui.core.multiobj.ObjectSets.iter_archives`: one archive listing per shard)."""
    out: list[Finding] = []
    async for name, members, truncated in client.objects.iter_archives(st.bck, names, limit=_SHARD_MEMBERS,
                                                                       concurrency=SHARD_LISTINGS):
        st.nshards += 1
        out += _shard_findings(name, members, truncated)
    return out


def _progress(st: _State, phase: str) -> ScanProgress:
    total = st.images_seen if st.opts.images == "all" else min(st.images_seen, st.opts.sample)
    if st.opts.images == "none":
        total = 0
    return ScanProgress(phase, st.objects, st.bytes, st.pages, st.nshards, st.images_checked, total, st.findings)


async def _check_images(client: AISClient, st: _State, names: list[str]) -> AsyncIterator[Finding]:
    async for item in client.batch.iter_batch(st.bck, names, continue_on_error=True):
        st.images_checked += 1
        if item.data is None:
            yield Finding("undecodable", item.name, f"could not be read: {item.error}")
            continue
        why = await asyncio.to_thread(decode_error, item.data)
        if why:
            yield Finding("undecodable", item.name, f"Pillow cannot decode it ({len(item.data):,} bytes): {why}")


def _is_image(e: ObjEntry, opts: DoctorOptions) -> bool:
    dot = e.name.rfind(".")
    return (0 < e.size <= opts.max_image_bytes and dot > e.name.rfind("/")
            and e.name[dot:].lower() in IMAGE_EXTS)


async def scan(client: AISClient, bck: Bck, prefix: str = "",
               options: DoctorOptions | None = None) -> AsyncIterator[Finding | ScanProgress]:
    """Scan ``bck`` under ``prefix`` and yield each :class:`Finding` as it is found, a
    :class:`ScanProgress` after every listing page and image batch, and a last one with
    ``phase == "done"`` (the module docstring says what is checked and what memory grows with).
    Findings of one listing page come in name order, then the page's ``shard-missing`` (its
    shards' archive listings), ``imbalance`` and ``cannot-tell`` at the end of the listing, ``undecodable`` as
    get-batch answers (at the end for a sample). Cancel by closing the generator.

    Raises :class:`~aistui.core.errors.InvalidInput` for a prefix the cluster would refuse and
    the listing's and get-batch's :class:`~aistui.core.errors.AISError` subclasses (missing
    bucket, transport, :class:`~aistui.core.errors.NotSupported` when get-batch is not served)."""
    validate_prefix(prefix)
    opts = options or DoctorOptions()
    st = _State(bck, prefix, opts)
    rng = random.Random(opts.seed)
    props = "name,size,checksum,cached" if bck.is_remote else "name,size,checksum"
    async for page in client.objects.iter_pages(bck, prefix=prefix, props=props, page_size=opts.page_size):
        st.pages += 1
        found: list[Finding] = []
        shards: list[str] = []
        for e in page.entries or []:
            if e.is_dir:
                continue
            st.objects += 1
            st.bytes += e.size
            clash = _names(st, e.name)
            if clash is not None:
                found.append(clash)
            _count_class(st, e.name)
            if e.size == 0:
                found.append(Finding("empty", e.name, "0 bytes"))
                continue
            dup = _content(st, e)
            if dup is not None:
                found.append(dup)
            if opts.shards and is_archive_name(e.name) and (not bck.is_remote or e.is_cached):
                shards.append(e.name)
            if opts.images != "none" and _is_image(e, opts):
                st.images_seen += 1
                if opts.images == "all":
                    st.images.append(e.name)
                elif len(st.images) < opts.sample:
                    st.images.append(e.name)
                else:  # reservoir sampling: every image has the same chance to be in the sample
                    j = rng.randrange(st.images_seen)
                    if j < opts.sample:
                        st.images[j] = e.name
        if shards:
            found += await _check_shards(client, st, shards)
        if page.done:
            found += _imbalance(st)
            if st.cannot_tell:
                found.append(Finding("cannot-tell", st.cannot_tell_first,
                                     f"{st.cannot_tell:,} objects of {bck} are not in the cluster and the backend "
                                     "lists no checksum for them, or an ETag: duplicates among them are not told",
                                     count=st.cannot_tell))
        for f in found:
            st.findings += 1
            yield f
        yield _progress(st, "listing")
        if page.done and opts.images == "sample":
            st.images.sort()
        while opts.images == "all" and len(st.images) >= opts.batch or page.done and st.images:
            todo, st.images = st.images[:opts.batch], st.images[opts.batch:]
            async for f in _check_images(client, st, todo):
                st.findings += 1
                yield f
            yield _progress(st, "images")
    yield _progress(st, "done")
