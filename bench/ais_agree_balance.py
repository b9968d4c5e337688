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

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

from aistui.core import AISClient, Bck
from aistui.core.balance import balance
from aistui.core.balancemodel import BalanceSnapshot
from aistui.core.doctor import sample_key
from aistui.playground.demo import build_flawed


def find_ais() -> str | None:
    for cand in (os.environ.get("AIS"), str(Path.home() / ".cache/aistui/bin/ais"), shutil.which("ais")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def ais(binary: str, endpoint: str, *args: str) -> str:
    env = {**os.environ, "AIS_ENDPOINT": endpoint, "NO_COLOR": "1"}
    out = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"ais {' '.join(args)} failed: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout


def ls_rows(binary: str, endpoint: str, *args: str) -> list[list[str]]:
    """``ais ls ARGS --props name,size -H -F --units raw``: the rows, split on whitespace."""
    out = ais(binary, endpoint, "ls", *args, "--props", "name,size", "-H", "-F", "--units", "raw")
    return [ln.split() for ln in out.splitlines() if ln.strip()]


def line(ok: bool, what: str, mine: object, theirs: object) -> bool:
    print(f"{'ok ' if ok else 'BAD'} {what:<28} aistui {mine!s:>14}  ais {theirs!s:>14}")
    return not ok


async def last(c: AISClient, b: Bck, splits: list[str], source: str) -> BalanceSnapshot:
    snaps = [s async for s in balance(c, b, "", splits, source=source)]
    assert snaps and snaps[-1].done
    return snaps[-1]


async def compare(endpoint: str, binary: str) -> bool:
    b = Bck.parse(f"ais://agree-balance-{uuid.uuid4().hex[:8]}")
    bad = False
    async with AISClient(endpoint) as c:
        await c.buckets.create(b)
        try:
            await build_flawed(c, b)
            snap = await last(c, b, ["train/", "val/"], "folder")
            for split in snap.splits:
                for cls in snap.classes:
                    rows = ls_rows(binary, endpoint, f"{b}/{split}{cls}/")
                    theirs = (len(rows), sum(int(r[1]) for r in rows))
                    mine = snap.cell(cls, split)
                    bad |= line((mine.count, mine.bytes) == theirs, f"{split}{cls}/ objects, bytes",
                                f"{mine.count}, {mine.bytes}", f"{theirs[0]}, {theirs[1]}")
            shards = await last(c, b, ["shards/"], "member")
            samples: dict[tuple[str, str], int] = {}  # (shard, key) -> bytes
            has_cls: set[tuple[str, str]] = set()
            for name, size in ((r[0], int(r[1])) for r in ls_rows(binary, endpoint, f"{b}/shards/", "--archive")):
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
                    ais(binary, endpoint, "get", f"{b}/{shard}", str(out), "--archpath", f"{key}.cls")
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", help="an existing cluster; default: start one")
    args = ap.parse_args()
    binary = find_ais()
    if binary is None:
        print("ais (v1.5.0 CLI) not found: build it with ../shared/tools/build-ais-cli.sh", file=sys.stderr)
        sys.exit(2)
    if args.endpoint:
        sys.exit(1 if asyncio.run(compare(args.endpoint, binary)) else 0)
    from aistui.playground.cluster import LocalCluster

    with tempfile.TemporaryDirectory(prefix="agree-balance-") as root:
        cluster = LocalCluster(Path(root), ntargets=2, name="agree").start()
        try:
            bad = asyncio.run(compare(cluster.endpoint, binary))
        finally:
            cluster.stop()
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
