"""The console driven by Textual's Pilot against the real local cluster."""

from __future__ import annotations

import subprocess
import sys

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.buckets import BucketsScreen
from aistui.screens.cluster import ClusterScreen
from aistui.screens.connection import ConnectionScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from aistui.widgets.status import StatusBar
from tests.util import shown, unique, until


async def test_cluster_screen_shows_every_node_and_health(ais):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(140, 30)) as pilot:
        assert isinstance(app.screen, ClusterScreen)
        nodes = app.screen.query_one("#nodes", LineTable)
        await until(pilot, lambda: nodes.row_count == 3)
        ids = set(nodes.keys)
        assert ids == {n.daemon_id for n in ais.nodes}
        roles = sorted(nodes.get_cell(k, "role") for k in nodes.keys)
        assert roles == ["primary", "target", "target"]
        bar = app.screen.query_one(StatusBar)
        await until(pilot, lambda: bar.health == "ok" and bar.version == "5.0")
        assert not bar.read_only


async def test_buckets_then_objects_by_virtual_directory(ais):
    b = Bck.parse(f"ais://{unique('ui')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        for name in ("train/cat/1.png", "train/dog/2.png", "val/cat/3.png", "README"):
            await c.objects.put(b, name, b"img")
    try:
        app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.press("2")
            assert isinstance(app.screen, BucketsScreen)
            table = app.screen.query_one("#buckets", LineTable)
            await until(pilot, lambda: str(b) in set(table.keys))
            await until(pilot, lambda: table.get_cell(str(b), "objects") == "4", tries=400)
            table.move_cursor(row=table.get_row_index(str(b)))
            await pilot.press("enter")
            await shown(pilot, app, ObjectsScreen)
            objs = app.screen.query_one(ObjectList)
            await until(pilot, lambda: objs.row_count == 3)
            assert set(objs.keys()) == {"train/", "val/", "README"}
            objs.move_cursor(row=objs.get_row_index("train/"))
            await pilot.press("enter")
            await until(pilot, lambda: set(objs.keys()) == {"train/cat/", "train/dog/"})
            assert "train/" in app.screen.query_one(StatusBar).breadcrumb
            await pilot.press("backspace")
            await until(pilot, lambda: objs.row_count == 3)
            await pilot.press("escape")
            assert isinstance(app.screen, BucketsScreen)
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(b)


async def test_unreachable_cluster_opens_the_connection_screen_and_q_quits():
    app = AISTui(ConnectionSettings(endpoint="http://127.0.0.1:1"), refresh_s=60)
    async with app.run_test(size=(120, 30)) as pilot:
        await shown(pilot, app, ConnectionScreen)
        text = str(app.screen.query_one("#conn-reason").content)
        assert "connection refused" in text
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)


async def test_connection_screen_edit_endpoint_recovers(ais):
    app = AISTui(ConnectionSettings(endpoint="http://127.0.0.1:1"), refresh_s=60)
    async with app.run_test(size=(120, 30)) as pilot:
        await shown(pilot, app, ConnectionScreen)
        await pilot.press("e")
        inp = app.screen.query_one("#conn-endpoint")
        inp.value = ais.endpoint
        await pilot.press("enter")
        await until(pilot, lambda: app.health == "ok")
        assert app.settings.endpoint == ais.endpoint
        nodes = app.screen.query_one("#nodes", LineTable)
        await pilot.press("r")
        await until(pilot, lambda: nodes.row_count == 3)


def test_starting_the_console_imports_neither_torch_nor_the_sdk():
    """Start-up stays fast: torch, the SDK and aiohttp (loaded on the first request) stay out."""
    code = ("import sys, aistui.cli, aistui.app; "
            "bad = [m for m in ('torch', 'aistore', 'aiohttp') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_question_mark_opens_the_key_help():
    app = AISTui(ConnectionSettings(endpoint="http://127.0.0.1:1"), refresh_s=60)
    async with app.run_test(size=(140, 40)) as pilot:
        await shown(pilot, app, ConnectionScreen)
        await pilot.press("r")  # back to the cluster screen (the retry fails again later)
        await pilot.press("question_mark")
        await until(pilot, lambda: bool(app.screen.query("HelpPanel")))
