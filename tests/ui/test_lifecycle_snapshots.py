"""Snapshots at 80x24 of the cluster screen's node lifecycle and remote-cluster dialogs (m, D, X,
R, x), on the recorded answers of tests/ui/recorded_cluster.py (MockTransport: a real cluster's
ids and ports differ every run). Nothing is sent: each dialog is shown, not confirmed. Update with
``pytest tests/ui/test_lifecycle_snapshots.py --snapshot-update`` after checking the report.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from aistui.app import AISTui
from aistui.core import ConnectionSettings
from aistui.screens.cluster import ClusterScreen
from aistui.widgets.dialogs import ChoiceDialog, ConfirmDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from tests.ui.recorded_cluster import ENDPOINT, recorded_client
from tests.util import shown, until


def make_app() -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                  client=recorded_client())


async def _on_target(pilot) -> None:
    app = pilot.app
    await shown(pilot, app, ClusterScreen)
    nodes = app.screen.query_one("#nodes", LineTable)
    await until(pilot, lambda: nodes.row_count == 3 and app.screen._smap is not None)
    await until(pilot, lambda: app.screen.query_one("#remotes", LineTable).row_count == 1)
    nodes.move_cursor(row=nodes.get_row_index("t1target"))


@pytest.mark.parametrize(("keys", "dialog", "typed"), [
    ("m", ConfirmDialog, ""), ("D", ChoiceDialog, ""), ("Dk", ConfirmDialog, "t1tar"), ("X", ConfirmDialog, ""),
    ("R", FormDialog, ""),
], ids=["maintenance", "decommission-data", "decommission", "shutdown", "attach"])
def test_lifecycle_dialog_80x24(snap_compare, keys, dialog, typed):
    async def ready(pilot):
        await _on_target(pilot)
        await pilot.press(keys[0])
        if keys == "Dk":  # the data choice first, then the typed confirm
            await shown(pilot, pilot.app, ChoiceDialog)
            await pilot.press("k")
        await shown(pilot, pilot.app, dialog)
        if typed:
            await pilot.press(*typed)  # part of the node id: the confirm button stays disabled
            await until(pilot, lambda: pilot.app.screen.query_one(Input).value == typed)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ready)


def test_detach_remote_dialog_80x24(snap_compare):
    async def ready(pilot):
        await _on_target(pilot)
        remotes = pilot.app.screen.query_one("#remotes", LineTable)
        remotes.focus()
        await pilot.press("x")
        await shown(pilot, pilot.app, ConfirmDialog)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=ready)
