"""Does the dataset doctor (``core/doctor.py``) see what the ``ais`` CLI (v1.5.0) lists on the same
cluster?

Puts the playground's flawed dataset (``aistui.playground.demo.flawed``) in a new bucket, scans it
(``--images all``), and compares with ``ais ls BUCKET --props name,size,checksum --units raw``:

* the objects and bytes the scan counted against the CLI's rows;
* the zero-byte objects (``empty``) against the rows of size 0;
* the duplicates and leaks against the CLI's rows grouped by (size, checksum): every row after
  the first of its group is one;
* per shard, the samples missing a member against ``ais ls BUCKET/SHARD --archive``'s members
  grouped by key.

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_doctor.py                    # starts its own 1-proxy, 2-target cluster
    python bench/ais_agree_doctor.py --endpoint URL     # an existing cluster: creates and destroys one bucket

Prints one line per comparison and exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import functools
import sys
import uuid

from agree_common import line as agree_line
from agree_common import ls_rows, main

from aistui.core import AISClient, Bck
from aistui.core.doctor import DoctorOptions, Finding, ScanProgress, sample_key, scan
from aistui.playground.demo import build_flawed

line = functools.partial(agree_line, width=32, cell=8)


async def compare(endpoint: str, ais: str, _own: bool = False) -> bool:
    b = Bck.parse(f"ais://agree-doctor-{uuid.uuid4().hex[:8]}")
    bad = False
    async with AISClient(endpoint) as c:
        await c.buckets.create(b)
        try:
            await build_flawed(c, b)
            found: list[Finding] = []
            last: ScanProgress | None = None
            async for ev in scan(c, b, "", DoctorOptions(images="all")):
                if isinstance(ev, Finding):
                    found.append(ev)
                else:
                    last = ev
            assert last is not None and last.done
            rows = ls_rows(ais, endpoint, str(b), "--props", "name,size,checksum")
            sizes = {r[0]: int(r[1]) for r in rows}
            bad |= line(last.objects == len(rows), "objects", last.objects, len(rows))
            bad |= line(last.bytes == sum(sizes.values()), "bytes", last.bytes, sum(sizes.values()))
            empty_mine = sorted(f.name for f in found if f.kind == "empty")
            empty_theirs = sorted(n for n, s in sizes.items() if s == 0)
            bad |= line(empty_mine == empty_theirs, "zero-byte objects", len(empty_mine), len(empty_theirs))
            groups: dict[tuple[str, str], list[str]] = {}
            for r in rows:
                if int(r[1]) > 0 and len(r) > 2:
                    groups.setdefault((r[1], r[2]), []).append(r[0])
            dup_theirs = sorted(n for names in groups.values() for n in sorted(names)[1:])
            dup_mine = sorted(f.name for f in found if f.kind in ("duplicate", "leak"))
            bad |= line(dup_mine == dup_theirs, "duplicates + leaks", len(dup_mine), len(dup_theirs))
            for shard in sorted(n for n in sizes if n.endswith(".tar")):
                members = [r[0] for r in ls_rows(ais, endpoint, f"{b}/{shard}", "--archive")]
                samples: dict[str, set[str]] = {}
                for m in members:
                    if m.startswith(shard + "/"):
                        key, ext = sample_key(m[len(shard) + 1:])
                        samples.setdefault(key, set()).add(ext)
                exts = set().union(*samples.values()) if samples else set()
                theirs = sum(len(exts - have) for have in samples.values())
                mine = sum(1 for f in found if f.kind == "shard-missing" and f.name == shard)
                bad |= line(mine == theirs, f"missing members {shard}", mine, theirs)
        finally:
            await c.buckets.destroy(b, missing_ok=True)
    return bad


if __name__ == "__main__":
    sys.exit(main(__doc__, compare))
