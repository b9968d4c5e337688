"""Verify the shards :mod:`aistui.core.shards` made, without downloading everything.

:func:`verify` checks, after the jobs ended, that every source object is in exactly one shard
(the planned one) with the same size, that no shard holds anything else, from the archive
listings (``LsArchDir``, one per shard) and a fresh source listing (stored checksums unchanged
since the plan), and compares the bytes of a sample of members (get-batch by ``archpath``) with
the source's stored checksum. :class:`Verification` is what it found (``docs/shards.md`` for
the JSON form).

Textual-free; raises :class:`~aistui.core.errors.AISError` subclasses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .shardplan import ShardPlan
from .shards import list_entries

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["Verification", "verify", "MAX_PROBLEMS"]

_SHARD_MEMBERS = 1_000_000  # members listed per shard, at most


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
    now = {n: (s, ck) for n, s, ck in await list_entries(client, p.src, p.prefix)}
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
