"""Does storage validation (``H`` on the jobs screen, ``core/housekeeping.py`` ``scrub``) count
what ``ais scrub`` counts on the same cluster?

Fills a bucket with 40 objects of several sizes (6 empty ones: the SMALL column) and compares
the bucket and a prefix of it, column by column, with ``ais scrub BUCKET[/PREFIX] --all-columns``
(the CLI prints ``N (SIZE)``, ``-`` for none; v1.5.0 prints only the columns that apply:
NOT-CACHED and the version columns for remote buckets only). The CLI leaves its per-column
detail logs in ``/tmp/.ais-scrub-*.log``.

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_scrub.py                    # starts its own 1-proxy, 2-target cluster
    python bench/ais_agree_scrub.py --endpoint URL     # an existing cluster: creates and destroys one bucket

Prints one line per column and exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import sys
import uuid

from agree_common import main, run_ais

from aistui.core import AISClient, Bck
from aistui.core.housekeeping import SCRUB_COLUMNS, scrub


def ais_counts(ais: str, endpoint: str, uri: str) -> dict[str, int]:
    """``ais scrub URI --all-columns``: column title -> count, from the bucket's row (a
    tab-separated BUCKET table)."""
    lines = [ln for ln in run_ais(ais, endpoint, "scrub", uri, "--all-columns").splitlines() if ln.strip()]
    head = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("BUCKET"))
    titles = [t.strip() for t in lines[head].split("\t") if t.strip()][1:]
    cells = [t.strip() for t in lines[head + 1].split("\t") if t.strip()][1:]
    return {t: 0 if c == "-" else int(c.split()[0].replace(",", "")) for t, c in zip(titles, cells, strict=True)}


async def compare(endpoint: str, ais: str, _own: bool = False) -> bool:
    b = Bck.parse(f"ais://agree-scrub-{uuid.uuid4().hex[:8]}")
    bad = False
    async with AISClient(endpoint) as c:
        await c.buckets.create(b)
        try:
            for i in range(40):
                await c.objects.put(b, f"{'a' if i % 2 else 'b'}/{i}", b"" if i % 7 == 0 else b"x" * (i * 13))
            for prefix in ("", "a/"):
                mine = [r async for r in scrub(c, b, prefix)][-1]
                theirs = ais_counts(ais, endpoint, f"{b}/{prefix}" if prefix else str(b))
                for key, title in SCRUB_COLUMNS:
                    want = theirs.get(title)
                    got = mine.counts[key][0]
                    ok = want is None or want == got
                    bad |= not ok
                    print(f"{'ok ' if ok else 'BAD'} {b}/{prefix:<3} {title:<22} aistui {got:>5}  ais "
                          f"{'-' if want is None else want:>5}")
        finally:
            await c.buckets.destroy(b, missing_ok=True)
    return bad


if __name__ == "__main__":
    sys.exit(main(__doc__, compare))
