"""Node lifecycle and remote clusters on the cluster screen (m, D, X, R, x), driven by key on a
dedicated real 3-target cluster (maintenance, decommission and shutdown change its shape; the
shared cluster must keep both its targets). The remote attached is the shared ``remais``
cluster, under an alias of its own, on the dedicated cluster only.

Each action: the confirm says what happens to the data; decommission and shutdown need the node
id typed; the node's new state is on screen after the one refresh the action triggers (the
screen's own polling is paused); the rebalance started is tracked (the jobs screen follows it,
a notice says when it ended); the command log has the ``ais`` command.
"""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest
from textual.widgets import Button, Input

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.cluster import ClusterScreen
from aistui.screens.jobs import JobsScreen
from aistui.widgets.dialogs import ChoiceDialog, ConfirmDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from tests.util import dedicated_cluster, shown, unique, until

N_OBJECTS = 60


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    # the rebalance's quiescence, at the smallest the v1.5.0 config validation allows (8 s, and a
    # keepalive of 2 x cplane_operation): each rebalance still takes ~20-40 s on this machine
    quick = {"transport": {"quiescent": "8s"}, "timeout": {"max_keepalive": "4s"}}
    with dedicated_cluster(tmp_path_factory.mktemp("life"), "node lifecycle", ntargets=3, name="life",
                           config_overrides=quick) as c:
        yield c


def _app(cluster) -> AISTui:
    return AISTui(ConnectionSettings(endpoint=cluster.endpoint), refresh_s=0.5)


async def _cluster_screen(pilot, app, nnodes: int) -> tuple[ClusterScreen, LineTable]:
    await shown(pilot, app, ClusterScreen)
    screen = app.screen
    nodes = screen.query_one("#nodes", LineTable)
    await until(pilot, lambda: nodes.row_count == nnodes and screen._smap is not None, tries=600)
    return screen, nodes


async def _pause(pilot, screen: ClusterScreen) -> None:
    """Stop the screen's own polling: the next refresh is the one the action triggers."""
    await pilot.press("p")
    await until(pilot, lambda: screen.paused)


def _state(nodes: LineTable, node_id: str) -> str:
    return str(nodes.get_cell(node_id, "state")) if node_id in nodes.keys else ""


