"""Demo and test data derived from real images bundled in PyPI packages (no download).

Sources (scikit-learn's wheel, installed with the ``demo`` extra):

* ``digits``: ``sklearn.datasets.load_digits`` - 1,797 real 8x8 handwritten digits with labels
  0-9, written as grayscale PNGs upscaled ``scale`` times;
* ``sample_images``: ``china.jpg`` and ``flower.jpg`` from ``sklearn/datasets/images``.

:func:`build` follows the recipe in ``assets/demo.json``: class-folder layouts
(``train/3/00017.png``), WebDataset tar shards (``shard-000000.tar`` holding ``00017.png`` +
``00017.cls``) made with :mod:`tarfile`, and plain files. It uploads through the core, so it
exercises the same code as the console.

:func:`flawed` (recipe kind ``flawed``, bucket ``ais://flawed``) is a small class-folder dataset
from the same digits with deliberate flaws for the dataset doctor to find, each listed in
:attr:`Flawed.planted`: exact duplicates, a train/val leak, a truncated PNG, an empty object, a
shard whose sample has no ``.cls`` and a class with far fewer images than the others.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidInput
from ..core.models import Bck

if TYPE_CHECKING:
    from ..core.client import AISClient

__all__ = ["Sample", "Flawed", "digits", "sample_images", "load_recipe", "build", "make_shards", "flawed",
           "build_flawed"]


@dataclass(frozen=True)
class Sample:
    """One labelled image: ``key`` (zero-padded index), ``label`` (int), ``data`` (encoded bytes),
    ``ext`` (``png``/``jpg``)."""

    key: str
    label: int
    data: bytes
    ext: str


def _need_sklearn() -> Any:
    try:
        import sklearn.datasets as ds
    except ImportError:
        raise InvalidInput("demo data needs scikit-learn: pip install 'aistui[demo]'") from None
    return ds


def digits(scale: int = 4, limit: int | None = None) -> Iterator[Sample]:
    """Yield the real handwritten digits as PNG samples (``8*scale`` px square, grayscale)."""
    ds = _need_sklearn()
    from PIL import Image

    d = ds.load_digits()
    n = len(d.target) if limit is None else min(limit, len(d.target))
    for i in range(n):
        pixels = (d.images[i] * (255.0 / 16.0)).clip(0, 255).astype("uint8")
        img = Image.fromarray(pixels, mode="L")
        if scale > 1:
            img = img.resize((8 * scale, 8 * scale), Image.Resampling.NEAREST)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=False)
        yield Sample(key=f"{i:05d}", label=int(d.target[i]), data=buf.getvalue(), ext="png")


def sample_images() -> Iterator[tuple[str, bytes]]:
    """Yield ``(file name, JPEG bytes)`` for the photos bundled in scikit-learn."""
    ds = _need_sklearn()
    folder = Path(ds.__file__).parent / "images"
    for name in ("china.jpg", "flower.jpg"):
        yield name, (folder / name).read_bytes()


def make_shards(samples: list[Sample], shard_size: int, *,
                drop: frozenset[str] = frozenset()) -> Iterator[tuple[str, bytes]]:
    """WebDataset shards: ``(shard-NNNNNN.tar, tar bytes)``, each member ``<key>.<ext>`` plus
    ``<key>.cls`` (the label as text). Member names in ``drop`` are left out (a flawed shard)."""
    for s_i in range(0, len(samples), shard_size):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for smp in samples[s_i:s_i + shard_size]:
                for name, payload in ((f"{smp.key}.{smp.ext}", smp.data), (f"{smp.key}.cls", str(smp.label).encode())):
                    if name in drop:
                        continue
                    info = tarfile.TarInfo(name)
                    info.size = len(payload)
                    info.mtime = 0
                    tar.addfile(info, io.BytesIO(payload))
        yield f"shard-{s_i // shard_size:06d}.tar", buf.getvalue()


IMBALANCE = 4  # the doctor's default imbalance ratio (aistui.core.doctor.DoctorOptions)


@dataclass(frozen=True)
class Flawed:
    """The flawed dataset: ``objects`` as ``(name, bytes)`` to upload under a prefix, and
    ``planted``, each deliberate flaw as ``(kind, object name, related)`` with the doctor's kinds
    (:mod:`aistui.core.doctor`): ``duplicate`` and ``leak`` (``related``: the first object with
    the same content), ``undecodable``, ``empty``, ``shard-missing`` (``related``: the member
    missing, e.g. ``00183.cls``) and ``imbalance`` (the class directory, ``related`` ""). Names
    are relative to the prefix the objects are put under."""

    objects: list[tuple[str, bytes]]
    planted: list[tuple[str, str, str]]


def flawed(limit: int = 200, scale: int = 4, shard_size: int = 10) -> Flawed:
    """A class-folder dataset (``train/<label>/<key>.png`` 80% of each class,
    ``val/<label>/<key>.png`` 20%) from
    the first ``limit`` digits (digits whose PNG equals an earlier one are skipped, so the only
    duplicates are the planted ones), plus ``shards/shard-NNNNNN.tar`` of ``shard_size`` samples
    from the same digits, with these flaws:

    * three exact duplicates in train: ``train/<l>/<key>_1.png``, a copy of ``<key>.png``;
    * a train/val leak: ``val/<l>/<key>.png`` with the bytes of a train image;
    * a truncated PNG (its first half), an empty (0-byte) ``.png``;
    * in ``shards/shard-000001.tar`` one sample's ``.cls`` is missing;
    * class 9 keeps only 2 of its train images (1 for a small ``limit``): at least
      :data:`IMBALANCE` times fewer than the largest class (the doctor's default ratio).

    Splits are stratified (each class 80/20), so no other class is that imbalanced; a ``limit``
    too small for that raises :class:`InvalidInput`.
    """
    seen: set[bytes] = set()
    samples: list[Sample] = []
    for s in digits(scale, limit):
        if s.data not in seen:
            seen.add(s.data)
            samples.append(s)
    per_label: dict[int, list[Sample]] = {}
    for s in samples:
        per_label.setdefault(s.label, []).append(s)
    split: dict[str, str] = {}  # stratified: each class 80/20, so no split is imbalanced by chance
    for group in per_label.values():
        for i, s in enumerate(group):
            split[s.key] = _split(i, len(group), {"train": 0.8, "val": 0.2})
    counts: dict[str, int] = {}
    for s in samples:
        d = f"{split[s.key]}/{s.label}/"
        counts[d] = counts.get(d, 0) + 1
    largest = max(n for d, n in counts.items() if d.startswith("train/"))
    keep_nines = 2 if largest >= 2 * IMBALANCE else 1
    files: dict[str, bytes] = {}
    nines = 0
    for s in samples:
        if split[s.key] == "train" and s.label == 9:
            nines += 1
            if nines > keep_nines:
                continue
        files[f"{split[s.key]}/{s.label}/{s.key}.{s.ext}"] = s.data
    planted: list[tuple[str, str, str]] = [("imbalance", "train/9/", "")]
    train = [name for name in files if name.startswith("train/") and not name.startswith("train/9/")]
    for name in train[:3]:
        copy = name[:-len(".png")] + "_1.png"
        files[copy] = files[name]
        planted.append(("duplicate", copy, name))
    leak_src = train[3]
    _, label, base = leak_src.split("/")
    files[f"val/{label}/{base}"] = files[leak_src]
    planted.append(("leak", f"val/{label}/{base}", leak_src))
    truncated, empty = train[4], train[5]
    files[truncated] = files[truncated][:len(files[truncated]) // 2]
    files[empty] = b""
    planted += [("undecodable", truncated, ""), ("empty", empty, "")]
    _check_one_imbalance(files, limit)
    shard_samples = samples[:3 * shard_size]
    missing = f"{shard_samples[shard_size + 3].key}.cls"
    shards = dict(make_shards(shard_samples, shard_size, drop=frozenset({missing})))
    for shard, data in shards.items():
        files[f"shards/{shard}"] = data
    planted.append(("shard-missing", "shards/shard-000001.tar", missing))
    return Flawed(sorted(files.items()), planted)


def _check_one_imbalance(files: dict[str, bytes], limit: int) -> None:
    """Raise :class:`InvalidInput` unless ``train/9/`` is the only class with :data:`IMBALANCE`
    times fewer objects than its split's largest."""
    counts: dict[str, int] = {}
    for name in files:
        d = name[:name.rfind("/") + 1]
        counts[d] = counts.get(d, 0) + 1
    for sp in ("train/", "val/"):
        mine = [n for d, n in counts.items() if d.startswith(sp) and d != "train/9/"]
        biggest = max(mine, default=0)
        if not mine or biggest >= IMBALANCE * min(mine) or sp == "train/" and biggest < IMBALANCE * counts["train/9/"]:
            raise InvalidInput(f"flawed demo data: limit {limit} is too small for one imbalanced class only")


async def build_flawed(client: AISClient, bck: Bck, prefix: str = "", *, limit: int = 200,
                       concurrency: int = 32) -> Flawed:
    """Put :func:`flawed` into ``bck`` under ``prefix`` (the bucket must exist). Returns it."""
    import asyncio

    data = flawed(limit)
    sem = asyncio.Semaphore(concurrency)

    async def put(name: str, payload: bytes) -> None:
        async with sem:
            await client.objects.put(bck, prefix + name, payload)

    await asyncio.gather(*(put(n, d) for n, d in data.objects))
    return data


def load_recipe(path: Path | None = None) -> dict[str, Any]:
    """The demo recipe (``assets/demo.json``)."""
    if path is not None:
        return json.loads(Path(path).read_text())
    return json.loads(resources.files("aistui.assets").joinpath("demo.json").read_text())


def _split(i: int, n: int, splits: dict[str, float]) -> str:
    acc = 0.0
    for name, frac in splits.items():
        acc += frac
        if i < acc * n:
            return name
    return list(splits)[-1]


async def build(client: AISClient, recipe: dict[str, Any] | None = None, *, concurrency: int = 32,
                log: Any = print) -> dict[str, int]:
    """Create the recipe's buckets and fill them. Returns ``{bucket: object count}``.
    Existing buckets are reused (objects are overwritten with the same bytes)."""
    import asyncio

    recipe = recipe or load_recipe()
    counts: dict[str, int] = {}
    sem = asyncio.Semaphore(concurrency)

    async def put(b: Bck, name: str, data: bytes, custom: dict[str, str] | None = None) -> None:
        async with sem:
            await client.objects.put(b, name, data, custom=custom)

    for spec in recipe["buckets"]:
        bck = Bck.parse(spec["bucket"])
        await client.buckets.create(bck, exist_ok=True)
        items: list[tuple[str, bytes, dict[str, str] | None]] = []
        if spec["kind"] == "class-folders":
            samples = list(digits(spec.get("scale", 4), spec.get("limit")))
            for i, s in enumerate(samples):
                split = _split(i, len(samples), spec.get("splits", {"train": 1.0}))
                items.append((f"{split}/{s.label}/{s.key}.{s.ext}", s.data, {"label": str(s.label)}))
        elif spec["kind"] == "webdataset":
            samples = list(digits(spec.get("scale", 4), spec.get("limit")))
            items = [(n, d, None) for n, d in make_shards(samples, spec.get("shard_size", 200))]
        elif spec["kind"] == "flawed":
            items = [(n, d, None) for n, d in flawed(spec.get("limit", 200), spec.get("scale", 4)).objects]
        elif spec["kind"] == "files":
            items = [(n, d, None) for n, d in sample_images()]
            for name, text in (spec.get("extra") or {}).items():
                if text == "digits":
                    text = json.dumps({"classes": list(range(10)), "source": "sklearn.datasets.load_digits"}, indent=1)
                items.append((name, text.encode(), None))
        else:
            raise InvalidInput(f"unknown demo kind {spec['kind']!r}")
        await asyncio.gather(*(put(bck, n, d, c) for n, d, c in items))
        counts[str(bck)] = len(items)
        log(f"  {bck}: {len(items)} objects")
    return counts
