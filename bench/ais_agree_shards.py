"""Do the shards aistui makes (``W``, ``aistui shard``; ``core/shards.py``) hold what ``ais`` lists,
and how long does making them take?

Puts the playground's 1,797 digits in class folders (``train/<label>/<key>.png``), makes shards
of them with the archive job (128 KiB each, shuffled, labels as ``.cls`` members), waits and
verifies them (every member's bytes compared: ``sample=-1``), and compares

* every shard's members and sizes with ``ais ls DST --archive --props name,size --units raw``;
* every shard's stored size (the same listing) with aistui's estimate (``Shard.est_bytes``).

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_shards.py                 # starts its own 1-proxy, 2-target cluster
    python bench/ais_agree_shards.py --endpoint URL  # an existing cluster: creates and destroys two buckets

Prints the timings and one line per check; exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid

from agree_common import main, run_ais

from aistui.core import AISClient, Bck
from aistui.core import shards as sh
from aistui.core.shardplan import ShardOptions
from aistui.core.shardverify import verify
from aistui.playground.demo import digits


def ais_listing(ais: str, endpoint: str, bck: Bck) -> dict[str, int]:
    """``ais ls BCK --archive --props name,size --units raw -H``: name -> size (shards and
    ``shard/member`` lines)."""
    out = run_ais(ais, endpoint, "ls", str(bck), "--archive", "--props", "name,size", "--units", "raw", "-H")
    got: dict[str, int] = {}
    for ln in out.splitlines():
        cells = [c.strip() for c in ln.split("\t") if c.strip()]
        if len(cells) == 2:
            got[cells[0]] = int(cells[1])
    return got


async def compare(endpoint: str, ais: str, _own: bool = False) -> bool:
    tag = uuid.uuid4().hex[:8]
    src, dst = Bck.parse(f"ais://agree-shards-{tag}"), Bck.parse(f"ais://agree-shards-{tag}-out")
    bad = False
    async with AISClient(endpoint) as c:
        await c.buckets.create(src)
        await c.buckets.create(dst)
        try:
            sem = asyncio.Semaphore(32)

            async def put(s) -> None:
                async with sem:
                    await c.objects.put(src, f"train/{s.label}/{s.key}.png", s.data)

            await asyncio.gather(*(put(s) for s in digits(4)))
            opts = ShardOptions(size=128 << 10, shuffle=True, seed=1, template="train-{000000..000999}.tar")
            t0 = time.perf_counter()
            p = await sh.plan(c, src, "train/", dst, opts)
            t1 = time.perf_counter()
            await sh.write_labels(c, p)
            t2 = time.perf_counter()
            ids: list[str] = []
            for s in p.shards:
                ids += [i for i in await sh.archive(c, src, dst, s.name, s.names()) if i not in ids]
            t3 = time.perf_counter()
            await sh.wait_shards(c, p, ids)
            t4 = time.perf_counter()
            v = await verify(c, p, sample=-1)
            t5 = time.perf_counter()
            await sh.remove_labels(c, p)
            t6 = time.perf_counter()
            print(f"{p.samples} samples, {p.bytes:,} bytes → {len(p.shards)} shards; plan {t1 - t0:.2f} s, "
                  f"labels {t2 - t1:.2f} s, archive requests {t3 - t2:.2f} s, shards stored {t4 - t3:.2f} s, "
                  f"verify (all bytes) {t5 - t4:.2f} s, labels removed {t6 - t5:.2f} s; total {t6 - t0:.2f} s")
            print(v.summary())
            bad |= not v.ok
            theirs = ais_listing(ais, endpoint, dst)
            for s in p.shards:
                want_members = {k[len(s.name) + 1:]: n for k, n in theirs.items() if k.startswith(s.name + "/")}
                mine, _ = await c.objects.list_archive(dst, s.name, limit=100_000)
                ok_m = dict(mine) == want_members and sorted(want_members) == sorted(s.names())
                ok_s = theirs.get(s.name) == s.est_bytes
                bad |= not (ok_m and ok_s)
                print(f"{'ok ' if ok_m else 'BAD'} {s.name}: {len(mine)} members (ais {len(want_members)})   "
                      f"{'ok ' if ok_s else 'BAD'} size {theirs.get(s.name)} (aistui estimate {s.est_bytes})")
        finally:
            await c.buckets.destroy(src, missing_ok=True)
            await c.buckets.destroy(dst, missing_ok=True)
    return bad


if __name__ == "__main__":
    sys.exit(main(__doc__, compare))
