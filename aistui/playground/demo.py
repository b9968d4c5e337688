"""Demo and test data derived from real images bundled in PyPI packages (no download).

Sources (scikit-learn's wheel, installed with the ``demo`` extra):

* ``digits``: ``sklearn.datasets.load_digits`` - 1,797 real 8x8 handwritten digits with labels
  0-9, written as grayscale PNGs upscaled ``scale`` times;
* ``sample_images``: ``china.jpg`` and ``flower.jpg`` from ``sklearn/datasets/images``.

:func:`build` follows the recipe in ``assets/demo.json``: class-folder layouts
(``train/3/00017.png``), WebDataset tar shards (``shard-000000.tar`` holding ``00017.png`` +
``00017.cls``) made with :mod:`tarfile`, and plain files. It uploads through the core, so it
exercises the same code as the console.
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

__all__ = ["Sample", "digits", "sample_images", "load_recipe", "build", "make_shards"]


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


def make_shards(samples: list[Sample], shard_size: int) -> Iterator[tuple[str, bytes]]:
    """WebDataset shards: ``(shard-NNNNNN.tar, tar bytes)``, each member ``<key>.<ext>`` plus
    ``<key>.cls`` (the label as text)."""
    for s_i in range(0, len(samples), shard_size):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for smp in samples[s_i:s_i + shard_size]:
                for name, payload in ((f"{smp.key}.{smp.ext}", smp.data), (f"{smp.key}.cls", str(smp.label).encode())):
                    info = tarfile.TarInfo(name)
                    info.size = len(payload)
                    info.mtime = 0
                    tar.addfile(info, io.BytesIO(payload))
        yield f"shard-{s_i // shard_size:06d}.tar", buf.getvalue()


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
