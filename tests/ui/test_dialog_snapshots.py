"""Every dialog at 80x24, reached from its screen as a user would, on recorded answers
(``dialogs_recorded.py``: ``recorded_cluster.py`` plus bucket props): each fits the terminal,
with its submit button and key line (``ctrl+s``, ``esc``) on screen. Prefetch asks nothing (it
starts a job at once), so it has no dialog. The delete confirm is in ``test_snapshots.py``.
Update with ``pytest tests/ui/test_dialog_snapshots.py --snapshot-update`` after checking the
report."""

from __future__ import annotations

from aistui.app import AISTui
from aistui.core import Bck, ConnectionSettings
from aistui.screens.buckets import BucketsScreen
from aistui.screens.cmdlog import CmdLogScreen
from aistui.screens.export import ExportScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from tests.ui.dialogs_recorded import ENDPOINT, recorded_client
from tests.util import shown, until

SIZE = (80, 24)


def make_app() -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                  client=recorded_client())


async def _buckets(pilot, key: str) -> None:
    """The buckets screen, listed and summarized, the cursor on bucket ``key``."""
    app = pilot.app
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
    t = app.screen.query_one("#buckets", LineTable)
    await until(pilot, lambda: t.get_cell("ais://digits", "objects") == "1,797"
                and t.get_cell("ais://photos", "objects") == "4")
    t.move_cursor(row=t.get_row_index(key))


async def _objects(pilot, select: int = 0) -> None:
    """ais://photos listed, ``select`` objects selected from the top."""
    app = pilot.app
    await app.push_screen(ObjectsScreen(Bck.parse("ais://photos")))
    t = app.screen.query_one(ObjectList)
    await until(pilot, lambda: t.row_count == 4)
    for _ in range(select):
        await pilot.press("space")


def test_copy_bucket(snap_compare):
    async def ready(pilot):
        await _buckets(pilot, "ais://digits")
        await pilot.press("c")
        await shown(pilot, pilot.app, FormDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_edit_props(snap_compare):
    async def ready(pilot):
        await _buckets(pilot, "ais://digits")
        await pilot.press("P")
        await shown(pilot, pilot.app, FormDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_create_bucket(snap_compare):
    async def ready(pilot):
        await _buckets(pilot, "ais://digits")
        await pilot.press("n")
        await shown(pilot, pilot.app, PromptDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_destroy_bucket(snap_compare):
    async def ready(pilot):
        await _buckets(pilot, "ais://photos")
        await pilot.press("D")
        await shown(pilot, pilot.app, ConfirmDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_evict_remote_bucket(snap_compare):
    async def ready(pilot):
        await _buckets(pilot, "ais://@REMOTE001/digits-remote")
        await pilot.press("E")
        await shown(pilot, pilot.app, FormDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_upload(snap_compare):
    async def ready(pilot):
        await _objects(pilot)
        await pilot.press("u")
        await shown(pilot, pilot.app, PromptDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_download(snap_compare, monkeypatch):
    monkeypatch.chdir("/")  # the default destination is below the current directory; the snapshot shows it

    async def ready(pilot):
        await _objects(pilot, select=2)
        await pilot.press("d")
        await shown(pilot, pilot.app, PromptDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_copy_objects_to_bucket(snap_compare):
    async def ready(pilot):
        await _objects(pilot, select=2)
        await pilot.press("c")
        await shown(pilot, pilot.app, PromptDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_copy_as_menu(snap_compare):
    async def ready(pilot):
        await _objects(pilot, select=2)
        await pilot.press("y")
        await shown(pilot, pilot.app, ChoiceDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_export_save(snap_compare):
    async def ready(pilot):
        app = pilot.app
        await until(pilot, lambda: app.health == "ok")
        await app.push_screen(ExportScreen(Bck.parse("ais://digits"), "train/", None))
        await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.code)
        app.screen.action_save()
        await shown(pilot, app, PromptDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)


def test_command_line(snap_compare):
    async def ready(pilot):
        app = pilot.app
        await until(pilot, lambda: app.health == "ok")
        app.show_cmdlog()  # an empty command log under the prompt: its few keys stay put as screens gain keys
        await shown(pilot, app, CmdLogScreen)
        await pilot.press("colon")
        await shown(pilot, app, PromptDialog)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ready)
