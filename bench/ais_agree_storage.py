"""Do aistui's storage numbers agree with the ``ais`` CLI's on the same cluster?

Compares, per target and per mountpath, what ``client.storage.snapshot()`` (the storage screen's
data) says with what ``ais show storage mountpath --json`` (v1.5.0: the mountpath lists and the
target's capacity, ``fs.Tcdf``) and ``ais show storage`` (its CAP USED(%) column; that command has
no JSON output) print, read within the same second:

* the mountpaths and their state (available / waiting / disabled);
* each available mountpath's used % and its used and available bytes (within 1% of the
  filesystem: the disk keeps changing between the two reads);
* each target's min / avg / max used % and total used / available bytes (each filesystem counted
  once), and the CAP USED(%) that ``ais show storage`` prints for the target's disk.

Usage (the ``ais`` binary: ``$AIS`` or ``~/.cache/aistui/bin/ais`` or on PATH)::

    python bench/ais_agree_storage.py                    # starts its own 2-target x 2-mountpath cluster
    python bench/ais_agree_storage.py --endpoint URL     # an existing cluster (e.g. the playground)

Prints one line per comparison and exits 1 if any disagree, 2 when ``ais`` is missing.
"""

from __future__ import annotations

import json
import re
import sys

from agree_common import main, run_ais

from aistui.core.client import AISClient


def cap_used_column(text: str) -> dict[str, list[int]]:
    """``ais show storage``'s CAP USED(%) per target id (one value per disk row)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = re.split(r"\t+", lines[0].strip())
    col = next(i for i, h in enumerate(header) if h.strip().startswith("CAP USED"))
    out: dict[str, list[int]] = {}
    for ln in lines[1:]:
        cells = [c.strip() for c in re.split(r"\t+", ln.strip())]
        m = re.match(r"t\[(.+?)\]", cells[0])
        if m and len(cells) > col and cells[col].endswith("%"):
            out.setdefault(m.group(1), []).append(int(cells[col].rstrip("%")))
    return out


def near(a: int, b: int, whole: int) -> bool:
    return abs(a - b) <= max(whole // 100, 1 << 20)


async def compare(endpoint: str, ais: str, _own: bool = False) -> int:
    async with AISClient(endpoint) as client:
        snap = await client.storage.snapshot()
    mountpaths = run_ais(ais, endpoint, "show", "storage", "mountpath", "--json", timeout=60)
    cli = {t["DaemonID"]: t for t in json.loads(mountpaths)}
    table = cap_used_column(run_ais(ais, endpoint, "show", "storage", timeout=60))
    bad = 0

    def check(what: str, ours: object, theirs: object, ok: bool) -> None:
        nonlocal bad
        bad += not ok
        print(f"{'ok  ' if ok else 'DIFF'} {what}: aistui {ours} · ais {theirs}")

    for t in snap.targets:
        c = cli.get(t.target)
        if c is None:
            check(f"t[{t.target}]", "shown", "missing", False)
            continue
        mpl, tcdf = c["Mpl"], c["Tcdf"]
        ours_state = {m.path: m.state for m in t.mountpaths if m.state != "detached"}
        theirs_state = {**{p: "available" for p in mpl.get("available") or []},
                        **{p: "disabled" for p in mpl.get("disabled") or []},
                        **{p: "waiting" for p in mpl.get("waiting_dd") or []}}
        check(f"t[{t.target}] mountpaths", sorted(ours_state.items()), sorted(theirs_state.items()),
              ours_state == theirs_state)
        for m in t.mountpaths:
            cdf = (tcdf.get("mountpaths") or {}).get(m.path)
            if m.state != "available" or cdf is None:
                continue
            whole = int(cdf["used"]) + int(cdf["avail"])
            check(f"t[{t.target}] {m.path} used %", m.pct_used, cdf["pct_used"], abs(m.pct_used - cdf["pct_used"]) <= 1)
            check(f"t[{t.target}] {m.path} used/avail bytes", (m.used, m.avail), (int(cdf["used"]), int(cdf["avail"])),
                  near(m.used, int(cdf["used"]), whole) and near(m.avail, int(cdf["avail"]), whole))
        ours_pct = (t.pct_min, t.pct_avg, t.pct_max)
        theirs_pct = (tcdf["pct_min"], tcdf["pct_avg"], tcdf["pct_max"])
        check(f"t[{t.target}] used % min/avg/max", ours_pct, theirs_pct,
              all(abs(a - b) <= 1 for a, b in zip(ours_pct, theirs_pct, strict=True)))
        whole = int(tcdf["total_used"]) + int(tcdf["total_avail"])
        check(f"t[{t.target}] total used/avail bytes", (t.used, t.avail),
              (int(tcdf["total_used"]), int(tcdf["total_avail"])),
              near(t.used, int(tcdf["total_used"]), whole) and near(t.avail, int(tcdf["total_avail"]), whole))
        shown = table.get(t.target, [])
        check(f"t[{t.target}] 'ais show storage' CAP USED(%)", t.pct_max, shown,
              bool(shown) and all(abs(v - t.pct_max) <= 1 for v in shown))
    print(f"{'all agree' if not bad else f'{bad} disagree'} ({len(snap.targets)} targets, "
          f"{len(snap.mountpaths)} mountpaths; cluster {snap.pct_used:.1f}% used)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(__doc__, compare, endpoint_help="an existing cluster (default: start a 2x2-mountpath one)",
                  mountpaths=2))
