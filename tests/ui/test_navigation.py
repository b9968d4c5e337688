"""Getting around: ``:`` jumps, the cluster switcher (config contexts), and the command palette's
context commands, against the real local cluster pair."""

from __future__ import annotations

import json

import pytest
from textual.command import CommandList, CommandPalette

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ChoiceDialog, PromptDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from aistui.widgets.status import StatusBar
from tests.util import shown, unique, until


@pytest.fixture
async def imgs(ais):
    b = Bck.parse(f"ais://{unique('nav')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        for n in ("train/cat-0.png", "train/cat-1.png", "train/dog-0.png", "val/cat-9.png"):
            await c.objects.put(b, n, b"x")
    yield b
    async with AISClient(ais.endpoint) as c:
        await c.buckets.destroy(b, missing_ok=True)


async def _command(pilot, app, text: str) -> None:
    await pilot.press("colon")
    await shown(pilot, app, PromptDialog)
    app.screen.query_one("#prompt-input").value = text
    await pilot.press("enter")


async def test_colon_jumps_to_a_bucket_prefix_and_between_screens(ais, imgs):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(140, 30)) as pilot:
        await _command(pilot, app, f"b {imgs}/train/ca")
        await shown(pilot, app, ObjectsScreen)
        olist = app.screen.query_one(ObjectList)
        await until(pilot, lambda: set(olist.keys()) == {"train/cat-0.png", "train/cat-1.png"})
        assert "train/ca*" in app.screen.query_one(StatusBar).breadcrumb
        assert app.current_mode == "buckets"
        await pilot.press("backspace")  # up clears the name filter and leaves train/
        await until(pilot, lambda: set(olist.keys()) == {"train/", "val/"})
        await _command(pilot, app, "jobs")
        await until(pilot, lambda: app.current_mode == "jobs")
        await _command(pilot, app, "frobnicate")
        await until(pilot, lambda: any("unknown command" in n.message for n in app._notifications))
        assert app.current_mode == "jobs" and app.is_running


async def test_cluster_switcher_moves_to_another_configured_cluster(ais, remais, tmp_path, monkeypatch):
    cfg = tmp_path / "aistui" / "config.json"
    cfg.parent.mkdir()
    cfg.write_text(json.dumps({"clusters": {"local": {"endpoint": ais.endpoint},
                                            "remote": {"endpoint": remais.endpoint, "read_only": True}}}))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint, name="local"), refresh_s=60)
    async with app.run_test(size=(160, 40)) as pilot:
        nodes = app.screen.query_one("#nodes", LineTable)
        await until(pilot, lambda: nodes.row_count == 3)
        await pilot.press("C")
        await shown(pilot, app, ChoiceDialog)
        await pilot.press("2")  # "remote"
        await until(pilot, lambda: app.settings.name == "remote" and app.health == "ok")
        bar = app.screen.query_one(StatusBar)
        await until(pilot, lambda: bar.cluster == "remote" and bar.read_only)
        nodes = app.screen.query_one("#nodes", LineTable)
        smap = app.client.cluster
        want = {n.daemon_id for n in (await smap.smap()).nodes}
        await until(pilot, lambda: set(nodes.keys) == want)
        assert app.client.settings.endpoint == remais.endpoint
        # a read-only profile refuses changes
        await pilot.press("2")
        await until(pilot, lambda: app.current_mode == "buckets")
        await pilot.press("n")
        await until(pilot, lambda: any("read-only mode: create bucket is disabled" in n.message
                                       for n in app._notifications))
        assert not isinstance(app.screen, PromptDialog)


async def test_palette_offers_the_current_screens_actions(ais, imgs):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(140, 30)) as pilot:
        await app.push_screen(ObjectsScreen(imgs))
        await until(pilot, lambda: app.screen.query_one(ObjectList).row_count == 2)
        await pilot.press("ctrl+p")
        await shown(pilot, app, CommandPalette)
        await pilot.press(*"upload")
        results = app.screen.query_one(CommandList)
        await until(pilot, lambda: results.has_class("--visible") and results.highlighted is not None
                    and "Upload" in str(results.get_option_at_index(results.highlighted).prompt))
        await pilot.press("enter")
        await shown(pilot, app, PromptDialog)
        assert "Upload into" in str(app.screen.title_text)


async def test_j_k_g_G_move_in_tables(ais):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40)) as pilot:
        nodes = app.screen.query_one("#nodes", LineTable)
        await until(pilot, lambda: nodes.row_count == 3)
        nodes.focus()
        await pilot.press("j")
        assert nodes.cursor_row == 1
        await pilot.press("G")
        assert nodes.cursor_row == 2
        await pilot.press("k", "g")
        assert nodes.cursor_row == 0
