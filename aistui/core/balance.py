"""Class balance of a labeled dataset: objects (or shard samples) and bytes per class per split,
the imbalance ratio, empty classes and classes missing from a split, and class weights.

Labels come from the three sources the export understands (:mod:`aistui.export`):

* ``folder``: the folder holding the object inside its split (``train/3/00017.png`` → ``3``),
  :func:`~aistui.core.labels.folder_label`; the generated loader takes the same folder
  (``name.split("/")[-2]``);
* ``mapping``: a JSON file ``{object name or key: label}`` (``ais://bucket/labels.json`` or a
  local path), read ONCE; an object's label is the mapping's value for its full name, else for
  its WebDataset key (:func:`~aistui.core.labels.mapping_label`, as the generated loader looks
  it up);
* ``member``: the ``.cls`` member (``label_member``) of each sample of a WebDataset shard
  (``shard-000001.tar`` holding ``00017.png`` + ``00017.cls``): the members come from one
  archive listing per shard (``LsArchDir`` with the shard's full name as the prefix,
  :meth:`~aistui.core.multiobj.ObjectSets.iter_archives`, 8 at a time; never over the whole
  split: a v1.5.0 target leaves every non-archive object of such a listing open,
  ``cmn/archive/list.go``) and the labels, which are not in the names, from the ``.cls``
  members' contents read with **get-batch** (:meth:`~aistui.core.batch.BatchAPI.iter_batch`,
  ``GET /v1/ml/moss`` with ``archpath``, ``batch`` members a request). Shards are the names
  the cluster takes for archives (:func:`~aistui.core.archive.is_archive_name`). With
  ``max_shards`` a split holding more shards is an **estimate**: a random sample of
  ``max_shards`` of them (the split's listing counts them) is read, member listing and labels,
  and scaled up by shards. In a remote bucket only the shards the cluster holds are read (as
  the doctor does), so shards not in the cluster are left out of the count: prefetch them first.

Work: ONE streamed listing per split (``GET /v1/buckets/<b>`` ``{"action":"list"}``, props
``name,size``, through :meth:`~aistui.core.objects.ObjectAPI.iter_pages`), folded page by page
into counters; a :class:`BalanceSnapshot` after every page and every get-batch. Memory is
bounded by classes x splits (plus, for shards, the members of the 8 shards listed at a time, at most ``batch`` labels
waiting for get-batch and the ``max_shards`` names sampled), never by the number of objects;
the mapping file is the exception: it is held whole, as the loader holds it.

The label sources (folder, mapping file) live in ``core/labels.py``; the counts
(:class:`~aistui.core.balancemodel.BalanceSnapshot`, :class:`~aistui.core.balancemodel.Cell`) in
``core/balancemodel.py``.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .archive import is_archive_name
from .balancemodel import BalanceSnapshot, Cell
from .batch import BatchEntry
from .doctor import SPLITS, sample_key
from .errors import InvalidInput
from .labels import SOURCES, folder_label, mapping_label, natural_key, read_mapping
from .models import Bck
from .names import validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["list_dirs", "default_splits", "balance"]

_SPLIT_ORDER = ("train", "training", "val", "valid", "validation", "dev", "eval", "test", "testing")
_SHARD_MEMBERS = 100_000  # members listed per shard, at most


async def list_dirs(client: AISClient, bck: Bck, prefix: str = "") -> list[str]:
    """The child directories of ``prefix`` (relative, ending with ``/``), from a listing with
    ``LsNoRecursion``; name order."""
    validate_prefix(prefix)
    out: list[str] = []
    async for page in client.objects.iter_pages(bck, prefix=prefix, props="name", non_recursive=True):
        for e in page.entries or []:
            if e.is_dir and e.name.startswith(prefix) and len(e.name) > len(prefix):
                out.append(e.name[len(prefix):].rstrip("/") + "/")
    return sorted(set(out))


def default_splits(dirs: Iterable[str]) -> list[str]:
    """The directories named like splits (:data:`SPLITS`: ``train/``, ``val/``, ``test/``...),
    train first, then validation, then test; ``[""]`` (the prefix itself as one split) when
    there are none."""
    named = [d for d in dirs if d.rstrip("/").lower() in SPLITS]
    named.sort(key=lambda d: (_SPLIT_ORDER.index(d.rstrip("/").lower()), d))
    return named or [""]


@dataclass
class _Shard:
    name: str
    split: str
    samples: dict[str, list[int]] = field(default_factory=dict[str, list[int]])  # key -> [bytes, has label]
    scale: float = 1.0


@dataclass
class _State:
    bck: Bck
    prefix: str
    source: str
    splits: tuple[str, ...]
    expected: tuple[str, ...]
    acc: dict[tuple[str, str], list[float]] = field(default_factory=dict[tuple[str, str], list[float]])
    unlabeled: dict[str, float] = field(default_factory=dict[str, float])
    objects: int = 0
    bytes: int = 0
    pages: int = 0
    shards: int = 0
    shards_read: int = 0
    estimate: bool = False

    def add(self, cls: str, split: str, size: int, weight: float = 1.0) -> None:
        if not cls:
            self.unlabeled[split] = self.unlabeled.get(split, 0) + weight
            return
        c = self.acc.get((cls, split))
        if c is None:
            c = self.acc[(cls, split)] = [0.0, 0.0]
        c[0] += weight
        c[1] += size * weight

    def snapshot(self, done: bool = False) -> BalanceSnapshot:
        cells = {k: Cell(round(v[0]), round(v[1])) for k, v in self.acc.items()}
        names = {c for c, _ in cells} | set(self.expected)
        ints = [int(c) for c in names if c.isdigit()]
        if ints and len(ints) == len(names) and max(ints) < 10_000:  # integer labels: 0..max
            names |= {str(i) for i in range(max(ints) + 1)}
        return BalanceSnapshot(
            bck=self.bck, prefix=self.prefix, source=self.source, splits=self.splits, cells=cells,
            classes=tuple(sorted(names, key=natural_key)),
            unlabeled={s: round(n) for s, n in self.unlabeled.items()},
            objects=self.objects, bytes=self.bytes, pages=self.pages, shards=self.shards,
            shards_read=self.shards_read, estimate=self.estimate, done=done)


async def balance(client: AISClient, bck: Bck, prefix: str = "", splits: Sequence[str] | None = None, *,
                  source: str = "folder", label_file: str = "", label_member: str = "cls",
                  max_shards: int = 0, expected: Sequence[str] = (), batch: int = 64, page_size: int = 0,
                  seed: int = 0) -> AsyncIterator[BalanceSnapshot]:
    """Count ``bck``'s objects under ``prefix`` ("" or ending with ``/``) per class per split
    and yield a :class:`BalanceSnapshot` after every listing page and get-batch, the last with
    ``done``. ``splits`` are directories relative to ``prefix`` (``None``: the
    :func:`default_splits` of its child directories); ``source`` one of :data:`SOURCES`
    (``label_file`` for ``mapping``, ``label_member`` the label member's extension for
    ``member``); ``max_shards`` > 0 reads at most that many shards per split (a random sample,
    seeded by ``seed``: an estimate); ``expected`` classes count even when empty. Cancel by
    closing the generator.

    Raises :class:`InvalidInput` (an unknown source, a bad prefix or split, a bad mapping
    file), the listing's and get-batch's :class:`~aistui.core.errors.AISError` subclasses
    (missing bucket, transport, :class:`~aistui.core.errors.NotSupported` when get-batch is
    not served)."""
    if source not in SOURCES:
        raise InvalidInput(f"unknown label source {source!r} (one of {', '.join(SOURCES)})")
    validate_prefix(prefix)
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    mapping = await read_mapping(client, label_file) if source == "mapping" else {}
    if splits is None:
        splits = default_splits(await list_dirs(client, bck, prefix))
    picked = tuple(dict.fromkeys(s if not s or s.endswith("/") else s + "/" for s in splits))
    if not picked:
        raise InvalidInput("no split picked")
    for s in picked:
        validate_prefix(prefix + s)
    st = _State(bck, prefix, source, picked, tuple(expected))
    rng = random.Random(seed)
    for split in picked:
        base = prefix + split
        if source == "member":
            async for snap in _member_split(client, st, base, split, label_member, max_shards, batch,
                                            page_size, rng):
                yield snap
            continue
        async for page in client.objects.iter_pages(bck, prefix=base, props="name,size", page_size=page_size):
            st.pages += 1
            for e in page.entries or []:
                if e.is_dir:
                    continue
                st.objects += 1
                st.bytes += e.size
                if source == "folder":
                    st.add(folder_label(e.name[len(base):]), split, e.size)
                else:
                    st.add(mapping_label(mapping, e.name), split, e.size)
            yield st.snapshot()
    yield st.snapshot(done=True)


async def _member_split(client: AISClient, st: _State, base: str, split: str, member: str, max_shards: int,
                        batch: int, page_size: int, rng: random.Random) -> AsyncIterator[BalanceSnapshot]:
    """One split of WebDataset shards: one listing of the split (no ``LsArchDir``), then each
    shard's members from its own archive listing (:meth:`~aistui.core.multiobj.ObjectSets.iter_archives`,
    8 at a time; all shards page by page, or with ``max_shards`` smaller than the split's shard
    count a reservoir sample of them once the listing is done); the ``.cls`` members through
    get-batch. A remote bucket's shards are read only when the cluster holds them."""
    todo: list[tuple[BatchEntry, int, float]] = []  # (the .cls member, the sample's bytes, scale)
    ext = member.lstrip(".")
    remote = st.bck.is_remote
    props = "name,size,cached" if remote else "name,size"

    def fold(name: str, found: list[tuple[str, int]], scale: float) -> None:
        sh = _Shard(name, split, scale=scale)
        for m, size in found:
            key, kind = sample_key(m)
            s = sh.samples.setdefault(key, [0, 0])
            s[0] += size
            if kind == ext:
                s[1] = 1
        st.shards_read += 1
        for key, (size, has) in sorted(sh.samples.items()):
            if has:
                todo.append((BatchEntry(sh.name, f"{key}.{ext}"), size, sh.scale))
            else:
                st.add("", split, size, sh.scale)

    async def flush(all_: bool) -> AsyncIterator[BalanceSnapshot]:
        nonlocal todo
        while len(todo) >= batch or all_ and todo:
            now, todo = todo[:batch], todo[batch:]
            sizes = {(b.name, b.archpath): (size, scale) for b, size, scale in now}
            async for item in client.batch.iter_batch(st.bck, [b for b, _, _ in now], continue_on_error=True):
                size, scale = sizes[(item.name, item.archpath)]
                label = ""
                if item.data is not None:
                    label = item.data.decode("utf-8", "replace").strip()
                st.add(label, split, size, scale)
            yield st.snapshot()

    async def read(names: list[str], scale: float) -> AsyncIterator[BalanceSnapshot]:
        async for name, found, _truncated in client.objects.iter_archives(st.bck, names, limit=_SHARD_MEMBERS):
            fold(name, found, scale)
            async for snap in flush(False):
                yield snap

    sample: list[str] = []
    seen = 0
    async for page in client.objects.iter_pages(st.bck, prefix=base, props=props, page_size=page_size):
        st.pages += 1
        shards: list[str] = []
        for e in page.entries or []:
            if e.is_dir:
                continue
            st.objects += 1
            st.bytes += e.size
            if not is_archive_name(e.name):
                st.add("", split, e.size)  # not a shard: no member to label it
                continue
            st.shards += 1
            if remote and not e.is_cached:
                continue  # not in the cluster: no members listed (prefetch first)
            if max_shards <= 0:
                shards.append(e.name)
                continue
            seen += 1
            if len(sample) < max_shards:
                sample.append(e.name)
            else:  # reservoir sampling: every shard has the same chance to be read
                j = rng.randrange(seen)
                if j < max_shards:
                    sample[j] = e.name
        async for snap in read(shards, 1.0):
            yield snap
        yield st.snapshot()
    if max_shards > 0:
        scale = seen / len(sample) if sample else 1.0
        st.estimate = st.estimate or seen > len(sample)
        async for snap in read(sorted(sample), scale):
            yield snap
    async for snap in flush(True):
        yield snap
