"""The cluster screen with a target in maintenance, on a dedicated real cluster (the shared one
must keep both targets serving)."""

from __future__ import annotations

from aistui.app import AISTui
from aistui.core import AISClient, ConnectionSettings
from aistui.playground.cluster import LocalCluster
from aistui.widgets.linetable import LineTable
from tests.util import until


async def test_a_target_in_maintenance_is_named_and_clears_when_it_returns(tmp_path):
    cluster = LocalCluster(tmp_path, ntargets=2, name="maint").start()
    try:
        tid = cluster.targets[1].daemon_id
        app = AISTui(ConnectionSettings(endpoint=cluster.endpoint), refresh_s=0.5)
        async with app.run_test(size=(160, 30)) as pilot:
            nodes = app.screen.query_one("#nodes", LineTable)
            await until(pilot, lambda: nodes.row_count == 3 and str(nodes.get_cell(tid, "state")) != "")
            assert "maintenance" not in str(nodes.get_cell(tid, "state"))
            async with AISClient(cluster.endpoint) as c:
                await c.cluster.start_maintenance(tid, skip_rebalance=True)
            await until(pilot, lambda: "maintenance" in str(nodes.get_cell(tid, "state")), tries=600)
            state = str(nodes.get_cell(tid, "state"))
            assert state.count("maintenance") == 1, state  # named once, not repeated
            other = cluster.targets[0].daemon_id
            assert "maintenance" not in str(nodes.get_cell(other, "state"))
            async with AISClient(cluster.endpoint) as c:
                await c.cluster.stop_maintenance(tid, skip_rebalance=True)
            await until(pilot, lambda: "maintenance" not in str(nodes.get_cell(tid, "state")), tries=600)
    finally:
        cluster.stop()
