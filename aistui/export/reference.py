"""The dry-run's references, run in their own process through :mod:`aistui.core` (no torch).

    python -m aistui.export.reference --bucket ais://b [--prefix p | --names-file f] [--shards]
        [--sizes-out sizes.json] [--get --max-objects N --max-seconds T --concurrency C]
        [--decode --resize S --image-member png]

* listing: the objects the loader reads (names and sizes). With ``--shards`` the listing also
  opens every shard's member list (``LsArchDir``, one shard at a time) to count samples and their
  payload bytes. ``--sizes-out`` writes ``{sample key: bytes}`` for the harness;
* ``--get``: the raw GET rate of the async core over the same objects, ``C`` at a time: the
  cluster's ceiling for this client. The first ``C`` completions are warm-up and excluded;
* ``--decode``: Pillow decode (+ RGB + resize + array) of images held in memory, one core.

One JSON object per line on stdout (``listed``, ``get``, ``decode``, ``error``). It only reads.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
import tarfile
import time
from pathlib import Path

from ..core import AISClient, Bck
from ..core.config import discover


def emit(ev: str, **kw) -> None:
    sys.stdout.write(json.dumps({"ev": ev, **kw}) + "\n")
    sys.stdout.flush()


def sample_key(member: str) -> str:
    """The WebDataset key of a shard member, as AISShardReader computes it."""
    return member.split("/")[-1].split(".")[0]


async def list_source(client: AISClient, bck: Bck, prefix: str, names: list[str] | None,
                      shards: bool) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """``([(object, size)], {sample key: payload bytes})`` in listing order. With ``shards`` the
    members of each ``.tar`` object come from its own archive listing (``iter_archives``, 8 at a
    time), never from one ``LsArchDir`` listing of the prefix: a v1.5.0 target leaves every
    non-archive object of such a listing open (``cmn/archive/list.go``)."""
    objects: list[tuple[str, int]] = []
    if names is not None:
        for n in names:
            objects.append((n, (await client.objects.head(bck, n)).size))
    else:
        async for e in client.objects.iter_entries(bck, prefix=prefix):
            objects.append((e.name, e.size))
    if not shards:
        return objects, {n: s for n, s in objects}
    sizes: dict[str, int] = {}
    tars = [n for n, _ in objects if n.endswith(".tar")]
    async for _shard, members, _truncated in client.objects.iter_archives(bck, tars):
        for member, size in members:
            key = sample_key(member)
            sizes[key] = sizes.get(key, 0) + size
    return objects, sizes


async def get_rate(client: AISClient, bck: Bck, objects: list[tuple[str, int]], *, max_objects: int,
                   max_seconds: float, concurrency: int) -> tuple[dict, list[bytes]]:
    """GET ``objects`` (cycling, at most ``max_objects`` or ``max_seconds``) ``concurrency`` at
    a time; the first ``concurrency`` completions are warm-up. Also returns up to 64 of the
    bodies (for the decode reference)."""
    names = [n for n, _ in objects][:max_objects] or []
    if not names:
        return {"objects": 0, "bytes": 0, "seconds": 0.0, "warmup_objects": 0}, []
    done: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    deadline = t0 + max_seconds
    queue = iter(range(max_objects))
    kept: list[bytes] = []

    async def worker() -> None:
        for i in queue:
            if time.perf_counter() >= deadline:
                return
            data = await client.objects.get(bck, names[i % len(names)])
            done.append((time.perf_counter(), len(data)))
            if len(kept) < 64:
                kept.append(data)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    warm = min(concurrency, len(done) // 2)
    done.sort()
    if len(done) - warm < 2:
        warm = 0
    t_start = done[warm - 1][0] if warm else t0
    timed = done[warm:]
    return {"objects": len(timed), "bytes": sum(b for _, b in timed),
            "seconds": round(timed[-1][0] - t_start, 6), "warmup_objects": warm}, kept


def images_from(blobs: list[bytes], shards: bool, image_member: str) -> list[bytes]:
    if not shards:
        return blobs
    out = []
    for blob in blobs:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:") as tar:
            for m in tar.getmembers():
                f = tar.extractfile(m) if m.isfile() and m.name.endswith("." + image_member) else None
                if f is not None:  # a regular file's member always has one
                    out.append(f.read())
    return out


def decode_rate(images: list[bytes], resize: int) -> dict:
    """Decode-only throughput of one core: what the generated ``decode`` does, minus torch."""
    import numpy as np
    from PIL import Image

    times = []
    for data in images[:256]:
        t = time.perf_counter()
        img = Image.open(io.BytesIO(data)).convert("RGB")
        if resize:
            img = img.resize((resize, resize))
        np.array(img)
        times.append(time.perf_counter() - t)
    times.sort()
    return {"images": len(times), "seconds": round(sum(times), 6),
            "ms_p50": round(1000 * times[len(times) // 2], 4) if times else None}


async def run(args: argparse.Namespace) -> int:
    bck = Bck.parse(args.bucket)
    names = json.loads(Path(args.names_file).read_text()) if args.names_file else None
    settings = discover(args.endpoint) if args.endpoint else discover()
    async with AISClient(settings, max_connections=max(16, args.concurrency)) as client:
        t = time.perf_counter()
        objects, sizes = await list_source(client, bck, args.prefix, names, args.shards)
        emit("listed", objects=len(objects), object_bytes=sum(s for _, s in objects), samples=len(sizes),
             sample_bytes=sum(sizes.values()), seconds=round(time.perf_counter() - t, 6))
        if args.sizes_out:
            Path(args.sizes_out).write_text(json.dumps(sizes))
        if args.get or args.decode:
            r, kept = await get_rate(client, bck, objects, max_objects=args.max_objects,
                               max_seconds=args.max_seconds, concurrency=args.concurrency)
            if args.get:
                emit("get", concurrency=args.concurrency, **r)
            if args.decode:
                imgs = images_from(kept, args.shards, args.image_member)
                emit("decode", resize=args.resize, **decode_rate(imgs, args.resize))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aistui.export.reference")
    p.add_argument("--endpoint", default="")
    p.add_argument("--bucket", required=True)
    p.add_argument("--prefix", default="")
    p.add_argument("--names-file", default="")
    p.add_argument("--shards", action="store_true")
    p.add_argument("--sizes-out", default="")
    p.add_argument("--get", action="store_true")
    p.add_argument("--max-objects", type=int, default=2000)
    p.add_argument("--max-seconds", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--decode", action="store_true")
    p.add_argument("--resize", type=int, default=0)
    p.add_argument("--image-member", default="png")
    args = p.parse_args(argv)
    try:
        return asyncio.run(run(args))
    except Exception as e:  # noqa: BLE001 - reported as a line
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
