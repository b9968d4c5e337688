"""The command log (``:log``): actions taken through the UI against the real local cluster are
logged with their exact ``ais`` commands, failures with their error, refusals not at all; ``y``
copies the command, ``Y`` the SDK call; a token never appears. Snapshots of the log screen at
80x24 and 160x48 on a pinned clock (recorded answers, as tests/ui/test_snapshots.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual.widgets import Button, Input

from aistui.app import AISTui
from aistui.cmdlog import CommandLog
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.buckets import BucketsScreen
from aistui.screens.cmdlog import CmdLogScreen
from aistui.screens.objects import ObjectsScreen
from aistui.spell import data
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog, TransferDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from tests.ui.recorded_cluster import ENDPOINT, recorded_client
from tests.util import shown, unique, until

TOKEN = "planted-token-0123456789abcdef"  # the plain cluster ignores it; the log must never show it


def _msgs(app) -> list[str]:
    return [n.message for n in app._notifications]


async def _prompt(pilot, app, text: str) -> None:
    await shown(pilot, app, PromptDialog)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def _jump(pilot, app, text: str) -> None:
    await pilot.press("colon")
    await _prompt(pilot, app, text)


async def test_ui_actions_are_logged_with_their_ais_commands(ais, tmp_path: Path):
    name = unique("log")
    b = Bck.parse(f"ais://{name}")
    src = tmp_path / "hello world.txt"
    src.write_bytes(b"hello")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint, token=TOKEN), refresh_s=60, image_protocol="halfcell")
    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
            await pilot.press("n")
            await _prompt(pilot, app, str(b))
            await until(pilot, lambda: f"create {b}: done" in _msgs(app))
            await pilot.press("n")  # again: the cluster refuses, and the log says why
            await _prompt(pilot, app, str(b))
            await until(pilot, lambda: any(m.startswith(f"create {b} failed") for m in _msgs(app)))

            await app.push_screen(ObjectsScreen(b))
            await shown(pilot, app, ObjectsScreen)
            await pilot.press("u")
            await _prompt(pilot, app, f"'{src}'")
            await until(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen.finished)
            await pilot.press("escape")
            olist = app.screen.query_one(ObjectList)
            await until(pilot, lambda: olist.keys() == ["hello world.txt"])
            app._notifications.clear()
            await pilot.press("E")  # evict on an ais:// bucket is refused before anything is sent
            await until(pilot, lambda: any("not a remote bucket" in m for m in _msgs(app)))
            await pilot.press("x")
            await shown(pilot, app, ConfirmDialog)
            app.screen.query_one("#confirm", Button).press()
            await until(pilot, lambda: any(m.startswith("deleted 1 object") for m in _msgs(app)))

            await _jump(pilot, app, "log")
            await shown(pilot, app, CmdLogScreen)
            table = app.screen.query_one(LineTable)
            entries = app.session.cmdlog.newest_first()
            assert [(e.action, e.on) for e in entries] == [
                ("delete", f"{b}/hello world.txt"), ("upload", f"{b}/hello world.txt"),
                ("create bucket", str(b)), ("create bucket", str(b))]  # the refused evict is not there
            assert [e.ok for e in entries] == [True, True, False, True]
            assert entries[0].result == "ok" and entries[3].result == "ok"
            assert entries[1].result.startswith("uploaded 1 files")
            assert entries[2].result.startswith("failed: ") and "\n" not in entries[2].result
            assert [e.cli for e in entries] == [
                f"ais object rm '{b}/hello world.txt'",
                f"ais put '{src}' '{b}/hello world.txt'",
                f"ais bucket create {b}",
                f"ais bucket create {b}",
            ]
            assert entries[0].sdk == f"client.bucket({name!r}).object('hello world.txt').delete()"
            assert all(e.duration_s >= 0 for e in entries)
            assert table.row_count == 4 and table.get_cell(table.keys[0], "action") == "delete"
            assert table.get_cell(table.keys[2], "result").startswith("failed:")
            detail = str(app.screen.query_one("#cmdlog-detail").content)
            assert f"$ ais object rm '{b}/hello world.txt'" in detail
            assert "SDK: client.bucket(" in detail

            await pilot.press("y")
            assert app.clipboard == f"ais object rm '{b}/hello world.txt'"
            await pilot.press("Y")
            assert app.clipboard == entries[0].sdk
            await pilot.press("down")
            await until(pilot, lambda: "ais put" in str(app.screen.query_one("#cmdlog-detail").content))
            await pilot.press("y")
            assert app.clipboard == f"ais put '{src}' '{b}/hello world.txt'"

            # a new action while the log is shown goes on top
            await app.session.start("destroy", app.session.client.buckets.destroy(b), data.destroy_bucket(b))
            await until(pilot, lambda: table.row_count == 5 and table.get_cell(table.keys[0], "action")
                        == "destroy bucket")
            await pilot.press("escape")
            await shown(pilot, app, ObjectsScreen)
            texts = [repr(e) for e in app.session.cmdlog]
            assert texts and not any(TOKEN in t for t in texts)
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(b, missing_ok=True)


async def test_palette_opens_the_log_and_an_empty_log_says_what_it_is(ais):
    from aistui.commands import AISCommands

    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        commands = {title: cb for title, _, cb in AISCommands(app.screen)._commands()}
        commands["Command log (:log)"]()
        await shown(pilot, app, CmdLogScreen)
        assert "Nothing yet" in str(app.screen.query_one("#cmdlog-detail").content)
        await pilot.press("y")  # nothing to copy: nothing happens
        assert isinstance(app.screen, CmdLogScreen)


async def test_an_action_with_no_single_command_copies_the_sdk_call(ais, bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        s = app.session
        async with s.record(data.upload(bucket, [("/a", "a"), ("/b", "b")])) as rec:
            rec.result("uploaded 2 files")
        app.show_cmdlog()
        await shown(pilot, app, CmdLogScreen)
        assert "no single ais command" in str(app.screen.query_one("#cmdlog-detail").content)
        await pilot.press("y")
        await until(pilot, lambda: any(m.startswith("no ais command for upload") for m in _msgs(app)))
        await pilot.press("Y")
        assert app.clipboard.startswith("for path, name in [('/a', 'a'), ('/b', 'b')]:")


# ---------------------------------------------------------------------- snapshots

SIZES = [(80, 24), (160, 48)]
T0 = datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone(timedelta(hours=1)))


def _pinned_log() -> CommandLog:
    log = CommandLog(clock=lambda: T0)
    imgs, raw = Bck.parse("ais://imgs"), Bck.parse("s3://raw")
    rows = [
        (data.create_bucket(imgs), "ok", 0.012, True),
        (data.upload(imgs, [("/home/me/cat.jpg", "pets/cat.jpg")]), "uploaded 1 files (48.2 KiB) in 0.1 s",
         0.094, True),
        (data.copy_bucket(raw, imgs, prefix="train/", all_objects=True), "job Xb7fQ2", 0.35, True),
        (data.delete_objects(imgs, ["pets/cat.jpg", "pets/dog 1.jpg"]), "job kP0aa1", 2.6, True),
        (data.destroy_bucket(Bck.parse("ais://old")), "failed: bucket \"ais://old\" does not exist", 0.004,
         False),
        (data.evict_objects(raw, ["a,b.txt"]), "job Rr9x", 0.21, True),
    ]
    for i, (cmd, result, took, ok) in enumerate(rows):
        log.add(cmd, result, started=T0 + timedelta(seconds=7 * i), duration_s=took, ok=ok)
    return log


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cmdlog_screen_snapshot(snap_compare, size):
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                 client=recorded_client())
    app.session.cmdlog = _pinned_log()

    async def ready(pilot):
        await until(pilot, lambda: app.health == "ok")
        app.show_cmdlog()
        await shown(pilot, app, CmdLogScreen)
        await pilot.press("down", "down", "down")  # the bucket copy: --prefix and --all in the detail line
        await until(pilot, lambda: "--all" in str(app.screen.query_one("#cmdlog-detail").content))

    assert snap_compare(app, terminal_size=size, run_before=ready)
