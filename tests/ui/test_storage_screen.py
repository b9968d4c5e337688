"""The storage screen on a dedicated real cluster (2 targets x 2 mountpaths; the shared one must
keep its shape): ``s`` on the cluster screen opens it on the selected target, ``d`` disables a
mountpath after a confirm that names the target and the mountpath, the row shows the change, the
resilver is tracked as a job (toasts), ``e`` enables it again; both are in the command log with
their ``ais storage mountpath`` commands. Snapshots (80x24, 160x48) are on recorded answers:
tests/ui/storage_recorded.py."""

from __future__ import annotations

import pytest

from aistui.app import AISTui
from aistui.core import ConnectionSettings
from aistui.screens.cluster import ClusterScreen
from aistui.screens.storage import StorageScreen, mp_key
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.linetable import LineTable
from tests.ui.recorded_cluster import ENDPOINT
from tests.ui.storage_recorded import storage_client
from tests.util import dedicated_cluster, notes_seen, shown, until


@pytest.fixture(scope="module")
def mp_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("stui"), "storage screen", ntargets=2, mountpaths=2,
                           name="stui") as c:
        yield c


async def test_disable_then_enable_shows_the_state_change(mp_cluster):
    tid = mp_cluster.targets[1].daemon_id
    app = AISTui(ConnectionSettings(endpoint=mp_cluster.endpoint), refresh_s=0.5)
    notes = notes_seen(app)  # the toasts raised, kept after they leave the screen
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await shown(pilot, app, ClusterScreen)
        nodes = app.screen.query_one("#nodes", LineTable)
        await until(pilot, lambda: tid in nodes.keys)
        nodes.move_cursor(row=nodes.get_row_index(tid))
        await pilot.press("s")
        await shown(pilot, app, StorageScreen)
        screen = app.screen
        table = screen.query_one("#storage", LineTable)
        await until(pilot, lambda: table.row_count == 6, tries=600)  # 2 targets + 4 mountpaths
        assert table.cursor_key == tid  # the target selected on the cluster screen
        key = table.keys[table.get_row_index(tid) + 2]  # its second mountpath
        path = key.split("\t")[1]
        assert key == mp_key(tid, path) and str(table.get_cell(key, "state")) == "available"
        assert "2 of 2 available" in str(table.get_cell(tid, "state"))

        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("d")
        await shown(pilot, app, ConfirmDialog)
        body = "\n".join(app.screen.lines)
        assert f"t[{tid}]" in body and path in body
        app.screen.query_one("#confirm").press()
        await until(pilot, lambda: str(table.get_cell(key, "state")) == "disabled", tries=600)
        assert "1 of 2 available" in str(table.get_cell(tid, "state"))
        await until(pilot, lambda: path in str(screen.query_one("#storage-alerts").render()))
        await until(pilot, lambda: any("job" in n and "started" in n and path in n for n in notes))
        await until(pilot, lambda: any("finished" in n and path in n for n in notes), tries=600)

        await pilot.press("d")  # disabled already: said so, nothing asked
        await until(pilot, lambda: any("nothing to disable" in n for n in notes))
        assert isinstance(app.screen, StorageScreen)

        await pilot.press("e")
        await shown(pilot, app, ConfirmDialog)
        app.screen.query_one("#confirm").press()
        await until(pilot, lambda: str(table.get_cell(key, "state")) == "available", tries=600)
        assert "2 of 2 available" in str(table.get_cell(tid, "state"))

        await pilot.press("a")  # attach asks for a path; esc cancels and nothing is sent
        await shown(pilot, app, PromptDialog)
        await pilot.press("escape")
        await shown(pilot, app, StorageScreen)

    clis = [e.cli for e in app.session.cmdlog.newest_first()]
    assert clis == [f"ais storage mountpath enable {tid}={path}", f"ais storage mountpath disable {tid}={path}"]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_storage_screen_snapshot(snap_compare, size):
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                 client=storage_client())

    async def ready(pilot):
        await until(pilot, lambda: app.screen.query_one("#nodes", LineTable).row_count == 3 and app.health == "ok")
        app.show_storage("t2target")
        await shown(pilot, app, StorageScreen)
        await until(pilot, lambda: app.screen.query_one("#storage", LineTable).row_count == 7)

    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("key", ["d", "a"], ids=["disable-confirm", "attach-prompt"])
def test_storage_dialog_snapshot_80x24(snap_compare, key):
    """The disable confirm (naming the target and the mountpath) and the attach prompt at 80x24."""
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                 client=storage_client())

    async def ready(pilot):
        await until(pilot, lambda: app.screen.query_one("#nodes", LineTable).row_count == 3 and app.health == "ok")
        app.show_storage()
        await shown(pilot, app, StorageScreen)
        table = app.screen.query_one("#storage", LineTable)
        await until(pilot, lambda: table.row_count == 7)
        table.move_cursor(row=table.get_row_index(mp_key("t1target", "/ais/mp1")))
        await pilot.press(key)
        await shown(pilot, app, ConfirmDialog if key == "d" else PromptDialog)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
