"""Snapshot tests of every screen at 80x24 and 160x48 on recorded AIS 5.0 answers.

MockTransport (see recorded_cluster.py): a real cluster's ids, ports and uptimes differ on every
run, so byte-identical snapshots need recorded answers. Image previews use half-blocks; no clock
or progress bar is on these screens. Update with ``pytest tests/ui/test_snapshots.py
--snapshot-update`` after checking the report.
"""

from __future__ import annotations

import pytest

from aistui.app import AISTui
from aistui.core import Bck, ConnectionSettings
from aistui.screens.buckets import BucketsScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ConfirmDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from aistui.widgets.preview import Preview
from tests.ui.recorded_cluster import ENDPOINT, recorded_client
from tests.util import shown, until

SIZES = [(80, 24), (160, 48)]


def make_app() -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                  client=recorded_client())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cluster_screen(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await until(pilot, lambda: app.screen.query_one("#nodes", LineTable).row_count == 3 and app.health == "ok")
        await until(pilot, lambda: app.screen.query_one("#remotes", LineTable).row_count == 1)

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_buckets_screen(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
        t = app.screen.query_one("#buckets", LineTable)
        await until(pilot, lambda: t.get_cell("ais://digits", "objects") == "1,797"
                     and t.get_cell("ais://photos", "objects") == "4")

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_objects_screen_virtual_directories(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await app.push_screen(ObjectsScreen(Bck.parse("ais://digits"), prefix="train/"))
        await until(pilot, lambda: app.screen.query_one(ObjectList).row_count == 10)

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_objects_screen_text_preview(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await app.push_screen(ObjectsScreen(Bck.parse("ais://photos")))
        t = app.screen.query_one(ObjectList)
        await until(pilot, lambda: "README.txt" in t.keys())
        t.move_cursor(row=t.get_row_index("README.txt"))
        await until(pilot, lambda: app.screen.query_one(Preview).kind == "text")

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_delete_confirm_dialog(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await app.push_screen(ObjectsScreen(Bck.parse("ais://photos")))
        t = app.screen.query_one(ObjectList)
        await until(pilot, lambda: t.row_count == 4)
        await pilot.press("space", "space")
        await pilot.press("x")
        await shown(pilot, app, ConfirmDialog)

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_connection_screen(snap_compare, size):
    app = AISTui(ConnectionSettings(endpoint="http://127.0.0.1:1"), refresh_s=3600)

    async def ready(pilot):
        from aistui.screens.connection import ConnectionScreen

        await until(pilot, lambda: isinstance(pilot.app.screen, ConnectionScreen))

    assert snap_compare(app, terminal_size=size, run_before=ready)


def test_light_theme(snap_compare):
    """The light theme (``--theme textual-light``) keeps selection, directories and the cursor
    readable on a light terminal."""
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                 client=recorded_client(), theme="textual-light")

    async def ready(pilot):
        await pilot.app.push_screen(ObjectsScreen(Bck.parse("ais://photos")))
        t = pilot.app.screen.query_one(ObjectList)
        await until(pilot, lambda: t.row_count == 4)
        await pilot.press("space", "k")
        await until(pilot, lambda: pilot.app.screen.query_one(Preview).kind == "text")

    assert snap_compare(app, terminal_size=(100, 30), run_before=ready)
