"""The shard planner, pure (no cluster, no I/O): WebDataset-style samples cut into shards.

A *sample* is the objects that share a key: the object name up to the first ``.`` of its base
name (WebDataset's rule): ``train/3/00017.png`` and ``train/3/00017.json`` are sample
``train/3/00017``. Two layouts (:func:`group_samples`):

* class folders (``train/<class>/x.png``): the first folder under the prefix is the sample's
  class, written into the shard as a ``.cls`` member (the folder name when it is an integer,
  else the class's index among the sorted folder names);
* flat files grouped by base name (``x.jpg`` + ``x.cls`` + ``x.json``): taken as they are.

:func:`assign` cuts the samples into :class:`Shard` s by estimated tar bytes (:func:`tar_size`:
a 512-byte header per member, data padded to 512) or by count, shuffled with a seed or in
order, named by a :class:`Template` (``shard-{000000..999999}.tar``, :func:`parse_template`);
:func:`parse_size` reads ``128MiB``. :class:`ShardPlan` is what
:func:`aistui.core.shards.plan` decided from one listing of the source; making the shards is
``core/shards.py``, checking them ``core/shardverify.py``.

Raises :class:`~aistui.core.errors.InvalidInput` for bad sizes, templates and options.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .errors import InvalidInput
from .models import Bck
from .names import validate_prefix

__all__ = ["ShardOptions", "Sample", "Shard", "ShardPlan", "Template", "parse_size", "parse_template",
           "group_samples", "assign", "tar_size", "ARCHIVE_EXTS", "DEFAULT_TEMPLATE", "LABEL_EXT"]

#: the archive formats of v1.5.0 ``archive.FileExtensions``
ARCHIVE_EXTS = (".tar", ".tgz", ".tar.gz", ".zip", ".tar.lz4")
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
