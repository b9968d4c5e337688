"""Snapshots of the config tree (cluster and node, with the "differs from cluster" view), the
bucket props tree, and the edit dialog, at 80x24 and 160x48 (the dialog at 80x24), on recorded
answers.

MockTransport, as tests/ui/test_snapshots.py: a real cluster's ids, ports, paths and times differ
on every run. ``recorded/config50.json`` was captured from a real v1.5.0 cluster (1 proxy, 1
target; ``log.level=4`` and ``space.highwm=85`` set on the target as transient overrides) and
normalized (ids, ports, paths, uuid, times); the rest is the recorded cluster of
recorded_cluster.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.config import ConfigScreen
from aistui.screens.props import BucketPropsScreen
from aistui.widgets.editvalue import EditValueDialog
from aistui.widgets.jsontree import JsonTree
from tests.ui import recorded_cluster
from tests.ui.recorded_cluster import ENDPOINT
from tests.util import shown, until

SIZES = [(80, 24), (160, 48)]
_CFG = json.loads((Path(__file__).parent / "recorded" / "config50.json").read_text())


def _handler(request: httpx.Request) -> httpx.Response:
    path, q = request.url.path, request.url.params
    if path == "/v1/cluster" and q.get("what") == "cluster_config":
        return httpx.Response(200, json=_CFG["cluster_config"])
    if path == "/v1/reverse/daemon" and q.get("what") == "config":
        return httpx.Response(200, json=_CFG["node_config"])
    if request.method == "HEAD" and path == "/v1/buckets/digits":
        return httpx.Response(200, headers={"Ais-Bucket-Props": json.dumps(_CFG["bucket_props"])})
    return recorded_cluster.handler(request)


def _app() -> AISTui:
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_handler), retries=0)
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)


async def _config(pilot, node_id: str | None) -> JsonTree:
    app = pilot.app
    await until(pilot, lambda: app.health == "ok")
    app.show_config(node_id)
    await shown(pilot, app, ConfigScreen)
    await until(pilot, lambda: app.screen.loaded)
    return app.screen.query_one(JsonTree)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cluster_config_search(snap_compare, size):
    async def ready(pilot):
        tree = await _config(pilot, None)
        n = tree.search("wm")
        assert n >= 4  # the space and disk watermarks
        await until(pilot, lambda: tree.cursor_key == tree.matches[0])
        pilot.app.screen._hint()

    assert snap_compare(_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_node_config_differs_view(snap_compare, size):
    async def ready(pilot):
        tree = await _config(pilot, "t1target")
        await pilot.press("d")
        await until(pilot, lambda: "highwm: 85  (cluster: 90)" in tree.visible_text())

    assert snap_compare(_app(), terminal_size=size, run_before=ready)


def test_edit_dialog(snap_compare):
    async def ready(pilot):
        tree = await _config(pilot, "t1target")
        tree.expand_to("space.highwm")
        await until(pilot, lambda: tree.cursor_key == "space.highwm")
        await pilot.press("e")
        await shown(pilot, pilot.app, EditValueDialog)
        await pilot.press("backspace", "backspace", "8", "0")

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_bucket_props(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await until(pilot, lambda: app.health == "ok")
        app.show_bucket_props(Bck.parse("ais://digits"))
        await shown(pilot, app, BucketPropsScreen)
        await until(pilot, lambda: app.screen.loaded)
        tree = app.screen.query_one(JsonTree)
        tree.expand_to("mirror.copies")
        await until(pilot, lambda: tree.cursor_key == "mirror.copies")

    assert snap_compare(_app(), terminal_size=size, run_before=ready)
