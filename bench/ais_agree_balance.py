"""Does the class balance view (``core/balance.py``) count what the ``ais`` CLI (v1.5.0) lists on
the same cluster?

Puts the playground's flawed dataset (``aistui.playground.demo.flawed``) in a new bucket and
compares:

* class folders: per split (``train/``, ``val/``) and class, the objects and bytes of
  :func:`~aistui.core.balance.balance` against ``ais ls BUCKET/SPLIT/CLASS/ --props name,size
  --units raw``'s rows;
* shards: per label, the samples and their bytes from the ``.cls`` members (get-batch) against
  ``ais ls BUCKET/shards/ --archive --props name,size``'s members grouped by key, each sample's
  label read with ``ais get BUCKET/SHARD OUT --archpath KEY.cls``; and the samples without one.

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_balance.py                    # starts its own 1-proxy, 2-target cluster
    python bench/ais_agree_balance.py --endpoint URL     # an existing cluster: creates and destroys one bucket

Prints one line per comparison and exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from agree_common import line, ls_rows, main, run_ais

from aistui.core import AISClient, Bck
from aistui.core.balance import balance
from aistui.core.balancemodel import BalanceSnapshot
from aistui.core.doctor import sample_key
from aistui.playground.demo import build_flawed


async def last(c: AISClient, b: Bck, splits: list[str], source: str) -> BalanceSnapshot:
    snaps = [s async for s in balance(c, b, "", splits, source=source)]
    assert snaps and snaps[-1].done
    return snaps[-1]


async def compare(endpoint: str, binary: str, _own: bool = False) -> bool:
    b = Bck.parse(f"ais://agree-balance-{uuid.uuid4().hex[:8]}")
    bad = False
    async with AISClient(endpoint) as c:
        await c.buckets.create(b)
        try:
            await build_flawed(c, b)
            snap = await last(c, b, ["train/", "val/"], "folder")
            for split in snap.splits:
                for cls in snap.classes:
                    rows = ls_rows(binary, endpoint, f"{b}/{split}{cls}/", "--props", "name,size")
                    theirs = (len(rows), sum(int(r[1]) for r in rows))
                    mine = snap.cell(cls, split)
                    bad |= line((mine.count, mine.bytes) == theirs, f"{split}{cls}/ objects, bytes",
                                f"{mine.count}, {mine.bytes}", f"{theirs[0]}, {theirs[1]}")
            shards = await last(c, b, ["shards/"], "member")
            samples: dict[tuple[str, str], int] = {}  # (shard, key) -> bytes
            has_cls: set[tuple[str, str]] = set()
            members = ls_rows(binary, endpoint, f"{b}/shards/", "--archive", "--props", "name,size")
            for name, size in ((r[0], int(r[1])) for r in members):
                shard, sep, member = name.partition(".tar/")
                if not sep:
                    continue
                key, ext = sample_key(member)
                k = (shard + ".tar", key)
                samples[k] = samples.get(k, 0) + size
                if ext == "cls":
                    has_cls.add(k)
            count: Counter[str] = Counter()
            nbytes: Counter[str] = Counter()
            with tempfile.TemporaryDirectory() as tmp:
                for i, (shard, key) in enumerate(sorted(has_cls)):
                    out = Path(tmp) / f"label-{i}"  # a new file each time: ais get keeps an existing one
                    run_ais(binary, endpoint, "get", f"{b}/{shard}", str(out), "--archpath", f"{key}.cls")
                    label = out.read_text().strip()
                    count[label] += 1
                    nbytes[label] += samples[(shard, key)]
            for cls in sorted(set(count) | set(shards.classes)):
                mine = shards.cell(cls, "shards/")
                bad |= line((mine.count, mine.bytes) == (count[cls], nbytes[cls]), f"shards/ label {cls}",
                            f"{mine.count}, {mine.bytes}", f"{count[cls]}, {nbytes[cls]}")
            unlabeled = len(samples) - len(has_cls)
            bad |= line(shards.unlabeled.get("shards/", 0) == unlabeled, "shards/ samples without .cls",
                        shards.unlabeled.get("shards/", 0), unlabeled)
        finally:
            await c.buckets.destroy(b, missing_ok=True)
    return bad


if __name__ == "__main__":
    sys.exit(main(__doc__, compare))
