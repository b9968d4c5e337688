"""The bucket props tree on the shared cluster's own bucket fixture: ``p`` on the buckets screen
opens the whole property tree; ``enter`` (or ``e``) on a leaf shows old → new and sends only that change (one
PATCH whose body names only the edited key); ``R`` resets to the cluster's defaults after a
confirm; both are in the command log with their ``ais bucket props`` spelling."""

from __future__ import annotations

import json

from textual.widgets import Input, Static

from aistui.app import AISTui
from aistui.core import AISClient, ConnectionSettings
from aistui.core.client import AISClient as CoreClient
from aistui.core.conftree import flatten
from aistui.screens.buckets import BucketsScreen
from aistui.screens.props import BucketPropsScreen
from aistui.widgets.dialogs import ConfirmDialog
from aistui.widgets.editvalue import EditValueDialog
from aistui.widgets.jsontree import JsonTree
from aistui.widgets.linetable import LineTable
from tests.util import shown, until


async def test_edit_one_prop_then_reset(ais, bucket, monkeypatch):
    patches: list[dict] = []
    orig = CoreClient.request

    async def request(self, method, path, **kw):
        if method == "PATCH":
            patches.append(kw.get("json") or {})
        return await orig(self, method, path, **kw)

    monkeypatch.setattr(CoreClient, "request", request)
    async with AISClient(ais.endpoint) as c:
        before = await c.buckets.head(bucket)
    old = before["lru"]["dont_evict_time"]
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
        table = app.screen.query_one("#buckets", LineTable)
        await until(pilot, lambda: str(bucket) in set(table.keys))
        table.move_cursor(row=table.get_row_index(str(bucket)))
        await pilot.press("p")
        await shown(pilot, app, BucketPropsScreen)
        screen = app.screen
        tree = screen.query_one(JsonTree)
        await until(pilot, lambda: screen.loaded)
        assert {"versioning", "checksum", "mirror", "ec", "lru", "access", "features", "write_policy"} <= set(
            tree.keys())
        tree.expand_to("lru.dont_evict_time")
        await until(pilot, lambda: tree.cursor_key == "lru.dont_evict_time")
        await pilot.press("enter")  # enter on a leaf edits it, as e does (tests/ui/test_config_screen.py)
        await shown(pilot, app, EditValueDialog)
        dialog = app.screen
        assert f"bucket {bucket}" in str(dialog.query_one("#edit-scope", Static).render())
        dialog.query_one(Input).value = "1h"
        await until(pilot, lambda: str(dialog.query_one("#edit-change", Static).render()) == f"{old} → 1h")
        await pilot.press("enter")
        await shown(pilot, app, BucketPropsScreen)
        await until(pilot, lambda: "dont_evict_time: 1h0m" in tree.visible_text())
        assert patches == [{"action": "set-bprops", "value": {"lru": {"dont_evict_time": "1h"}}}]
        async with AISClient(ais.endpoint) as c:
            after = await c.buckets.head(bucket)
        changed = {k for k, v in flatten(after).items() if flatten(before).get(k) != v}
        assert changed == {"lru.dont_evict_time"}, json.dumps(after)
        # R: back to the cluster's defaults
        await pilot.press("R")
        await shown(pilot, app, ConfirmDialog)
        app.screen.dismiss(True)
        await shown(pilot, app, BucketPropsScreen)
        await until(pilot, lambda: f"dont_evict_time: {old}" in tree.visible_text())
        assert patches[-1] == {"action": "reset-bprops"}
    assert [e.cli for e in app.session.cmdlog] == [f"ais bucket props set {bucket} lru.dont_evict_time=1h",
                                                   f"ais bucket props reset {bucket}"]
    async with AISClient(ais.endpoint) as c:
        reset = flatten(await c.buckets.head(bucket))
    # v1.5.0 rebuilds the props from the cluster's defaults on reset-bprops, "created" included
    # (it comes back as "0"): every other property is as the new bucket had it
    assert {k: v for k, v in reset.items() if k != "created"} == {k: v for k, v in flatten(before).items()
                                                                  if k != "created"}
