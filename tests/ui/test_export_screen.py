"""Export screen: the form regenerates highlighted code, ``y`` copies it (and says how), ``s``
saves it, a dry-run result fills the table and the chart; snapshots of the screen and of the
results (a result recorded from a real dry-run, so the figures are fixed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from aistui.app import AISTui
from aistui.core import Bck, ConnectionSettings
from aistui.screens.export import ExportScreen
from aistui.widgets.dialogs import PromptDialog
from tests.ui.recorded_cluster import ENDPOINT, recorded_client
from tests.util import shown, until

RESULT = json.loads((Path(__file__).parent / "export_result.json").read_text())
SIZES = [(80, 24), (160, 48)]


def make_app() -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell",
                  client=recorded_client())


async def open_export(pilot, names=None) -> ExportScreen:
    app = pilot.app
    await until(pilot, lambda: app.health == "ok")
    await app.push_screen(ExportScreen(Bck.parse("ais://digits"), "train/", names))
    await until(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.code)
    return app.screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_export_screen(snap_compare, size):
    async def ready(pilot):
        await open_export(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


def test_export_results_table(snap_compare):
    async def ready(pilot):
        screen = await open_export(pilot)
        screen.show_result(RESULT)
        await until(pilot, lambda: screen.query_one("#export-table", DataTable).row_count == 2)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=ready)


async def test_options_regenerate_copy_and_save(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_export(pilot, names=["train/3/00003.png", "train/5/00005.png"])
        assert "AISIterDataset(ais_source_list=bucket.objects(obj_names=NAMES))" in screen.code
        assert '"train/3/00003.png"' in screen.code
        screen.query_one("#style", Select).value = "map"
        await until(pilot, lambda: "AISMapDataset(" in screen.code)
        screen.query_one("#decode").value = True
        screen.query_one("#resize", Input).value = "64"
        await until(pilot, lambda: "img = img.resize((SIZE, SIZE))" in screen.code and "SIZE = 64" in screen.code)
        # Labels from class folders: the folders of the selection become the classes.
        screen.query_one("#labels", Select).value = "folder"
        await until(pilot, lambda: 'CLASSES = ["3", "5"]' in screen.code)
        # A combination that cannot work says why and copies nothing.
        screen.query_one("#labels", Select).value = "member"
        await until(pilot, lambda: "shard style" in screen.error)
        screen.query_one("#labels", Select).value = "none"
        await until(pilot, lambda: not screen.error)

        screen.query_one("#export-code").focus()
        notes = []
        monkeypatch.setattr(screen, "notify", lambda msg, **kw: notes.append(msg))
        await pilot.press("y")
        assert app.clipboard == screen.code
        assert notes[-1] == "loader code copied: OSC 52"

        await pilot.press("s")
        await shown(pilot, app, PromptDialog)
        target = tmp_path / "loader.py"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: target.exists())
        assert target.read_text() == screen.code
        compile(target.read_text(), str(target), "exec")


async def test_too_large_for_osc52_without_display_is_saved(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    app = make_app()
    names = [f"train/{i % 10}/{i:05d}.png" for i in range(5000)]  # a big selection: > 100 KB of base64
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_export(pilot, names=names)
        notes = []
        monkeypatch.setattr(screen, "notify", lambda msg, **kw: notes.append(msg))
        await pilot.press("y")
        saved = tmp_path / "aistui" / "export" / "digits_iter_loader.py"
        assert notes[-1] == f"loader code copied: saved to {saved}"
        assert saved.read_text() == screen.code


async def test_dry_run_without_torch_says_what_is_missing_and_starts_nothing(monkeypatch):
    """A plain install (simulated: the requirements check reports torch missing): ``r`` shows
    what is missing and how to add it, starts no dry-run worker and no process; the code can
    still be copied."""
    import asyncio

    from aistui.export import requirements

    monkeypatch.setattr(requirements, "_importable", lambda name: name != "torch")
    spawned = []

    async def no_process(*cmd, **kw):
        spawned.append(cmd)
        raise AssertionError("a dry-run process was started")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", no_process)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_export(pilot)
        screen.query_one("#export-code").focus()
        notes = []
        monkeypatch.setattr(screen, "notify", lambda msg, **kw: notes.append((msg, kw.get("severity"))))
        await pilot.press("r")
        await pilot.pause()
        assert notes == [("the dry-run needs torch: pip install 'aistui[torch]'", "error")]
        assert not screen.running
        assert not [w for w in app.workers if w.group == "dryrun"]
        assert not screen.query_one("#export-results").has_class("shown")
        assert spawned == []
        await pilot.press("y")  # copying needs no torch
        assert app.clipboard == screen.code


async def test_tune_without_torch_says_what_is_missing_and_starts_nothing(monkeypatch):
    """A plain install (simulated: the requirements check reports torch missing): ``T`` names
    what is missing and how to add it, before starting a search worker or a process."""
    import asyncio

    from aistui.export import requirements

    monkeypatch.setattr(requirements, "_importable", lambda name: name != "torch")
    spawned = []

    async def no_process(*cmd, **kw):
        spawned.append(cmd)
        raise AssertionError("a tuner process was started")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", no_process)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_export(pilot)
        screen.query_one("#export-code").focus()
        notes = []
        monkeypatch.setattr(screen, "notify", lambda msg, **kw: notes.append((msg, kw.get("severity"))))
        await pilot.press("T")
        await pilot.pause()
        assert notes == [("the tuner needs torch: pip install 'aistui[torch]'", "error")]
        assert not screen.running and not [w for w in app.workers if w.group == "dryrun"]
        assert not screen.query("#export-plot") and spawned == []
