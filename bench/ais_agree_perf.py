"""Do the performance screen's counts agree with ``ais performance counters`` on the same cluster?

After some traffic (PUTs, GETs, deletes), with the cluster quiet, reads every target's counters
the way the performance screen does (``all_node_status`` on the targets, then
``aistui.core.perf.perf_table``) and runs ``ais performance counters --units raw`` (v1.5.0; that
command has no JSON output, so its tab-separated table is parsed), then compares per target every
column both show: GET(n), PUT(n), DELETE(n), APPEND(n) and the GET and PUT sizes. The CLI prints
only the columns with a non-zero value somewhere; a column it leaves out must be 0 here.

Rates are not compared: each side measures its own interval, so under traffic they differ by
construction; both are deltas of these same counters (``ais performance throughput --refresh``
divides by its interval as ``core/perf.py`` does).

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_perf.py                    # starts its own 2-target cluster
    python bench/ais_agree_perf.py --endpoint URL     # an existing, quiet cluster (e.g. the playground)

Prints one line per comparison and exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys

from agree_common import main, run_ais

from aistui.core import AISClient, Bck
from aistui.core.perf import perf_table

#: CLI column -> what aistui has for it (a NodePerf field, or a raw counter for the sizes)
COLUMNS = {"GET(n)": "get_n", "PUT(n)": "put_n", "DELETE(n)": "del_n", "APPEND(n)": "append_n",
           "GET(size)": "get.size", "PUT(size)": "put.size"}


def cli_counters(ais: str, endpoint: str) -> dict[str, dict[str, int]]:
    """``ais performance counters --units raw``: ``{target id: {column: value}}``."""
    out = run_ais(ais, endpoint, "performance", "counters", "--units", "raw", timeout=60)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    header = [h.strip() for h in re.split(r"\t+", lines[0].strip())]
    table: dict[str, dict[str, int]] = {}
    for ln in lines[1:]:
        cells = [c.strip() for c in re.split(r"\t+", ln.strip())]
        m = re.match(r"t\[(.+?)\]", cells[0])
        if m:
            table[m.group(1)] = {h: int(v.rstrip("B")) for h, v in zip(header[1:], cells[1:], strict=False)}
    return table


async def traffic(endpoint: str) -> None:
    async with AISClient(endpoint) as c:
        b = Bck.parse("ais://agree-perf")
        await c.buckets.create(b, exist_ok=True)
        for i in range(60):
            await c.objects.put(b, f"o{i:03d}", os.urandom(1000 + i))
        for _ in range(2):
            for i in range(60):
                await c.objects.get(b, f"o{i:03d}")
        for i in range(10):
            await c.objects.delete(b, f"o{i:03d}")


async def compare(endpoint: str, ais: str) -> int:
    async with AISClient(endpoint) as c:
        smap = await c.cluster.smap()
        statuses = await c.cluster.all_node_status(dataclasses.replace(smap, proxies=()))
    cli = cli_counters(ais, endpoint)
    perfs = perf_table({}, statuses)
    bad = 0
    for nid, p in sorted(perfs.items()):
        st = statuses[nid]
        theirs = cli.get(nid)
        if theirs is None:
            print(f"MISMATCH {nid}: not in the CLI's table")
            bad += 1
            continue
        for col, field in COLUMNS.items():
            ours = getattr(p, field) if "." not in field else st.counters.get(field, 0)  # type: ignore[union-attr]
            want = theirs.get(col, 0)
            ok = ours == want
            bad += not ok
            print(f"{'ok      ' if ok else 'MISMATCH'} {nid} {col}: aistui {ours:,} ais {want:,}")
    return bad


async def check(endpoint: str, ais: str, own: bool) -> int:
    """On its own cluster: make some traffic first, and say how it went."""
    if not own:
        return await compare(endpoint, ais)
    await traffic(endpoint)
    bad = await compare(endpoint, ais)
    print("all agree" if not bad else f"{bad} disagree")
    return bad


if __name__ == "__main__":
    sys.exit(main(__doc__, check, endpoint_help="an existing, quiet cluster (default: start a 2-target one)",
                  full_help=True))
