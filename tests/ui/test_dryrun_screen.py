"""Live dry-run screen (screens/dryrun.py): on the real cluster, the loader's per-second figures and
the cluster's GET rate and disk utilization show and move while the generated loader runs (its
children are real); on recorded reports (dryrun_events.json, recorded from a real run), the
bottleneck changes are listed, the no-GPU note shows, the device rows show when the harness
reports a device (the figures of a stubbed device: this machine has no GPU), and snapshots at
80x24 and 160x48 with the clock pinned."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.export.snippet import ExportSpec, generate
from aistui.screens.dryrun import DryRunScreen
from tests.ui.recorded_cluster import ENDPOINT, recorded_client
from tests.util import shown, unique, until

EVENTS: list[dict] = json.loads((Path(__file__).parent / "dryrun_events.json").read_text())
SPEC = ExportSpec(bucket="ais://digits", prefix="train/", style="pipe", batch_size=32)


def shown_text(app) -> str:
    """What the figures panel, the head line and the log show (plain text)."""
    from rich.console import Console

    con = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    for wid in ("#dr-head", "#dr-now", "#dr-log"):
        con.print(app.screen.query_one(wid).content)
    return con.export_text()


class Recorded(DryRunScreen):
    """The screen fed recorded reports, its cluster refresh replaced by pinned values (the
    recorded cluster has no counters that move) and its clock pinned to the reports' seconds."""

    def __init__(self, events: list[dict], gate: asyncio.Event | None = None):
        self.t = 0.0
        super().__init__(SPEC, generate(SPEC), [0, 2], source=self._replay, clock=lambda: self.t)
        self.events, self.gate = events, gate

    async def _replay(self):
        for ev in self.events:
            if ev["kind"] == "tick":
                self.t = float(ev["at"])
            yield ev
        if self.gate is not None:
            await self.gate.wait()

    def load(self) -> None:  # no cluster polling: pinned values (add_cluster) instead
        return None

    def on_mount(self) -> None:
        self.t = 3.0
        self.add_cluster(None, {})  # the first refresh: no rate yet
        self.t = 4.0
        self.add_cluster(812.0, {"t[qXbt8081]": 37, "t[Rfxt8082]": 41})
        super().on_mount()


def recorded_app() -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                  client=recorded_client())


async def open_recorded(pilot, events, gate=None) -> Recorded:
    app = pilot.app
    await until(pilot, lambda: app.health == "ok")
    screen = Recorded(events, gate)
    await app.push_screen(screen)
    return screen


# A second run appended to the recorded one (constructed: this loaded box's recorded run stayed
# loader-bound): num_workers=2 at 900 samples/s, within 2x of the recorded GET reference (1,450/s).
FASTER = [{"kind": "phase", "text": "running the loader with num_workers=2"},
          {"kind": "tick", "at": 30.0, "workers": 2, "t_s": 1.0, "samples_per_s": 900.0, "mib_per_s": 1.76,
           "wait_p50_ms": 0.4, "wait_p99_ms": 21.5, "cpu_main": 0.31, "cpu_workers": 1.42, "batches": 44,
           "samples": 900, "bytes": 1843200}]


async def test_recorded_reports_show_the_figures_and_the_bottleneck_changes():
    gate = asyncio.Event()
    app = recorded_app()
    events = EVENTS[:-2] + FASTER + EVENTS[-2:]
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_recorded(pilot, events, gate)
        ticks = sum(1 for e in events if e["kind"] == "tick")
        await until(pilot, lambda: screen.ticks == ticks)
        last = FASTER[-1]
        text = shown_text(app)
        assert f"{last['samples_per_s']:,.0f}" in text and f"{last['mib_per_s']:,.2f}" in text
        assert f"{last['wait_p50_ms']:.1f} / {last['wait_p99_ms']:.1f} ms" in text
        assert f"{last['cpu_workers']:.2f} cores" in text
        assert "812 obj/s" in text and "37%" in text and "41%" in text
        assert "no CUDA device" in text  # this machine has none: the screen says so
        assert "H→D" not in text
        # the bottleneck as it changed: the recorded run goes from the loader to the GET ceiling
        assert [c.split(": bottleneck ")[1] for c in screen.changes if ": bottleneck " in c] == [
            "the loader itself (per-sample Python work and worker IPC)", "GET (cluster + client ceiling)"]
        assert "the loader itself" in text or "GET (cluster" in text
        gate.set()
        await until(pilot, lambda: not screen.running)
        assert "dry-run finished" in shown_text(app)


