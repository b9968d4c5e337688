"""The per-target performance screen: on the real local cluster, ``P`` on the cluster screen opens
it and PUT/GET traffic shows up as non-zero rates of the targets that served it; ``:perf`` and
the palette open it too; ``s`` reorders, ``enter`` opens the history pane (a plot), ``esc`` closes
the pane and then goes back; under a dialog it stops polling and polls again when shown.
Snapshots at 80x24 and 160x48 (the table, and the history pane) on recorded answers whose
counters move per poll, with a pinned clock (``perf_recorded.py``)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

import aistui.core.cluster as core_cluster
from aistui.app import AISTui
from aistui.commands import AISCommands
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.jump import parse_jump
from aistui.screens.cluster import ClusterScreen
from aistui.screens.perf import PerfScreen, count, ms, ops
from aistui.widgets.dialogs import PromptDialog
from aistui.widgets.linetable import LineTable
from tests.ui.perf_recorded import PerfCluster, PinnedClock
from tests.ui.recorded_cluster import ENDPOINT
from tests.util import shown, until


def test_perf_command_parses_and_formats():
    assert parse_jump(":perf").kind == "perf" and parse_jump("performance").kind == "perf"
    assert [count(999), count(12_345), count(4_500_000)] == ["999", "12.3k", "4.5M"]
    assert [ops(0), ops(0.44), ops(1234.4)] == ["0", "0.4", "1,234"]
    assert [ms(0), ms(1.234), ms(12.34), ms(123.4)] == ["-", "1.23", "12.3", "123"]


def _table(app) -> LineTable:
    return app.screen.query_one("#perf", LineTable)


async def _traffic(bck: Bck, endpoint: str, stop: asyncio.Event, done: list[int]) -> None:
    """PUT then GET small objects until ``stop`` (``done`` counts the round trips)."""
    async with AISClient(endpoint) as c:
        i = 0
        while not stop.is_set():
            name = f"p{i % 50:03d}"
            await c.objects.put(bck, name, b"x" * 8192)
            await c.objects.get(bck, name)
            done[0] += 1
            i += 1


async def test_traffic_shows_as_rates(ais, bucket: Bck):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.5)
    stop, done = asyncio.Event(), [0]
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await shown(pilot, app, ClusterScreen)
        await pilot.press("P")
        await shown(pilot, app, PerfScreen)
        screen = app.screen
        targets = {t.daemon_id for t in ais.targets}
        await until(pilot, lambda: set(_table(app).keys) == targets, tries=600)
        before = {nid: (p.get_n, p.put_n) for nid, p in screen.perfs.items()}
        task = asyncio.create_task(_traffic(bucket, ais.endpoint, stop, done))
        try:
            await until(pilot, lambda: sum(p.get_ops for p in screen.perfs.values()) > 0
                        and sum(p.put_ops for p in screen.perfs.values()) > 0, tries=1200)
        finally:
            stop.set()
            with contextlib.suppress(Exception):
                await task
        busy = [nid for nid, p in screen.perfs.items() if p.get_ops > 0]
        t = _table(app)
        assert all(t.get_cell(nid, "get").strip() not in ("0", "…") for nid in busy)  # on screen too
        assert all(t.get_cell(nid, "get_lat").strip() != "-" for nid in busy)
        # the cumulative counts moved by what was done (and no more than done + what others did)
        assert sum(p.get_n - before[n][0] for n, p in screen.perfs.items()) >= 1
        # s reorders, enter opens the history pane for the node under the cursor, esc closes it
        await pilot.press("s")
        await until(pilot, lambda: screen.sort == "get")
        first = _table(app).keys[0]
        assert screen.perfs[first].get_ops == max(p.get_ops for p in screen.perfs.values())
        t.focus()
        t.move_cursor(row=0)  # the cursor stays on its node when a refresh reorders the rows
        on = t.cursor_key
        await pilot.press("enter")
        await until(pilot, lambda: screen.plot_node == on and screen.has_class("plotting"))
        await until(pilot, lambda: len(screen.query("#perf-plots > *")) == 2)
        await pilot.press("escape")
        await until(pilot, lambda: screen.plot_node is None)
        # hidden under a dialog it does not poll: the sign is the app's own clock (a timer of the
        # test's at the refresh interval) firing several times with no poll; shown again, it polls
        await pilot.press("colon")
        await shown(pilot, app, PromptDialog)
        await until(pilot, lambda: not any(w.group == "perf" and w.is_running for w in app.workers))  # in flight
        polls, ticks = screen.polls, []
        clock = app.set_interval(0.5, lambda: ticks.append(1))  # refresh_s above
        await until(pilot, lambda: len(ticks) >= 6, tries=1200)
        clock.stop()
        assert screen.polls == polls
        await pilot.press("escape")
        await shown(pilot, app, PerfScreen)
        await until(pilot, lambda: screen.polls > polls)
        await pilot.press("escape")
        await shown(pilot, app, ClusterScreen)
        # :perf and the palette open it as well
        app.jump(":perf")
        await shown(pilot, app, PerfScreen)
        await pilot.press("escape")
        await shown(pilot, app, ClusterScreen)
        commands = {title: cb for title, _, cb in AISCommands(app.screen)._commands()}
        commands["Performance (:perf)"]()
        await shown(pilot, app, PerfScreen)


# ---------------------------------------------------------------------- snapshots


@pytest.fixture
def perf_cluster(monkeypatch) -> PerfCluster:
    c = PerfCluster()
    monkeypatch.setattr(core_cluster, "time", PinnedClock(c))
    return c


def _app(c: PerfCluster) -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                  client=c.client())


async def _three_polls(pilot) -> None:
    """The cluster screen's first poll, then the performance screen's three polls (``r``): two
    measured intervals of the recorded traffic (600 GETs, then 40 cold GETs)."""
    app = pilot.app
    await until(pilot, lambda: app.screen.query_one("#nodes", LineTable).row_count == 3 and app.health == "ok")
    app.show_perf()
    await shown(pilot, app, PerfScreen)
    for n in range(1, 4):
        await until(pilot, lambda n=n: app.screen.polls == n)
        if n < 3:
            await pilot.press("r")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_perf_screen_snapshot(snap_compare, perf_cluster, size):
    async def ready(pilot):
        await _three_polls(pilot)
        assert _table(pilot.app).keys[0] == "t2target"  # worst first: its errors/s

    assert snap_compare(_app(perf_cluster), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_perf_history_pane_snapshot(snap_compare, perf_cluster, size):
    async def ready(pilot):
        await _three_polls(pilot)
        screen = pilot.app.screen
        _table(pilot.app).focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.plot_node == _table(pilot.app).cursor_key
                    and len(screen.query("#perf-plots > *")) == 2)
        await pilot.pause()

    assert snap_compare(_app(perf_cluster), terminal_size=size, run_before=ready)
