#!/usr/bin/env python3
"""Performance screen benchmark: client CPU of one refresh of the per-target table with N targets'
worth of counters (default 10).

    python bench/bench_perf_table.py [--targets 10] [--refreshes 50]

No cluster: the answers are recorded ones (``tests/ui/perf_recorded.py``: the recorded Smap and
``node_status`` of a v1.5.0 target, ~4 KB each, with the counters of a real target under traffic
moving from one poll to the next), served through ``httpx.MockTransport`` for N targets, with a
pinned clock (2 s between polls) so every refresh has rates to show. Measured in this process with
``time.process_time`` (CPU time, not wall time):

* the core alone, per refresh: decoding and parsing N ``node_status`` answers
  (``NodeStatus.from_json``), then the rates (``perf_table``), the order (``sort_nodes``) and the
  history (``PerfHistory.add``);
* the screen, per refresh: from asking for a refresh (``r``) to the next frame after the table was
  updated (the Smap and N ``node_status`` requests through the client and the mock transport,
  the math, the rows, the sparklines, the repaint), headless at 160x48, with the history pane
  closed and open (the pane re-plots its node every refresh with plotext).

Prints a Markdown report. The target is < 20 ms per refresh with 10 targets (issue 13).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aistui.core.cluster as core_cluster  # noqa: E402
from aistui.app import AISTui  # noqa: E402
from aistui.core import ConnectionSettings  # noqa: E402
from aistui.core.models import NodeStatus  # noqa: E402
from aistui.core.perf import PerfHistory, perf_table, sort_nodes  # noqa: E402
from aistui.screens.perf import PerfScreen  # noqa: E402
from tests.ui.perf_recorded import ENDPOINT, PinnedClock, scaled  # noqa: E402


def core_only(n: int, refreshes: int) -> tuple[list[float], int]:
    """Per refresh: parse N answers (bytes to NodeStatus) and compute; CPU ms each, answer bytes."""
    c = scaled(n)
    hist = PerfHistory()
    prev: dict[str, object] = {}
    out: list[float] = []
    size = 0
    for r in range(refreshes + 5):
        answers = []
        for t in c.targets:
            c.polls[t] += 1
            resp = c.handler(_req(t))
            answers.append(resp.content)
        size = len(answers[0])
        c0 = time.process_time()
        statuses = {}
        for body in answers:
            st = NodeStatus.from_json(json.loads(body), (r + 1) * 2_000_000_000)
            statuses[st.daemon_id] = st
        perfs = perf_table(prev, statuses)
        sort_nodes(perfs.values(), "worst")
        hist.add(perfs, (r + 1) * 2_000_000_000)
        prev = statuses
        if r >= 5:
            out.append((time.process_time() - c0) * 1000)
    return out, size


def _req(target: str):
    import httpx

    return httpx.Request("GET", f"{ENDPOINT}/v1/reverse/daemon?what=node_status", headers={"Ais-Node-Id": target})


async def screen(n: int, refreshes: int, pane: bool) -> list[float]:
    c = scaled(n)
    core_cluster.time = PinnedClock(c)  # type: ignore[attr-defined]  # the pinned clock (see the module docstring)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, client=c.client())
    out: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        while app.health != "ok":
            await pilot.pause(0.01)
        app.show_perf()
        while not (isinstance(app.screen, PerfScreen) and app.screen.polls >= 2):
            if isinstance(app.screen, PerfScreen) and app.screen.polls == 1:
                app.screen.action_refresh()
            await pilot.pause(0.05)
        s: PerfScreen = app.screen
        if pane:
            s.action_toggle_plot()
            while s.plot_node is None or len(s.query("#perf-plots > *")) != 2:
                await pilot.pause(0.01)
        await pilot.pause(0.2)
        for i in range(refreshes + 5):
            k = s.polls
            c0 = time.process_time()
            s.action_refresh()
            while s.polls == k:
                await asyncio.sleep(0.0005)
            await pilot.pause()  # the frame after the update
            if i >= 5:
                out.append((time.process_time() - c0) * 1000)
        assert s.query_one("#perf").row_count == n
    return out


def stat(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=20)
    return f"{statistics.median(xs):.2f} ms (p95 {q[18]:.2f}, min {min(xs):.2f}, max {max(xs):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", type=int, default=10)
    ap.add_argument("--refreshes", type=int, default=50)
    args = ap.parse_args()
    core, size = core_only(args.targets, args.refreshes)
    table = asyncio.run(screen(args.targets, args.refreshes, pane=False))
    plot = asyncio.run(screen(args.targets, args.refreshes, pane=True))
    print("\n".join([
        f"Performance table, {args.targets} targets (recorded `node_status` answers, {size:,} bytes each), "
        f"{args.refreshes} refreshes each, client CPU per refresh:",
        "",
        "| measurement | result |",
        "|---|---|",
        f"| core: parse {args.targets} answers + rates + order + history | {stat(core)} |",
        f"| screen, 160x48: request to repainted frame, table | {stat(table)} |",
        f"| screen, 160x48: the same with the history pane open (two plotext plots) | {stat(plot)} |",
        "",
        f"target < 20 ms: {'met' if statistics.median(table) < 20 else 'NOT met'} (table), "
        f"{'met' if statistics.median(plot) < 20 else 'NOT met'} (with the pane)",
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
