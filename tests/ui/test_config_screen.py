"""The config screen on a dedicated cluster (1 proxy, 1 target: config changes must not leak into
the shared one): a transient cluster config set through ``:config`` (search, ``e``, old → new in
the dialog, transient), seen in the tree, in ``client.cluster.config()`` and in the command log;
a node's override shown as "differs from cluster" (``c`` on the cluster screen, ``d``), then
dropped with ``R``; and the core calls' errors. Test pilots wait on what the screen shows."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Static

from aistui.app import AISTui
from aistui.core import AISClient, ConnectionSettings
from aistui.core.conftree import ConfigDiff
from aistui.core.errors import BadRequest, InvalidInput, NotFound
from aistui.screens.cluster import ClusterScreen
from aistui.screens.config import ConfigScreen
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.editvalue import EditValueDialog
from aistui.widgets.jsontree import JsonTree
from aistui.widgets.linetable import LineTable
from tests.util import dedicated_cluster, shown, until


@pytest.fixture(scope="module")
def cfg_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("cfg"), "config", ntargets=1, name="cfg") as c:
        yield c


async def _prompt(pilot, app, text: str) -> None:
    await shown(pilot, app, PromptDialog)
    field = app.screen.query_one(Input)
    field.value = text
    field.focus()
    await pilot.press("enter")


def _notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_transient_cluster_config_set(cfg_cluster):
    async with AISClient(cfg_cluster.endpoint) as c:
        before = (await c.cluster.config())["space"]["highwm"]
    new = before - 3
    app = AISTui(ConnectionSettings(endpoint=cfg_cluster.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await shown(pilot, app, ClusterScreen)
            await pilot.press("colon")
            await _prompt(pilot, app, "config")
            await shown(pilot, app, ConfigScreen)
            screen = app.screen
            assert screen.node_id is None
            tree = screen.query_one(JsonTree)
            await until(pilot, lambda: screen.loaded)
            # / finds the key and puts the cursor on it
            await pilot.press("slash")
            await _prompt(pilot, app, "highwm")
            await until(pilot, lambda: tree.cursor_key == "space.highwm")
            assert f"highwm: {before}" in tree.visible_text()
            await pilot.press("e")
            await shown(pilot, app, EditValueDialog)
            dialog = app.screen
            assert "cluster: every node" in str(dialog.query_one("#edit-scope", Static).render())
            field = dialog.query_one(Input)
            field.value = str(new)
            await until(pilot, lambda: str(dialog.query_one("#edit-change", Static).render()) == f"{before} → {new}")
            dialog.query_one(Checkbox).value = True  # transient
            await pilot.press("ctrl+s")
            await shown(pilot, app, ConfigScreen)
            await until(pilot, lambda: f"highwm: {new}" in tree.visible_text())
            assert tree.cursor_key == "space.highwm"  # the reload kept the place
        async with AISClient(cfg_cluster.endpoint) as c:
            assert (await c.cluster.config())["space"]["highwm"] == new
        clis = [e.cli for e in app.session.cmdlog]
        assert clis == [f"ais config cluster space.highwm={new} --transient"]
    finally:
        async with AISClient(cfg_cluster.endpoint) as c:
            await c.config.set_cluster({"space.highwm": str(before)}, transient=True)


async def test_node_override_differs_view_and_reset(cfg_cluster):
    tid = cfg_cluster.targets[0].daemon_id
    async with AISClient(cfg_cluster.endpoint) as c:
        level = (await c.config.cluster())["log"]["level"]
        await c.config.set_node(tid, {"log.level": "4"}, transient=True)
        assert await c.config.node_diff(tid) == [ConfigDiff("log.level", level, "4")]
    app = AISTui(ConnectionSettings(endpoint=cfg_cluster.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await shown(pilot, app, ClusterScreen)
            nodes = app.screen.query_one("#nodes", LineTable)
            await until(pilot, lambda: tid in nodes.keys)
            nodes.move_cursor(row=nodes.keys.index(tid))
            await pilot.press("c")
            await shown(pilot, app, ConfigScreen)
            screen = app.screen
            assert screen.node_id == tid
            tree = screen.query_one(JsonTree)
            await until(pilot, lambda: screen.loaded)
            tree.expand_to("log.level")
            await until(pilot, lambda: f"level: 4  (cluster: {level})" in tree.visible_text())
            await pilot.press("d")  # only what differs
            await until(pilot, lambda: tree.visible_text() == ["log  *", f"level: 4  (cluster: {level})"])
            await pilot.press("R")
            await shown(pilot, app, ConfirmDialog)
            assert any("log.level" in ln for ln in app.screen.lines)
            app.screen.dismiss(True)
            await shown(pilot, app, ConfigScreen)
            await until(pilot, lambda: screen.diffs == [] and tree.visible_text() == [])
            await until(pilot, lambda: f"reset config of {tid}: done" in _notes(app))
        assert [e.cli for e in app.session.cmdlog] == [f"ais config reset {tid}"]
        async with AISClient(cfg_cluster.endpoint) as c:
            assert await c.config.node_diff(tid) == []
    finally:
        async with AISClient(cfg_cluster.endpoint) as c:
            await c.config.reset_node(tid)


async def test_core_config_errors(cfg_cluster):
    tid = cfg_cluster.targets[0].daemon_id
    async with AISClient(cfg_cluster.endpoint) as c:
        node = await c.config.node(tid)
        assert {"fspaths", "host_net", "log_dir"} <= set(node) and "space" in node
        with pytest.raises(NotFound):
            await c.config.node("no-such-node")
        with pytest.raises(BadRequest):
            await c.config.set_node(tid, {"space.highwm": "lots"})
        with pytest.raises(BadRequest):
            await c.config.set_cluster({"space.no_such_key": "1"}, transient=True)
        with pytest.raises(InvalidInput):
            await c.config.set_cluster({})
        with pytest.raises(InvalidInput):
            await c.config.set_node(tid, {"transient": "true"})
        assert await c.config.node_diff(tid) == []  # nothing was changed by the refusals