def _toast(app, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def _confirm(pilot, app, typed: str | None = None) -> ConfirmDialog:
    await shown(pilot, app, ConfirmDialog)
    dialog = app.screen
    if typed is not None:
        confirm = dialog.query_one("#confirm", Button)
        assert confirm.disabled  # nothing typed yet: the confirm button cannot be pressed
        dialog.query_one(Input).value = typed[:-1]
        await pilot.pause()
        assert confirm.disabled  # almost the id is not the id
        await pilot.press("ctrl+s")  # nor does the submit key take it
        await pilot.pause()
        assert app.screen is dialog
        dialog.query_one(Input).value = typed
        await until(pilot, lambda: not confirm.disabled)
        await pilot.press("enter")
    else:
        dialog.query_one("#confirm", Button).press()
    return dialog


async def _put_objects(cluster) -> tuple[Bck, dict[str, bytes]]:
    bck = Bck.parse(f"ais://{unique('life')}")
    data = {f"d{i % 4}/obj-{i:03d}.bin": os.urandom(1000 + 997 * i) for i in range(N_OBJECTS)}
    async with AISClient(cluster.endpoint) as c:
        await c.buckets.create(bck)
        for name, body in data.items():
            await c.objects.put(bck, name, body)
    return bck, data


async def _all_readable(cluster, bck: Bck, data: dict[str, bytes]) -> None:
    async with AISClient(cluster.endpoint) as c:
        for name, body in data.items():
            got = await c.objects.get(bck, name)
            assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest(), f"{name} differs"


async def _smap(cluster):
    async with AISClient(cluster.endpoint) as c:
        return await c.cluster.smap()


async def test_attach_and_detach_a_remote_cluster(three, remais):
    alias = "far-" + unique("a").split("-")[-1]
    app = _app(three)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen, _nodes = await _cluster_screen(pilot, app, len((await _smap(three)).nodes))
        remotes = screen.query_one("#remotes", LineTable)
        await pilot.press("R")
        await shown(pilot, app, FormDialog)
        form = app.screen
        # a bad alias and a bad URL are named in the form, which stays open
        form.query_one("#field-alias", Input).value = "x"
        form.query_one("#field-url", Input).value = remais.endpoint
        form.query_one("#submit", Button).press()
        await until(pilot, lambda: "too short" in str(form.query_one("#form-error").render()))
        form.query_one("#field-alias", Input).value = alias
        form.query_one("#field-url", Input).value = "ftp://nowhere"
        form.query_one("#submit", Button).press()
        await until(pilot, lambda: "http:// or https://" in str(form.query_one("#form-error").render()))
        assert app.screen is form
        form.query_one("#field-url", Input).value = remais.endpoint
        form.query_one("#submit", Button).press()
        await shown(pilot, app, ClusterScreen)
        await until(pilot, lambda: alias in remotes.keys, tries=600)
        entry = next(e for e in app.session.cmdlog if e.action == "attach remote cluster")
        assert entry.cli == f"ais cluster remote-attach {alias}={remais.endpoint}"

        # x detaches the remote under the cursor, only from the remotes table
        app._notifications.clear()
        await pilot.press("x")
        await until(pilot, lambda: _toast(app, "tab to the remote clusters table"))
        remotes.focus()
        remotes.move_cursor(row=remotes.get_row_index(alias))
        await pilot.press("x")
        dialog = await _confirm(pilot, app)
        assert f"ais://@{alias}/" in "\n".join(dialog.lines)
        await until(pilot, lambda: alias not in remotes.keys, tries=600)
        entry = next(e for e in app.session.cmdlog if e.action == "detach remote cluster")
        assert entry.cli == f"ais cluster remote-detach {alias}"
    async with AISClient(three.endpoint) as c:
        assert alias not in [r.alias for r in await c.cluster.remotes()]


async def test_maintenance_moves_data_off_and_back_and_every_object_reads_back(three):
    bck, data = await _put_objects(three)
    victim = three.targets[0].daemon_id
    app = _app(three)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen, nodes = await _cluster_screen(pilot, app, 4)
        # the primary proxy is refused, as the CLI refuses it
        nodes.move_cursor(row=nodes.get_row_index(three.proxy.daemon_id))
        await pilot.press("m")
        await until(pilot, lambda: _toast(app, f"the primary proxy {three.proxy.daemon_id}"))
        assert isinstance(app.screen, ClusterScreen)

        nodes.move_cursor(row=nodes.get_row_index(victim))
        assert "maintenance" not in _state(nodes, victim)
        await _pause(pilot, screen)
        await pilot.press("m")
        dialog = await _confirm(pilot, app)
        said = "\n".join(dialog.lines)
        assert "rebalance moves its objects to the 2 other active targets" in said
        # the one refresh the action triggers shows the new state
        await until(pilot, lambda: "maintenance" in _state(nodes, victim), tries=600)
        entry = next(e for e in app.session.cmdlog if e.action == "start maintenance")
        assert entry.cli == f"ais cluster add-remove-nodes start-maintenance {victim} --yes"
        assert entry.result.startswith("job "), entry.result
        xid = entry.result.removeprefix("job ").split(",")[0].strip()
        assert app.session.started.follow == [xid]
        # the job monitor (3) opens filtered to the rebalance, with a row per target in its detail
        await pilot.press("3")
        await shown(pilot, app, JobsScreen)
        jobs = app.screen.query_one("#jobs", LineTable)
        await until(pilot, lambda: jobs.keys == [xid], tries=600)
        jobs.focus()
        await pilot.press("enter")
        targets = app.screen.query_one("#job-targets", LineTable)
        await until(pilot, lambda: targets.row_count >= 2, tries=600)
        await pilot.press("1")
        await shown(pilot, app, ClusterScreen)
        await until(pilot, lambda: _toast(app, f"start maintenance {victim}: job {xid} finished"), tries=1200)

        # the proxy is done with it (until then it refuses stop-maintenance: 409 busy) when the
        # Smap marks the node maint-post-rebalance: the screen shows that on a refresh of its own
        await pilot.press("p")
        await until(pilot, lambda: "maint-post-rebalance" in _state(nodes, victim), tries=1200)
        await _pause(pilot, screen)

        # back: the rebalance moves its share back, and every object still reads byte for byte
        app._notifications.clear()
        await pilot.press("m")
        dialog = await _confirm(pilot, app)
        assert "moves its share of the objects back" in "\n".join(dialog.lines)
        await until(pilot, lambda: _state(nodes, victim) and "maintenance" not in _state(nodes, victim), tries=600)
        entry = next(e for e in app.session.cmdlog if e.action == "stop maintenance")
        assert entry.cli == f"ais cluster add-remove-nodes stop-maintenance {victim} --yes"
        xid = entry.result.removeprefix("job ").split(",")[0].strip()
        await until(pilot, lambda: _toast(app, f"stop maintenance {victim}: job {xid} finished"), tries=1200)
    async with AISClient(three.endpoint) as c:  # the next test's membership change is not refused as busy
        for _ in range(600):
            if await c.cluster.rebalance_ended(xid):
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail(f"the primary never saw rebalance {xid} end")
    await _all_readable(three, bck, data)


async def test_decommission_and_shutdown_need_the_node_id_typed(three):
    """Decommission a target (its new state shows after the one refresh the action triggers),
    then try to shut down another while that rebalance runs: the cluster refuses (409), the
    notice says why and nothing changes. (Waiting for the node to leave the Smap, or for a
    shutdown to end, is another ~25 s rebalance each; the maintenance test waits for two.)
    Objects are put first: a cluster with no bucket rebalances in an instant."""
    await _put_objects(three)
    app = _app(three)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen, nodes = await _cluster_screen(pilot, app, 4)
        active = [t.daemon_id for t in screen._smap.targets if not t.in_maintenance]
        assert len(active) == 3
        victim, other = active[1], active[2]
        nodes.move_cursor(row=nodes.get_row_index(victim))
        await _pause(pilot, screen)
        # esc cancels, at either step: nothing sent
        await pilot.press("D")
        await shown(pilot, app, ChoiceDialog)
        await pilot.press("escape")
        await shown(pilot, app, ClusterScreen)
        await pilot.press("D")
        await shown(pilot, app, ChoiceDialog)
        await pilot.press("k")  # keep the objects left on its disks
        await shown(pilot, app, ConfirmDialog)
        await pilot.press("escape")
        await shown(pilot, app, ClusterScreen)
        assert not list(app.session.cmdlog)

        await pilot.press("D")
        await shown(pilot, app, ChoiceDialog)
        await pilot.press("r")  # remove them too
        dialog = await _confirm(pilot, app, typed=victim)
        said = "\n".join(dialog.lines)
        assert "cannot be undone" in said and "first moves its objects to the 2 other active targets" in said
        assert "objects left on its disks are removed" in said
        await until(pilot, lambda: "decommission" in _state(nodes, victim), tries=600)
        entry = next(e for e in app.session.cmdlog if e.action == "decommission node")
        assert entry.ok and entry.result.startswith("job "), entry.result
        assert entry.cli == f"ais cluster add-remove-nodes decommission {victim} --rm-user-data --yes"

        nodes.move_cursor(row=nodes.get_row_index(other))
        app._notifications.clear()
        await pilot.press("X")
        dialog = await _confirm(pilot, app, typed=other)
        assert "stays in the cluster map" in "\n".join(dialog.lines)
        await until(pilot, lambda: any(n.message.startswith(f"shut down {other} failed: ")
                                       for n in app._notifications), tries=600)
        entry = next(e for e in app.session.cmdlog if e.action == "shut down node")
        assert not entry.ok
        assert entry.cli == f"ais cluster add-remove-nodes shutdown {other} --yes"
        assert three.node(other).proc.poll() is None  # still running
        smap = await _smap(three)
        assert not smap.node(other).in_maintenance