async def test_a_device_shows_the_copy_and_gpu_utilization():
    """The device rows as the harness reports them with CUDA (figures of a stubbed device: this
    machine has no GPU; the harness side of the seam is tested in test_export_live.py)."""
    events = [{"kind": "device", "name": "cuda:0 Stub GPU", "note": "", "workers": 0},
              {"kind": "tick", "at": 5, "workers": 0, "samples_per_s": 900.0, "mib_per_s": 8.8,
               "wait_p50_ms": 1.0, "wait_p99_ms": 3.0, "cpu_main": 0.9, "cpu_workers": 0.0,
               "h2d_p50_ms": 0.42, "h2d_mib_per_s": 123.4, "gpu_util": 57.0}]
    app = recorded_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_recorded(pilot, events, asyncio.Event())
        await until(pilot, lambda: screen.ticks == 1)
        text = shown_text(app)
        assert "cuda:0 Stub GPU" in text and "0.42 ms, 123.4 MiB/s" in text and "57%" in text


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_dryrun_screen_snapshot(snap_compare, size):
    async def ready(pilot):
        screen = await open_recorded(pilot, EVENTS, asyncio.Event())
        await until(pilot, lambda: screen.changes and screen.changes[-1].startswith("best:"))
        await pilot.pause()

    assert snap_compare(recorded_app(), terminal_size=size, run_before=ready)


@pytest.mark.cluster
async def test_live_on_the_real_cluster(ais):
    bck = Bck.parse(f"ais://{unique('live')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(bck)
        await asyncio.gather(*(c.objects.put(bck, f"o/{i:04d}", bytes(2048)) for i in range(300)))
    spec = ExportSpec(bucket=str(bck), prefix="o/", style="plain", batch_size=16)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    events: list[dict] = []
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.health == "ok", tries=600)
            screen = DryRunScreen(spec, generate(spec), [0], max_batches=100000, max_seconds=5)
            orig = screen.apply
            screen.apply = lambda ev: (events.append(ev), orig(ev))[1]  # type: ignore[method-assign]
            await app.push_screen(screen)
            # the loader's second-by-second figures and the cluster's, side by side
            await until(pilot, lambda: screen.ticks >= 2 and (screen.tick.get("samples_per_s") or 0) > 0
                        and (screen.get_ops or 0) > 0, tries=400, step=0.1)
            text = shown_text(app)
            assert f"{screen.tick['samples_per_s']:,.0f}" in text and "obj/s" in text
            assert set(screen.disk_util) == {t.daemon_id for t in ais.targets}
            assert "no CUDA device" in text
            assert screen.loader and screen.cluster  # plotted on one time axis
            await until(pilot, lambda: not screen.running, tries=300, step=0.1)
            assert "dry-run finished" in shown_text(app) and any("steady" in c for c in screen.changes)
            assert screen.bottleneck is not None
    finally:
        Path("/tmp/h/live").mkdir(parents=True, exist_ok=True)
        Path("/tmp/h/live/events.json").write_text(json.dumps(events))
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(bck, missing_ok=True)


async def test_l_on_the_export_screen_opens_the_live_screen_and_esc_stops_it():
    """``l`` hands the form's code and sweep to console.show_dryrun; the recorded cluster's endpoint
    serves no real objects, so the run's children fail or are stopped, and the screen says which."""
    from aistui.screens.export import ExportScreen

    app = recorded_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.health == "ok")
        await app.push_screen(ExportScreen(Bck.parse("ais://digits"), "train/"))
        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.code)
        code = app.screen.code
        await pilot.press("l")
        await shown(pilot, app, DryRunScreen)
        screen = app.screen
        assert isinstance(screen, DryRunScreen)
        assert screen.code == code and screen.sweep == [0, 2] and screen.spec.bucket == "ais://digits"
        await pilot.press("escape")
        await until(pilot, lambda: not screen.running, tries=1200, step=0.05)
        assert "dry-run stopped" in shown_text(app) or "dry-run failed" in shown_text(app)
        await pilot.press("escape")
        await shown(pilot, app, ExportScreen)
